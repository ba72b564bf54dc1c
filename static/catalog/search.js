/* The console's global search box (templates: catalog/search_box.html).
 *
 * "/" focuses the box from anywhere (except while typing in a field); typing shows suggestions
 * (sources, tables, columns, findings, rules...) fetched from the box's data-suggest URL; the
 * arrow keys move through them, Enter opens the selected one (or, with none selected, the
 * results page), Escape closes them. Without JavaScript the box is a plain GET form to the
 * results page.
 */
(function () {
  "use strict";

  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  function typingIn(el) {
    if (!el) return false;
    var tag = el.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || el.isContentEditable;
  }

  ready(function () {
    var box = document.getElementById("ps-search");
    if (!box) return;
    var form = box.querySelector("form");
    var input = box.querySelector("input[name=q]");
    var list = box.querySelector(".ps-suggest");
    var url = box.getAttribute("data-suggest");
    var items = [];
    var active = -1;
    var timer = null;
    var seq = 0;

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      active = -1;
    }

    function select(index) {
      items.forEach(function (a, i) {
        a.setAttribute("aria-selected", i === index ? "true" : "false");
      });
      active = index;
      if (index >= 0 && items[index]) {
        items[index].scrollIntoView({ block: "nearest" });
        input.setAttribute("aria-activedescendant", items[index].id);
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function row(hit, index) {
      var a = document.createElement("a");
      a.href = hit.url;
      a.id = "ps-suggestion-" + index;
      a.setAttribute("role", "option");
      var kind = document.createElement("span");
      kind.className = "ps-kind";
      kind.textContent = hit.type;
      var title = document.createElement("span");
      title.className = "ps-title";
      title.textContent = hit.title;
      var ctx = document.createElement("span");
      ctx.className = "ps-ctx";
      ctx.textContent = hit.context || "";
      a.appendChild(kind);
      a.appendChild(title);
      a.appendChild(ctx);
      return a;
    }

    function render(data, text) {
      list.innerHTML = "";
      items = [];
      (data.results || []).forEach(function (hit, i) {
        var a = row(hit, i);
        list.appendChild(a);
        items.push(a);
      });
      if (!items.length) {
        var none = document.createElement("div");
        none.className = "ps-empty";
        none.textContent = "Nothing found for \u201c" + text + "\u201d.";
        list.appendChild(none);
      }
      var all = document.createElement("a");
      all.href = data.all;
      all.className = "ps-all";
      all.id = "ps-suggestion-all";
      all.setAttribute("role", "option");
      all.textContent = "All results for \u201c" + text + "\u201d \u2192";
      list.appendChild(all);
      items.push(all);
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      select(-1);
    }

    function fetchSuggestions() {
      var text = input.value.trim();
      if (text.length < 2) {
        close();
        return;
      }
      var mine = ++seq;
      fetch(url + "?q=" + encodeURIComponent(text), {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      })
        .then(function (r) {
          return r.ok ? r.json() : null;
        })
        .then(function (data) {
          if (data && mine === seq && input.value.trim() === text) render(data, text);
        })
        .catch(function () {
          /* no suggestions: Enter still opens the results page */
        });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(fetchSuggestions, 150);
    });

    input.addEventListener("keydown", function (e) {
      if (e.key === "ArrowDown") {
        if (list.hidden) {
          fetchSuggestions();
          return;
        }
        e.preventDefault();
        select(Math.min(active + 1, items.length - 1));
      } else if (e.key === "ArrowUp") {
        if (list.hidden) return;
        e.preventDefault();
        select(Math.max(active - 1, -1));
      } else if (e.key === "Enter") {
        if (!list.hidden && active >= 0 && items[active]) {
          e.preventDefault();
          window.location.href = items[active].href;
        }
      } else if (e.key === "Escape") {
        if (!list.hidden) {
          e.preventDefault();
          close();
        } else {
          input.blur();
        }
      }
    });

    input.addEventListener("focus", function () {
      if (items.length && input.value.trim().length >= 2) {
        list.hidden = false;
        input.setAttribute("aria-expanded", "true");
      }
    });

    document.addEventListener("click", function (e) {
      if (!box.contains(e.target)) close();
    });

    document.addEventListener("keydown", function (e) {
      if (e.key !== "/" || e.ctrlKey || e.metaKey || e.altKey) return;
      if (typingIn(document.activeElement)) return;
      e.preventDefault();
      input.focus();
      input.select();
    });

    form.addEventListener("submit", function (e) {
      if (!input.value.trim()) e.preventDefault();
    });
  });
})();
