// The header's page buttons (History, Run now, ...) may show only their icons
// (catalog/console.css): each gets its name as a tooltip and accessible name.
(function () {
  "use strict";
  function name() {
    document.querySelectorAll("#header-inner ul > li > a").forEach(function (link) {
      var text = Array.prototype.filter
        .call(link.childNodes, function (node) { return node.nodeType === Node.TEXT_NODE; })
        .map(function (node) { return node.textContent.trim(); })
        .join(" ")
        .trim();
      if (text && !link.getAttribute("title")) link.setAttribute("title", text);
      if (text && !link.getAttribute("aria-label")) link.setAttribute("aria-label", text);
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", name);
  else name();
})();
