/* Live progress of a workflow run's admin page (template: orchestration/workflowrun_live.html).
 *
 * The page renders the run's status; this script draws the timeline of its steps, subscribes
 * to the run on the live socket (/ws/live/, page "workflowrun") and, on each "progress" event,
 * recolours the DAG's nodes, redraws the timeline and the progress bar. Protocol: the server
 * greets with {"hello": ...}; the client sends {"action": "subscribe", "page": "workflowrun",
 * "id": N}; the server answers {"subscribed": ..., "data": status}, then sends {"page", "id",
 * "event": "progress", "data"} events. A lost connection is retried with a growing delay until
 * the run has finished; while steps run, the timeline's clock ticks every second.
 */
(function () {
  "use strict";

  var dataNode = document.getElementById("workflowrun-live-data");
  var panel = document.getElementById("workflowrun-live");
  if (!dataNode || !panel) {
    return;
  }
  var config = JSON.parse(dataNode.textContent);
  var FINAL = ["succeeded", "failed", "cancelled"];
  var STEP_FINAL = ["succeeded", "failed", "skipped", "cancelled"];
  var status = config.status;
  var socket = null;
  var retryDelay = 1000;
  var finishedHere = false;
  var clockSkew = status.now ? Date.now() - Date.parse(status.now) : 0;
  var ticker = null;

  function part(name) {
    return panel.querySelector('[data-live="' + name + '"]');
  }

  function isFinal(state) {
    return FINAL.indexOf(state) !== -1;
  }

  function seconds(ms) {
    var s = ms / 1000;
    if (s < 60) {
      return s.toFixed(s < 10 ? 1 : 0) + " s";
    }
    var m = Math.floor(s / 60);
    return m + " min " + Math.round(s - m * 60) + " s";
  }

  function serverNow() {
    return Date.now() - clockSkew;
  }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) {
      node.className = cls;
    }
    if (text !== undefined) {
      node.textContent = text;
    }
    return node;
  }

  function drawTimeline(s) {
    var box = part("timeline");
    box.textContent = "";
    var start = Date.parse(s.started_at || s.created_at);
    var end = s.finished_at ? Date.parse(s.finished_at) : serverNow();
    s.steps.forEach(function (step) {
      if (step.finished_at) {
        end = Math.max(end, Date.parse(step.finished_at));
      }
    });
    var span = Math.max(end - start, 1000);
    s.steps.forEach(function (step) {
      var label = el("div", "wf-label", step.key);
      label.title = step.key + " (" + step.type + ")";
      var track = el("div", "wf-track");
      var time = el("div", "wf-time");
      var stateLabel = config.labels[step.state] || step.state;
      if (step.started_at) {
        var a = Date.parse(step.started_at);
        var b = step.finished_at ? Date.parse(step.finished_at) : serverNow();
        var bar = el("div", "wf-bar");
        bar.dataset.state = step.state;
        bar.style.left = (100 * (a - start)) / span + "%";
        bar.style.width = Math.max((100 * (b - a)) / span, 0.5) + "%";
        bar.title = step.key + ": " + stateLabel + ", " + seconds(b - a) +
          (step.attempts > 1 ? " (attempt " + step.attempts + ")" : "") +
          (step.error ? " — " + step.error : "");
        track.appendChild(bar);
        time.textContent = stateLabel + " · " + seconds(b - a) +
          (step.attempts > 1 ? " · try " + step.attempts : "");
      } else {
        time.textContent = stateLabel + (step.not_before ? " · retry soon" : "");
      }
      box.appendChild(label);
      box.appendChild(track);
      box.appendChild(time);
    });
    var axis = el("div", "wf-axis");
    axis.appendChild(el("span", "", "0 s"));
    axis.appendChild(el("span", "", seconds(span)));
    box.appendChild(el("div"));
    box.appendChild(axis);
  }

  function render(s) {
    status = s;
    var done = s.steps.filter(function (step) {
      return STEP_FINAL.indexOf(step.state) !== -1;
    }).length;
    var pct = s.steps.length ? Math.round((100 * done) / s.steps.length) : 100;
    panel.dataset.state = s.state;
    part("state").textContent = config.run_labels[s.state] || s.state;
    part("count").textContent = "(" + done + " of " + s.steps.length + " steps finished)";
    part("fill").style.width = pct + "%";
    part("bar").setAttribute("aria-valuenow", String(pct));
    var error = part("error");
    error.textContent = s.error || "";
    error.classList.toggle("hidden", !s.error);
    s.steps.forEach(function (step) {
      var node = panel.querySelector('.wf-node[data-step="' + CSS.escape(step.key) + '"]');
      if (node) {
        node.dataset.state = step.state;
        var sub = node.querySelectorAll("text")[1];
        var title = node.querySelector("title");
        if (sub && title) {
          var base = title.textContent.split(" (")[0];
          title.textContent = base + " (" + step.state + ")";
          sub.textContent = sub.textContent.split(" · ")[0] + " · " + step.state;
        }
      }
    });
    drawTimeline(s);
    var running = s.steps.some(function (step) {
      return step.state === "running" || step.state === "waiting";
    });
    if (running && !ticker) {
      ticker = window.setInterval(function () {
        drawTimeline(status);
      }, 1000);
    } else if (!running && ticker) {
      window.clearInterval(ticker);
      ticker = null;
    }
    if (isFinal(s.state)) {
      part("connection").textContent = "Finished";
      if (finishedHere) {
        part("reload").classList.remove("hidden");
      }
    }
  }

  function update(s) {
    if (s.now) {
      clockSkew = Date.now() - Date.parse(s.now);
    }
    if (!isFinal(status.state) && isFinal(s.state)) {
      finishedHere = true;
    }
    render(s);
    if (isFinal(s.state) && socket) {
      socket.onclose = null;
      socket.close();
    }
  }

  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + window.location.host + config.socket);
    socket.onmessage = function (event) {
      var message;
      try {
        message = JSON.parse(event.data);
      } catch (e) {
        return;
      }
      if (message.hello) {
        socket.send(JSON.stringify({ action: "subscribe", page: "workflowrun", id: config.id }));
        return;
      }
      if (message.subscribed) {
        retryDelay = 1000;
        part("connection").textContent = "Live updates: on";
        update(message.data);
        return;
      }
      if (message.page === "workflowrun" && message.id === config.id && message.event === "progress") {
        update(message.data);
        return;
      }
      if (message.revoked || (message.error && message.page === "workflowrun")) {
        part("connection").textContent = "Live updates: off (" + message.error + ")";
        socket.onclose = null;
        socket.close();
      }
    };
    socket.onclose = function () {
      if (isFinal(status.state)) {
        return;
      }
      part("connection").textContent = "Live updates: reconnecting…";
      window.setTimeout(connect, retryDelay);
      retryDelay = Math.min(retryDelay * 2, 30000);
    };
  }

  render(status);
  if (!isFinal(status.state)) {
    connect();
  }
})();
