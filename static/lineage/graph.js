/* The lineage page: draws /api/v1/lineage/ with Cytoscape.js and the dagre layout (vendored
 * under static/vendor/cytoscape/). Data flows left to right. Click a table for its details and
 * the edges behind an arrow; double-click (or "Show columns") to expand a table to its columns.
 * Hidden assets come as anonymous placeholders from the server: nothing here can name them.
 * Everything written into the page goes through textContent (no HTML from data). */
(function () {
  "use strict";

  var page = document.getElementById("lineage-page");
  var box = document.getElementById("lineage-graph");
  if (!page || !box || typeof window.cytoscape !== "function") return;
  if (window.cytoscapeDagre) window.cytoscape.use(window.cytoscapeDagre);

  var cfg = page.dataset;
  var status = document.getElementById("lineage-status");
  var detail = document.getElementById("lineage-detail");
  var expanded = new Set();
  var cy = null;
  var lastData = null;

  function el(tag, text, attrs) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    return node;
  }

  function say(text, error) {
    status.textContent = text || "";
    status.classList.toggle("lg-error", !!error);
    status.hidden = !text;
  }

  function graphUrl() {
    var params = new URLSearchParams({ asset: cfg.asset, direction: cfg.direction, depth: cfg.depth });
    expanded.forEach(function (qn) { params.append("expand", qn); });
    return cfg.api + "?" + params.toString();
  }

  function pageUrl(qn) {
    var params = new URLSearchParams({ asset: qn, direction: cfg.direction, depth: cfg.depth });
    return cfg.page + "?" + params.toString();
  }

  function load() {
    say("Loading the graph…");
    fetch(graphUrl(), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) {
        if (!r.ok) {
          return r.json().catch(function () { return {}; }).then(function (body) {
            throw new Error(body.detail || (r.status === 404 ? "No such asset." : "The graph could not be loaded (" + r.status + ")."));
          });
        }
        return r.json();
      })
      .then(draw)
      .catch(function (err) { say(err.message || String(err), true); });
  }

  function elements(data) {
    var els = [];
    var tableOf = {};
    data.nodes.forEach(function (n) {
      var classes = [n.kind];
      if (n.root) classes.push("root");
      if (n.table_kind === "view") classes.push("view");
      if (n.removed) classes.push("removed");
      if (n.kind === "table" && expanded.has(n.qualified_name)) classes.push("expanded");
      var d = { id: n.id, label: n.kind === "table" ? n.label + "\n" + n.datasource : n.label, info: n };
      if (n.parent) { d.parent = n.parent; tableOf[n.id] = n.parent; }
      els.push({ group: "nodes", data: d, classes: classes.join(" ") });
    });
    data.edges.forEach(function (e) {
      var classes = [e.level];
      if (e.blocked) classes.push("blocked");
      if (e.hidden) classes.push("hidden");
      els.push({ group: "edges", data: { id: e.id, source: e.source, target: e.target, info: e }, classes: classes.join(" ") });
    });
    return els;
  }

  var style = [
    { selector: "node", style: {
      "shape": "round-rectangle", "width": 170, "height": 44, "label": "data(label)", "text-wrap": "wrap",
      "text-max-width": 160, "text-valign": "center", "text-halign": "center", "font-size": 11, "color": "#111827",
      "background-color": "#ffffff", "border-width": 2, "border-color": "#64748b" } },
    { selector: "node.view", style: { "border-color": "#7c3aed", "background-color": "#f5f3ff" } },
    { selector: "node.root", style: { "border-color": "#2563eb", "background-color": "#dbeafe", "border-width": 3 } },
    { selector: "node.removed", style: { "opacity": 0.55 } },
    { selector: "node.hidden", style: { "border-style": "dashed", "border-color": "#9ca3af", "background-color": "#f3f4f6",
      "color": "#6b7280", "font-style": "italic", "width": 130 } },
    { selector: "node.column", style: { "width": 150, "height": 24, "font-size": 10, "border-width": 1,
      "border-color": "#94a3b8", "background-color": "#ffffff" } },
    { selector: "node:parent", style: { "text-valign": "top", "text-margin-y": -4, "padding": 10,
      "background-opacity": 0.35 } },
    { selector: "node:selected", style: { "border-color": "#f59e0b", "border-width": 3 } },
    { selector: "edge", style: { "curve-style": "bezier", "width": 2, "line-color": "#64748b",
      "target-arrow-color": "#64748b", "target-arrow-shape": "triangle", "arrow-scale": 1 } },
    { selector: "edge.column", style: { "width": 1.3, "line-color": "#0891b2", "target-arrow-color": "#0891b2" } },
    { selector: "edge.blocked", style: { "line-style": "dashed", "line-color": "#dc2626", "target-arrow-color": "#dc2626" } },
    { selector: "edge.hidden", style: { "line-style": "dotted", "line-color": "#9ca3af", "target-arrow-color": "#9ca3af" } },
    { selector: "edge:selected", style: { "width": 3.5, "line-color": "#f59e0b", "target-arrow-color": "#f59e0b" } }
  ];

  function draw(data) {
    lastData = data;
    var tables = data.nodes.filter(function (n) { return n.kind === "table"; }).length;
    var hidden = data.nodes.some(function (n) { return n.hidden; });
    if (cy) cy.destroy();
    cy = window.cytoscape({
      container: box,
      elements: elements(data),
      style: style,
      wheelSensitivity: 0.3,
      minZoom: 0.15,
      maxZoom: 2.5,
      layout: { name: window.cytoscapeDagre ? "dagre" : "breadthfirst", rankDir: "LR", nodeSep: 18, rankSep: 90, fit: true, padding: 24 }
    });
    var text = tables === 1 && data.edges.length === 0 ? "No lineage recorded for this asset yet." : "";
    if (data.truncated) text = "Large neighbourhood: the graph was cut. Lower the depth or pick a direction.";
    say(text);
    if (hidden && !text) say("");
    cy.on("tap", "node", function (evt) { showNode(evt.target.data("info")); });
    cy.on("tap", "edge", function (evt) { showEdge(evt.target.data("info")); });
    cy.on("dbltap", "node.table", function (evt) { toggle(evt.target.data("info")); });
    var root = data.nodes.filter(function (n) { return n.root; })[0];
    if (root) showNode(root);
  }

  function toggle(info) {
    if (!info || info.kind !== "table") return;
    if (expanded.has(info.qualified_name)) expanded.delete(info.qualified_name);
    else expanded.add(info.qualified_name);
    load();
  }

  function clear() {
    while (detail.firstChild) detail.removeChild(detail.firstChild);
  }

  function facts(rows) {
    var dl = el("dl");
    rows.forEach(function (r) {
      if (r[1] === undefined || r[1] === null || r[1] === "") return;
      dl.appendChild(el("dt", r[0]));
      dl.appendChild(el("dd", r[1]));
    });
    return dl;
  }

  function showNode(info) {
    clear();
    if (!info) return;
    if (info.hidden) {
      detail.appendChild(el("h3", info.label));
      detail.appendChild(el("p", "Lineage continues into assets you may not see. Ask their data steward for access."));
      return;
    }
    if (info.kind === "column") {
      detail.appendChild(el("h3", "Column " + info.name));
      detail.appendChild(facts([["Type", info.data_type], ["Qualified name", info.qualified_name]]));
      var c = el("a", "Center the graph on this column", { href: pageUrl(info.qualified_name) });
      detail.appendChild(c);
      return;
    }
    detail.appendChild(el("h3", info.display_name));
    detail.appendChild(facts([
      ["Kind", info.table_kind === "view" ? "View" : "Table"],
      ["Data source", info.datasource],
      ["Qualified name", info.qualified_name],
      ["Distance", info.level === 0 ? "the asset you asked for" : Math.abs(info.level) + (info.level < 0 ? " upstream" : " downstream")],
      ["State", info.removed ? "removed from its source" : ""]
    ]));
    var links = el("ul");
    var li = el("li");
    li.appendChild(el("a", "Open the asset page", { href: info.url }));
    links.appendChild(li);
    if (!info.root) {
      li = el("li");
      li.appendChild(el("a", "Center the graph here", { href: pageUrl(info.qualified_name) }));
      links.appendChild(li);
    }
    li = el("li");
    var btn = el("button", expanded.has(info.qualified_name) ? "Hide columns" : "Show columns", { type: "button", "class": "ps-btn ps-mini" });
    btn.addEventListener("click", function () { toggle(info); });
    li.appendChild(btn);
    links.appendChild(li);
    detail.appendChild(links);
  }

  function tableId(nodeId) {
    if (!cy) return null;
    var node = cy.getElementById(nodeId);
    var info = node && node.data("info");
    if (info && info.kind === "column") return tableId(info.parent);
    return /^t\d+$/.test(nodeId) ? nodeId.slice(1) : null;
  }

  function showEdge(info) {
    clear();
    if (!info) return;
    if (info.hidden) {
      detail.appendChild(el("h3", "Lineage with hidden assets"));
      detail.appendChild(el("p", "The details of this edge belong to assets you may not see."));
      return;
    }
    detail.appendChild(el("h3", (info.level === "column" ? "Column" : "Table") + " lineage"));
    detail.appendChild(facts([
      ["Recorded by", info.origins.join(", ")],
      ["Propagation", info.blocked ? "blocked on at least one edge" : "classifications flow downstream"]
    ]));
    var up = tableId(info.source), down = tableId(info.target);
    if (!up || !down) return;
    var list = el("ul");
    detail.appendChild(el("p", "Loading the edges…"));
    var params = new URLSearchParams({ upstream_table: up, downstream_table: down, open: "true", page_size: "50" });
    fetch(cfg.edgesApi + "?" + params.toString(), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error("The edges could not be loaded."); return r.json(); })
      .then(function (body) {
        detail.removeChild(detail.lastChild);
        (body.results || body).forEach(function (e) {
          var li = el("li");
          var a = el("a", e.upstream + " → " + e.downstream, { href: cfg.edges + e.id + "/change/" });
          li.appendChild(a);
          li.appendChild(el("div", e.origin + (e.origin_ref ? " · " + e.origin_ref : "") +
            (e.propagation_blocked ? " · propagation blocked: " + e.blocked_reason : "")));
          list.appendChild(li);
        });
        detail.appendChild(list);
        detail.appendChild(el("p", "Open an edge to block or allow propagation along it."));
      })
      .catch(function (err) { detail.lastChild.textContent = err.message; });
  }

  document.getElementById("lineage-fit").addEventListener("click", function () { if (cy) cy.fit(undefined, 24); });
  document.getElementById("lineage-collapse").addEventListener("click", function () {
    if (expanded.size) { expanded.clear(); load(); }
  });
  load();
})();
