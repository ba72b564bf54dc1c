/* The team's panel under an object's page (racine/collaboration/panel.py): who is here now,
 * the co-edited description, and a notice when someone comments meanwhile.
 *
 * One live socket per page, whatever the number of panels and editors on it: the page's
 * object is subscribed once (its live page: presence joins on subscribe), then every
 * .team-editor textarea is bound to its shared document through PurSightCoedit. Loaded with
 * {% static %} after workspaces/live.js and collaboration/coedit.js; no inline script (CSP).
 */
(function () {
  "use strict";

  if (window.PurSightTeam) return; // included by both the panel and the description editor
  window.PurSightTeam = { started: false };

  function text(node, value) {
    node.textContent = value;
    return node;
  }

  function el(tag, className, value) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (value !== undefined) node.textContent = value;
    return node;
  }

  function start() {
    var panel = document.querySelector(".team-panel[data-page]:not([data-page=''])");
    var editors = Array.prototype.slice.call(document.querySelectorAll(".team-editor[data-coedit-page]"));
    var anchor = panel || editors[0];
    if (!anchor || window.PurSightTeam.started) return;
    var kind = panel ? panel.getAttribute("data-page") : anchor.getAttribute("data-coedit-page");
    var id = Number(panel ? panel.getAttribute("data-id") : anchor.getAttribute("data-coedit-id"));
    var here = document.querySelector("[data-team-here]");
    var news = document.querySelector("[data-team-news]");
    var target = panel ? { type: panel.getAttribute("data-target-type"), id: panel.getAttribute("data-target-id") } : null;

    function editorStatus(message) {
      editors.forEach(function (node) {
        var status = node.querySelector(".team-status");
        if (status) text(status, message);
      });
    }

    if (!window.PurSightLive) {
      editorStatus("Live editing is not available on this page.");
      return;
    }
    window.PurSightTeam.started = true;
    var live = window.PurSightLive.connect("/ws/live/");
    var version = -1;
    var attached = false;

    function renderPresence(data) {
      if (!here || !data) return;
      if (typeof data.version === "number") {
        if (data.version < version) return; // an older list arriving late
        version = data.version;
      }
      var others = (data.users || []).filter(function (u) {
        return !live.user || u.id !== live.user.id;
      });
      while (here.firstChild) here.removeChild(here.firstChild);
      if (!others.length) {
        here.appendChild(el("span", "ps-muted", "Only you are here."));
        return;
      }
      here.appendChild(el("span", "ps-muted", "Here now: "));
      others.forEach(function (u, i) {
        var chip = el("span", "team-person team-" + (u.state || "active"), u.name);
        chip.setAttribute("data-user", u.id);
        chip.title = u.name + (u.state === "idle" ? " (idle)" : " (here now)");
        here.appendChild(chip);
        if (i < others.length - 1) here.appendChild(document.createTextNode(" "));
      });
    }

    function attachEditors() {
      if (attached) return;
      attached = true;
      if (!window.PurSightCoedit) {
        editorStatus("Live editing is not available on this page.");
        return;
      }
      editors.forEach(function (node) {
        var area = node.querySelector("textarea");
        try {
          window.PurSightCoedit.attach(area, {
            socket: live,
            page: kind,
            id: id,
            field: node.getAttribute("data-coedit-field"),
            user: live.user,
            readOnly: node.hasAttribute("data-coedit-readonly"),
            status: node.querySelector(".team-status"),
          });
        } catch (err) {
          text(node.querySelector(".team-status"), "Live editing failed to start.");
          if (window.console) console.error(err);
        }
      });
    }

    live.on("status", function (status) {
      if (status === "offline" && here) {
        while (here.firstChild) here.removeChild(here.firstChild);
        here.appendChild(el("span", "ps-muted", "Reconnecting…"));
      }
    });
    live.subscribe(kind, id, {
      state: function (data) {
        renderPresence(data && data.presence);
        attachEditors();
      },
      event: function (name, data) {
        if (name === "presence") renderPresence(data);
        else if (name === "comment" && news && target && data && data.comment) {
          var t = data.comment.target || {};
          if (t.type === target.type && String(t.id) === String(target.id)) news.hidden = false;
        }
      },
      revoked: function (message) {
        if (here) text(here, (message && message.error) || "Your access to this page ended.");
        editors.forEach(function (node) {
          node.querySelector("textarea").readOnly = true;
        });
      },
      error: function (message) {
        if (here && message && message.error) text(here, message.error);
      },
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
