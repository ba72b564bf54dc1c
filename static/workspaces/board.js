/* The workspace board (templates: workspaces/board.html).
 *
 * State: rendered by the server into #wb-state (json_script), then kept current by the live
 * page "workspace" of /ws/live/ (live.js): presence, activity, comment, task, scan_progress
 * events. Conversation, tasks and the activity stream are read from the REST API
 * (/api/v1/comments/, /api/v1/tasks/, /api/v1/activity/); writes go there too, with the CSRF
 * header and X-PurSight-Socket so that this socket is not echoed its own change (the answer
 * of the request updates the page instead). The notes are co-edited through PurSightCoedit
 * (static/collaboration/coedit.js) when it is there.
 */
(function () {
  "use strict";

  var root = document.getElementById("wb");
  var stateNode = document.getElementById("wb-state");
  var configNode = document.getElementById("wb-config");
  if (!root || !stateNode || !configNode) return;
  var state = JSON.parse(stateNode.textContent);
  var cfg = JSON.parse(configNode.textContent);
  var WS = cfg.workspace;
  var IDLE_AFTER_MS = 3 * 60 * 1000;
  var SEVERITIES = ["critical", "high", "medium", "low"];
  var FINAL = ["succeeded", "failed", "cancelled"];
  var TASK_STATUSES = [
    ["open", "Open"],
    ["in_progress", "In progress"],
    ["done", "Done"],
    ["cancelled", "Cancelled"],
  ];

  var presenceVersion = -1;
  var comments = new Map(); // id -> item
  var tasks = new Map(); // id -> item
  var activity = []; // newest first
  var runs = new Map(); // run id -> status item
  var live = null;

  // --- Small helpers ---------------------------------------------------------------------------

  function $(id) {
    return document.getElementById(id);
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      var value = attrs[key];
      if (value === null || value === undefined || value === false) return;
      if (key === "text") node.textContent = value;
      else if (key === "html") node.innerHTML = value; // server-sanitised HTML only
      else if (key === "className") node.className = value;
      else if (key.slice(0, 2) === "on") node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : value);
    });
    (children || []).forEach(function (child) {
      if (child === null || child === undefined || child === false) return;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function replace(node, children) {
    while (node.firstChild) node.removeChild(node.firstChild);
    children.forEach(function (c) {
      if (c) node.appendChild(c);
    });
  }

  function ago(iso) {
    if (!iso) return "";
    var then = new Date(iso).getTime();
    var s = Math.max(0, Math.round((Date.now() - then) / 1000));
    if (s < 45) return "just now";
    if (s < 90) return "a minute ago";
    var m = Math.round(s / 60);
    if (m < 45) return m + " min ago";
    var h = Math.round(m / 60);
    if (h < 24) return h + (h === 1 ? " hour ago" : " hours ago");
    var d = Math.round(h / 24);
    if (d < 30) return d + (d === 1 ? " day ago" : " days ago");
    return new Date(iso).toLocaleDateString();
  }

  function timeEl(iso) {
    return el("time", { datetime: iso, title: iso ? new Date(iso).toLocaleString() : "", className: "wb-ago", text: ago(iso) });
  }

  function initials(name) {
    var parts = String(name || "?").trim().split(/\s+/);
    return ((parts[0] || "?")[0] + (parts.length > 1 ? parts[parts.length - 1][0] : "")).toUpperCase();
  }

  function hue(id) {
    return (Number(id) * 137) % 360;
  }

  function avatar(user, extra) {
    var node = el("span", { className: "wb-avatar " + (extra || ""), title: user.name, "aria-hidden": "true", text: initials(user.name) });
    node.style.setProperty("--wb-hue", hue(user.id));
    return node;
  }

  function plural(n, word) {
    return n + " " + word + (n === 1 ? "" : "s");
  }

  function results(data) {
    return Array.isArray(data) ? data : (data && data.results) || [];
  }

  function message(err) {
    var data = err && err.data;
    if (!data) return err && err.status ? "The server answered " + err.status + "." : "The server could not be reached.";
    if (typeof data === "string") return data;
    if (data.detail) return data.detail;
    var first = Object.keys(data)[0];
    var value = data[first];
    return Array.isArray(value) ? value.join(" ") : String(value);
  }

  function api(method, url, body) {
    var headers = { Accept: "application/json", "X-CSRFToken": cfg.csrf };
    if (live && live.socketId) headers["X-PurSight-Socket"] = live.socketId;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    return fetch(url, {
      method: method,
      credentials: "same-origin",
      headers: headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then(function (response) {
      if (response.status === 204) return null;
      return response
        .json()
        .catch(function () {
          return null;
        })
        .then(function (data) {
          if (!response.ok) throw { status: response.status, data: data };
          return data;
        });
    });
  }

  function query(url, params) {
    var q = Object.keys(params)
      .map(function (k) {
        return encodeURIComponent(k) + "=" + encodeURIComponent(params[k]);
      })
      .join("&");
    return url + (url.indexOf("?") === -1 ? "?" : "&") + q;
  }

  var editable = !!(state.can && state.can.edit);

  // --- Presence and members --------------------------------------------------------------------

  var present = []; // [{id, name, state}]

  function applyPresence(data) {
    if (!data) return;
    if (typeof data.version === "number") {
      if (data.version < presenceVersion) return; // an older list arriving late
      presenceVersion = data.version;
    }
    present = data.users || [];
    renderPresence();
    renderMembers();
  }

  function renderPresence() {
    var here = $("wb-here");
    var shown = present.slice(0, 6).map(function (u) {
      var node = avatar(u, "wb-avatar-" + u.state);
      node.setAttribute("title", u.name + (u.state === "idle" ? " (idle)" : " (here now)"));
      node.setAttribute("data-user", u.id);
      node.setAttribute("data-state", u.state);
      return node;
    });
    var label = el("span", { className: "wb-here-text", text: present.length === 1 ? "1 person here" : present.length + " people here" });
    if (present.length > 6) shown.push(el("span", { className: "wb-avatar wb-more", text: "+" + (present.length - 6) }));
    replace(here, [el("span", { className: "wb-avatars" }, shown), label]);
  }

  function renderMembers() {
    var byId = {};
    present.forEach(function (u) {
      byId[u.id] = u.state;
    });
    var members = state.members || [];
    $("wb-members-count").textContent = members.length ? "(" + members.length + ")" : "";
    var order = { active: 0, idle: 1, undefined: 2 };
    var sorted = members.slice().sort(function (a, b) {
      return order[byId[a.user.id]] - order[byId[b.user.id]] || a.user.name.localeCompare(b.user.name);
    });
    replace(
      $("wb-members"),
      sorted.map(function (m) {
        var status = byId[m.user.id] || "away";
        var label = status === "active" ? "Here now" : status === "idle" ? "Idle" : "Away";
        return el("li", { className: "wb-member", "data-user": m.user.id, "data-presence": status }, [
          el("span", { className: "wb-avatar-wrap" }, [avatar(m.user), el("span", { className: "wb-dot wb-dot-" + status, title: label, "aria-label": label })]),
          el("span", { className: "wb-member-name" }, [
            el("span", { text: m.user.name + (m.user.id === cfg.user.id ? " (you)" : "") }),
            el("small", { text: label }),
          ]),
          el("span", { className: "wb-chip wb-chip-role", text: m.role_label || m.role }),
        ]);
      })
    );
    var select = $("wb-task-assignee");
    if (select && select.options.length <= 1) {
      members.forEach(function (m) {
        select.appendChild(el("option", { value: m.user.id, text: m.user.name }));
      });
    }
  }

  // My own presence: idle when the page is hidden, the window loses focus, or nobody has
  // touched it for a while; active again at the first sign of life.
  var myState = "active";
  var idleTimer = null;

  function setMyState(next) {
    if (next === myState) return;
    myState = next;
    if (live) live.send({ action: "presence", page: "workspace", id: WS, state: next });
  }

  function awake() {
    if (document.visibilityState === "hidden") return;
    setMyState("active");
    window.clearTimeout(idleTimer);
    idleTimer = window.setTimeout(function () {
      setMyState("idle");
    }, IDLE_AFTER_MS);
  }

  ["mousemove", "keydown", "pointerdown", "scroll", "focus"].forEach(function (name) {
    window.addEventListener(name, awake, { passive: true });
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") setMyState("idle");
    else awake();
  });
  window.addEventListener("blur", function () {
    setMyState("idle");
  });

  // --- Pins ------------------------------------------------------------------------------------

  function progressBar(fraction, label, extra) {
    var pct = fraction === null || fraction === undefined ? null : Math.round(fraction * 100);
    var bar = el("div", { className: "wb-bar " + (extra || ""), role: "progressbar", "aria-valuemin": "0", "aria-valuemax": "100", "aria-valuenow": pct === null ? null : pct, "aria-label": label });
    var fill = el("div", { className: "wb-bar-fill" + (pct === null ? " wb-bar-indeterminate" : "") });
    fill.style.width = pct === null ? "35%" : pct + "%";
    bar.appendChild(fill);
    return bar;
  }

  function renderPins() {
    var pins = state.pins || [];
    $("wb-pins-count").textContent = pins.length ? "(" + pins.length + ")" : "";
    if (!pins.length) {
      replace($("wb-pins"), [el("p", { className: "wb-empty", text: "Nothing pinned yet (or nothing you may see). Pin sources, tables, findings… from the workspace's settings or the API." })]);
      return;
    }
    replace(
      $("wb-pins"),
      pins.map(function (pin) {
        var t = pin.target || {};
        var chips = [];
        if (t.sensitivity) {
          var chip = el("span", { className: "wb-chip wb-chip-label", text: t.sensitivity.name, title: "Highest sensitivity label" });
          if (t.sensitivity.color) chip.style.setProperty("--wb-label", t.sensitivity.color);
          chips.push(chip);
        }
        if (t.finding) chips.push(el("span", { className: "wb-chip wb-sev-" + t.finding.severity, text: t.finding.severity }));
        var review = null;
        if (t.review && t.review.total) {
          review = el("div", { className: "wb-review" }, [
            progressBar(t.review.decided / t.review.total, "Classification review"),
            el("small", { text: t.review.decided + " of " + plural(t.review.total, "classification") + " reviewed" }),
          ]);
        } else if (t.review) {
          review = el("small", { className: "wb-muted", text: "No classification to review" });
        }
        var scan = null;
        if (t.scan) {
          scan = el("small", { className: "wb-muted", text: "Last scan: " + t.scan.state });
        }
        return el("article", { className: "wb-pin", "data-type": t.type, "data-id": t.id }, [
          el("div", { className: "wb-pin-top" }, [
            el("span", { className: "wb-kind", text: t.kind || t.type }),
            el("span", { className: "wb-chips" }, chips),
          ]),
          t.url ? el("a", { className: "wb-pin-name", href: t.search_url || t.url, text: t.name }) : el("span", { className: "wb-pin-name", text: t.name }),
          t.context ? el("small", { className: "wb-muted", text: t.context }) : null,
          pin.note ? el("p", { className: "wb-pin-note", text: pin.note }) : null,
          review,
          scan,
        ]);
      })
    );
  }

  // --- Scans -----------------------------------------------------------------------------------

  function renderScanActions() {
    var node = $("wb-scan-actions");
    var sources = (state.sources || []).filter(function (s) {
      return s.scan;
    });
    if (!sources.length || (state.workspace && state.workspace.read_only)) {
      replace(node, []);
      return;
    }
    replace(
      node,
      sources.map(function (s) {
        return el("button", {
          type: "button",
          className: "wb-btn wb-btn-small",
          "data-scan": s.scan,
          text: "Scan " + s.name,
          onclick: function (e) {
            startScan(s, e.currentTarget);
          },
        });
      })
    );
  }

  function startScan(source, button) {
    button.disabled = true;
    api("POST", cfg.api.scans + source.scan + "/run/", {})
      .then(ownChange)
      .then(function (run) {
        if (run && run.id) {
          applyRun(Object.assign({ run: run.id, datasource: { id: source.id, name: source.name } }, run));
        }
      })
      .catch(function (err) {
        window.alert(message(err));
      })
      .then(function () {
        button.disabled = false;
      });
  }

  function applyRun(item) {
    var id = item.run;
    var known = runs.get(id) || {};
    runs.set(id, Object.assign({}, known, item));
    renderScans();
  }

  function renderScans() {
    var list = Array.from(runs.values()).sort(function (a, b) {
      var activeA = FINAL.indexOf(a.state) === -1 ? 0 : 1;
      var activeB = FINAL.indexOf(b.state) === -1 ? 0 : 1;
      return activeA - activeB || b.run - a.run;
    });
    if (!list.length) {
      replace($("wb-scans"), [el("p", { className: "wb-empty", text: "No scan of the pinned sources yet." })]);
      return;
    }
    replace(
      $("wb-scans"),
      list.slice(0, 8).map(function (r) {
        var done = r.tables_done || 0;
        var total = r.tables_total;
        var fraction = r.state === "succeeded" ? 1 : r.progress;
        var detail = total ? done + " of " + plural(total, "table") : r.state === "queued" ? "waiting for a worker" : "";
        return el("div", { className: "wb-run wb-run-" + r.state, "data-run": r.run }, [
          el("div", { className: "wb-run-top" }, [
            r.url ? el("a", { href: r.url, text: (r.datasource && r.datasource.name) || "Run " + r.run }) : el("span", { text: (r.datasource && r.datasource.name) || "Run " + r.run }),
            el("span", { className: "wb-chip wb-state-" + r.state, text: r.state }),
          ]),
          progressBar(fraction, "Scan progress", FINAL.indexOf(r.state) === -1 ? "wb-bar-live" : ""),
          el("small", { className: "wb-muted" }, [detail, r.error ? " · " + r.error : ""]),
        ]);
      })
    );
  }

  // --- Findings --------------------------------------------------------------------------------

  function renderFindings() {
    var f = state.findings || { by_severity: {}, top: [] };
    $("wb-findings-count").textContent = f.total ? "(" + f.total + ")" : "";
    replace(
      $("wb-severity"),
      SEVERITIES.map(function (s) {
        var n = (f.by_severity || {})[s] || 0;
        var href = f.changelist ? f.changelist + "?status__exact=open&severity__exact=" + s : null;
        return el(href ? "a" : "div", { className: "wb-tile wb-sev-" + s + (n ? "" : " wb-zero"), href: href }, [
          el("strong", { text: String(n) }),
          el("span", { text: s }),
        ]);
      })
    );
    replace(
      $("wb-findings"),
      (f.top || []).map(function (x) {
        return el("li", {}, [
          el("span", { className: "wb-chip wb-sev-" + x.severity, text: x.severity }),
          x.url ? el("a", { href: x.url, text: x.rule }) : el("span", { text: x.rule }),
          el("small", { className: "wb-muted", text: " · " + x.asset }),
        ]);
      })
    );
    if (!(f.top || []).length) $("wb-findings").appendChild(el("li", { className: "wb-empty", text: "No open finding on the pinned sources." }));
  }

  // --- Activity --------------------------------------------------------------------------------

  function addActivity(item, fresh) {
    if (!item || activity.some(function (a) { return a.id === item.id; })) return;
    activity.unshift(item);
    activity.sort(function (a, b) {
      return (b.created_at || "").localeCompare(a.created_at || "");
    });
    activity = activity.slice(0, 50);
    renderActivity(fresh ? item.id : null);
  }

  function renderActivity(freshId) {
    if (!activity.length) {
      replace($("wb-activity"), [el("li", { className: "wb-empty", text: "Nothing has happened here yet." })]);
      return;
    }
    replace(
      $("wb-activity"),
      activity.map(function (a) {
        // The summary names the actor ("Alice Martin edited the notes of ...").
        return el("li", { className: "wb-event" + (a.id === freshId ? " wb-fresh" : ""), "data-kind": a.kind }, [
          el("span", { className: "wb-event-kind wb-kind-" + String(a.kind || "").split(".")[0], title: a.kind }),
          el("div", {}, [
            el("p", { text: a.summary || a.kind }),
            a.target && a.target.url ? el("a", { href: a.target.url, className: "wb-muted", text: a.target.name }) : null,
            timeEl(a.created_at),
          ]),
        ]);
      })
    );
  }

  var loadedOnce = false;

  // Our own changes are not echoed to this socket: their activity is read back after them.
  function ownChange(value) {
    window.setTimeout(loadActivity, 300);
    return value;
  }

  function loadActivity() {
    if (!cfg.api.activity) return;
    api("GET", query(cfg.api.activity, { workspace: WS, page_size: 30 }))
      .then(function (data) {
        var fresh = null;
        results(data).forEach(function (item) {
          if (!activity.some(function (a) { return a.id === item.id; })) {
            activity.push(item);
            if (loadedOnce) fresh = fresh || item.id;
          }
        });
        activity.sort(function (a, b) {
          return (b.created_at || "").localeCompare(a.created_at || "") || b.id - a.id;
        });
        activity = activity.slice(0, 50);
        loadedOnce = true;
        renderActivity(fresh);
      })
      .catch(function () {
        renderActivity(null);
      });
  }

  // --- Comments --------------------------------------------------------------------------------

  function upsertComment(item) {
    if (!item || !item.id) return;
    comments.set(item.id, Object.assign({}, comments.get(item.id) || {}, item));
    renderComments();
  }

  function commentNode(c, isReply) {
    var actions = [];
    var thread = isReply ? null : c;
    if (editable && thread && !c.deleted) {
      actions.push(
        el("button", {
          type: "button",
          className: "wb-link",
          text: c.resolved_at ? "Reopen" : "Resolve",
          onclick: function () {
            api("POST", cfg.api.comments + c.id + (c.resolved_at ? "/reopen/" : "/resolve/"), {}).then(ownChange).then(upsertComment).catch(function (err) {
              window.alert(message(err));
            });
          },
        })
      );
      actions.push(
        el("button", {
          type: "button",
          className: "wb-link",
          text: "Reply",
          onclick: function (e) {
            var box = e.currentTarget.closest(".wb-thread").querySelector(".wb-reply");
            box.hidden = !box.hidden;
            if (!box.hidden) box.querySelector("textarea").focus();
          },
        })
      );
    }
    var author = c.author || { id: 0, name: "Someone" };
    return el("div", { className: "wb-comment" + (isReply ? " wb-comment-reply" : ""), "data-comment": c.id }, [
      avatar(author, "wb-avatar-small"),
      el("div", { className: "wb-comment-main" }, [
        el("div", { className: "wb-comment-head" }, [
          el("strong", { text: author.name }),
          timeEl(c.created_at),
          c.edited_at ? el("small", { className: "wb-muted", text: "(edited)" }) : null,
          !isReply && c.resolved_at ? el("span", { className: "wb-chip wb-chip-ok", text: "Resolved" }) : null,
        ]),
        el("div", { className: "wb-comment-body" + (c.deleted ? " wb-muted" : ""), html: c.body_html || "" }),
        actions.length ? el("div", { className: "wb-comment-actions" }, actions) : null,
      ]),
    ]);
  }

  function renderComments() {
    var all = Array.from(comments.values());
    var threads = all
      .filter(function (c) {
        return !c.parent;
      })
      .sort(function (a, b) {
        return (a.resolved_at ? 1 : 0) - (b.resolved_at ? 1 : 0) || (a.created_at || "").localeCompare(b.created_at || "");
      });
    var open = threads.filter(function (t) {
      return !t.resolved_at;
    }).length;
    $("wb-comments-count").textContent = threads.length ? "(" + open + " open of " + threads.length + ")" : "";
    if (!threads.length) {
      replace($("wb-threads"), [el("p", { className: "wb-empty", text: editable ? "No conversation yet: start one below." : "No conversation yet." })]);
      return;
    }
    replace(
      $("wb-threads"),
      threads.map(function (t) {
        var replies = all
          .filter(function (c) {
            return c.parent === t.id;
          })
          .sort(function (a, b) {
            return (a.created_at || "").localeCompare(b.created_at || "");
          });
        var reply = null;
        if (editable) {
          reply = el("form", { className: "wb-reply wb-form", hidden: true }, [
            el("textarea", { name: "body", rows: "2", placeholder: "Reply…", required: true }),
            el("div", { className: "wb-form-row" }, [el("span", { className: "wb-error", role: "alert" }), el("button", { type: "submit", className: "wb-btn wb-btn-small", text: "Reply" })]),
          ]);
          reply.addEventListener("submit", function (e) {
            e.preventDefault();
            postComment(reply, t.id);
          });
        }
        return el("div", { className: "wb-thread" + (t.resolved_at ? " wb-resolved" : ""), "data-thread": t.id }, [commentNode(t, false)].concat(replies.map(function (r) { return commentNode(r, true); }), [reply]));
      })
    );
  }

  function postComment(form, parent) {
    var body = form.querySelector("textarea");
    var error = form.querySelector(".wb-error");
    var text = body.value.trim();
    if (!text) return;
    var button = form.querySelector("button[type=submit]");
    button.disabled = true;
    error.textContent = "";
    var payload = { target_type: cfg.target.type, target_id: cfg.target.id, body: text };
    if (parent) payload.parent = parent;
    api("POST", cfg.api.comments, payload)
      .then(ownChange)
      .then(function (item) {
        body.value = "";
        upsertComment(item);
        if (parent && comments.get(parent)) {
          comments.get(parent).reply_count = (comments.get(parent).reply_count || 0) + 1;
        }
      })
      .catch(function (err) {
        error.textContent = message(err);
      })
      .then(function () {
        button.disabled = false;
      });
  }

  function loadComments() {
    api("GET", query(cfg.api.comments, { target_type: cfg.target.type, target_id: cfg.target.id, page_size: 200 }))
      .then(function (data) {
        results(data).forEach(function (c) {
          comments.set(c.id, c);
        });
        renderComments();
      })
      .catch(function () {
        renderComments();
      });
  }

  // --- Tasks -----------------------------------------------------------------------------------

  function upsertTask(item) {
    if (!item || !item.id) return;
    if (item.workspace && item.workspace !== WS) return;
    tasks.set(item.id, item);
    renderTasks();
  }

  function mayChangeStatus(t) {
    return editable || (t.assignee && t.assignee.id === cfg.user.id && !(state.workspace || {}).read_only);
  }

  function renderTasks() {
    var order = { open: 0, in_progress: 0, done: 1, cancelled: 2 };
    var list = Array.from(tasks.values()).sort(function (a, b) {
      return order[a.status] - order[b.status] || (a.overdue ? 0 : 1) - (b.overdue ? 0 : 1) || (a.due_date || "9999").localeCompare(b.due_date || "9999") || a.id - b.id;
    });
    var openCount = list.filter(function (t) {
      return t.status === "open" || t.status === "in_progress";
    }).length;
    $("wb-tasks-count").textContent = list.length ? "(" + openCount + " open)" : "";
    if (!list.length) {
      replace($("wb-tasks"), [el("li", { className: "wb-empty", text: "No task yet." })]);
      return;
    }
    replace(
      $("wb-tasks"),
      list.map(function (t) {
        var status;
        if (mayChangeStatus(t)) {
          status = el(
            "select",
            {
              className: "wb-task-status",
              "aria-label": "Status of " + t.title,
              onchange: function (e) {
                var select = e.currentTarget;
                select.disabled = true;
                api("POST", cfg.api.tasks + t.id + "/status/", { status: select.value })
                  .then(ownChange)
                  .then(upsertTask)
                  .catch(function (err) {
                    window.alert(message(err));
                    renderTasks();
                  });
              },
            },
            TASK_STATUSES.map(function (s) {
              return el("option", { value: s[0], text: s[1], selected: s[0] === t.status });
            })
          );
        } else {
          status = el("span", { className: "wb-chip wb-task-" + t.status, text: t.status.replace("_", " ") });
        }
        return el("li", { className: "wb-task wb-task-" + t.status + (t.overdue ? " wb-overdue" : ""), "data-task": t.id }, [
          el("div", { className: "wb-task-main" }, [
            el("span", { className: "wb-task-title", text: t.title }),
            el("small", { className: "wb-muted" }, [
              t.assignee ? t.assignee.name : "Unassigned",
              t.due_date ? " · due " + t.due_date : "",
              t.overdue ? el("strong", { className: "wb-overdue-text", text: " · overdue" }) : null,
              t.target ? " · " + t.target.name : "",
            ]),
          ]),
          status,
        ]);
      })
    );
  }

  function loadTasks() {
    api("GET", query(cfg.api.tasks, { workspace: WS, page_size: 200 }))
      .then(function (data) {
        results(data).forEach(function (t) {
          tasks.set(t.id, t);
        });
        renderTasks();
      })
      .catch(function () {
        renderTasks();
      });
  }

  // --- Notes -----------------------------------------------------------------------------------

  var notesAttached = false;

  function attachNotes() {
    var area = $("wb-notes");
    var status = $("wb-notes-status");
    if (notesAttached || !area) return;
    if (!window.PurSightCoedit || !live) {
      status.textContent = "(live co-editing is not available)";
      area.readOnly = true;
      return;
    }
    notesAttached = true;
    try {
      window.PurSightCoedit.attach(area, {
        socket: live,
        page: "workspace",
        id: WS,
        field: "notes",
        user: cfg.user,
        readOnly: !editable,
        status: status,
      });
    } catch (err) {
      status.textContent = "(live co-editing failed to start)";
      if (window.console) console.error(err);
    }
  }

  // --- Live ------------------------------------------------------------------------------------

  function applyState(data) {
    state = data;
    editable = !!(state.can && state.can.edit);
    applyPresence(state.presence);
    renderMembers();
    renderPins();
    renderScanActions();
    (state.scans || []).forEach(applyRun);
    renderScans();
    renderFindings();
    if (state.activity) results(state.activity).forEach(function (a) { addActivity(a, false); });
  }

  // Pins (sensitivity, review progress), members, findings and the list of sources change
  // with what the activity reports: ask the server for the page's state again (subscribing
  // again answers with a fresh initial state), at most every few seconds.
  var REFRESHING_KINDS = /^(classification|finding|pin|member|workspace|schema|description)\.|^scan\.(finished|failed)$/;
  var refreshTimer = null;

  function refreshSoon() {
    if (refreshTimer || !live) return;
    refreshTimer = window.setTimeout(function () {
      refreshTimer = null;
      live.send({ action: "subscribe", page: "workspace", id: WS });
    }, 1500);
  }

  function onEvent(name, data) {
    if (name === "presence") applyPresence(data);
    else if (name === "activity") {
      addActivity(data, true);
      if (data && REFRESHING_KINDS.test(data.kind || "")) refreshSoon();
    }
    else if (name === "comment" && data && data.comment) {
      var t = data.comment.target || {};
      if (t.type === cfg.target.type && String(t.id) === String(cfg.target.id)) upsertComment(data.comment);
    } else if (name === "task" && data && data.task) {
      if (data.action === "deleted") {
        tasks.delete(data.task.id);
        renderTasks();
      } else upsertTask(data.task);
    } else if (name === "scan_progress" && data) {
      applyRun(data);
      if (FINAL.indexOf(data.state) !== -1) refreshSoon();
    }
  }

  function setConnection(status) {
    var node = $("wb-conn");
    node.setAttribute("data-state", status);
    node.querySelector(".wb-conn-text").textContent = status === "live" ? "Live" : status === "offline" ? "Reconnecting…" : "Connecting…";
  }

  function start() {
    applyState(state);
    renderComments();
    renderTasks();
    renderActivity(null);
    loadComments();
    loadTasks();
    loadActivity();
    var commentForm = $("wb-comment-form");
    if (commentForm) {
      commentForm.addEventListener("submit", function (e) {
        e.preventDefault();
        postComment(commentForm, null);
      });
    }
    var taskForm = $("wb-task-form");
    if (taskForm) {
      taskForm.addEventListener("submit", function (e) {
        e.preventDefault();
        var title = $("wb-task-title");
        var error = $("wb-task-error");
        error.textContent = "";
        var payload = { workspace: WS, title: title.value.trim() };
        var assignee = $("wb-task-assignee").value;
        var due = $("wb-task-due").value;
        if (assignee) payload.assignee = Number(assignee);
        if (due) payload.due_date = due;
        api("POST", cfg.api.tasks, payload)
          .then(ownChange)
          .then(function (item) {
            title.value = "";
            upsertTask(item);
          })
          .catch(function (err) {
            error.textContent = message(err);
          });
      });
    }
    if (!window.PurSightLive) return;
    live = window.PurSightLive.connect(cfg.socket_url);
    live.on("status", setConnection);
    live.on("hello", function () {
      myState = "active";
      awake();
    });
    live.subscribe("workspace", WS, {
      state: function (data) {
        applyState(data);
        attachNotes();
      },
      event: onEvent,
      revoked: function () {
        setConnection("offline");
        $("wb-conn").querySelector(".wb-conn-text").textContent = "Access ended";
        root.classList.add("wb-revoked");
      },
      error: function (msg) {
        if (msg.error === "Not found.") root.classList.add("wb-revoked");
      },
    });
    window.setInterval(function () {
      Array.prototype.forEach.call(document.querySelectorAll("time.wb-ago"), function (node) {
        node.textContent = ago(node.getAttribute("datetime"));
      });
    }, 30000);
  }

  start();
})();
