// The Main Manager's "Running now" panel: refreshed from its JSON feed every few seconds
// (a GET; rows are built with text nodes, never HTML from the server).
(function () {
  "use strict";
  var root = document.getElementById("manager-running");
  if (!root || root.dataset.bound) return;
  root.dataset.bound = "1";
  var card = root.parentElement;
  var feed = root.dataset.feed;
  var rows = root.querySelector("[data-running-rows]");
  var table = root.querySelector("[data-running-table]");
  var empty = root.querySelector("[data-running-empty]");
  var count = card.querySelector("[data-running-count]");
  var status = card.querySelector("[data-running-status]");
  var PERIOD = 5000;

  function cell(tr, content) {
    var td = document.createElement("td");
    if (content instanceof Node) td.appendChild(content); else td.textContent = content;
    tr.appendChild(td);
    return td;
  }

  function render(items) {
    rows.replaceChildren();
    items.forEach(function (i) {
      var tr = document.createElement("tr");
      tr.dataset.key = i.key;
      cell(tr, i.kind);
      var name = i.name;
      if (i.url) { name = document.createElement("a"); name.href = i.url; name.textContent = i.name; }
      cell(tr, name);
      cell(tr, i.state);
      var td = cell(tr, "");
      td.className = "ps-progress-cell";
      if (i.progress !== null && i.progress !== undefined) {
        var bar = document.createElement("progress");
        bar.max = 100; bar.value = Math.round(i.progress * 100); bar.className = "ps-progress";
        bar.style.cssText = "accent-color:#1d67f1;width:8rem;vertical-align:middle";
        td.appendChild(bar); td.appendChild(document.createTextNode(" "));
      }
      var detail = document.createElement("span");
      detail.className = "ps-muted"; detail.textContent = i.detail || "";
      td.appendChild(detail);
      cell(tr, i.at);
      rows.appendChild(tr);
    });
    table.hidden = items.length === 0;
    empty.hidden = items.length !== 0;
    if (count) count.textContent = String(items.length);
  }

  function tick() {
    if (document.hidden) { setTimeout(tick, PERIOD); return; }
    fetch(feed, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (data) { render(data.items || []); if (status) status.textContent = "live"; })
      .catch(function () { if (status) status.textContent = "not updating"; })
      .finally(function () { setTimeout(tick, PERIOD); });
  }
  setTimeout(tick, PERIOD);
})();
