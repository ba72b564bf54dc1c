/* Live progress of a scan run's admin page (templates: scans/scanrun_live.html).
 *
 * The page renders the run's status; this script subscribes to the run on the live socket
 * (/ws/live/, page "scanrun") and updates the progress bar, the counters and the state as the
 * run reports progress, without reloading. Protocol: the server greets with {"hello": ...};
 * the client sends {"action": "subscribe", "page": "scanrun", "id": N}; the server answers
 * {"subscribed": ..., "data": status}, then sends {"page", "id", "event": "progress", "data"}
 * events. A lost connection is retried with a growing delay until the run has finished.
 */
(function () {
  "use strict";

  var dataNode = document.getElementById("scanrun-live-data");
  var panel = document.getElementById("scanrun-live");
  if (!dataNode || !panel) {
    return;
  }
  var config = JSON.parse(dataNode.textContent);
  var FINAL = ["succeeded", "failed", "cancelled"];
  var status = config.status;
  var socket = null;
  var retryDelay = 1000;
  var finishedHere = false;

  function part(name) {
    return panel.querySelector('[data-live="' + name + '"]');
  }

  function isFinal(state) {
    return FINAL.indexOf(state) !== -1;
  }

  function plural(n, word) {
    return n + " " + word + (n === 1 ? "" : "s");
  }

  function summary(s) {
    var done = s.tables_done || 0;
    var total = s.tables_total || 0;
    var pct = s.progress === null || s.progress === undefined ? null : Math.round(s.progress * 100);
    if (s.state === "queued") {
      return config.worker
        ? "Queued: waiting for a worker to start it."
        : "Queued: starting…";
    }
    if (s.state === "running") {
      if (!total) {
        return "Listing schemas and tables…";
      }
      return done + " of " + plural(total, "table") + " scanned (" + pct + "%).";
    }
    if (s.state === "succeeded") {
      return "Finished: " + plural(total || done, "table") + " scanned.";
    }
    var verb = s.state === "cancelled" ? "Cancelled" : "Failed";
    return total ? verb + " after " + done + " of " + plural(total, "table") + "." : verb + ".";
  }

  function setConnection(text) {
    part("connection").textContent = text;
  }

  function render(s) {
    status = s;
    var pct = s.progress === null || s.progress === undefined ? 0 : Math.round(s.progress * 100);
    panel.dataset.state = s.state;
    part("state").textContent = config.labels[s.state] || s.state;
    part("fill").style.width = pct + "%";
    part("bar").setAttribute("aria-valuenow", String(pct));
    part("summary").textContent = summary(s);
    panel.querySelectorAll("[data-counter]").forEach(function (cell) {
      var value = s[cell.dataset.counter];
      if (value !== undefined && value !== null) {
        cell.textContent = String(value);
      }
    });
    var error = part("error");
    error.textContent = s.error || "";
    error.classList.toggle("hidden", !s.error);
    if (isFinal(s.state)) {
      setConnection("Finished");
      if (finishedHere) {
        part("reload").classList.remove("hidden");
      }
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
        socket.send(JSON.stringify({ action: "subscribe", page: "scanrun", id: config.id }));
        return;
      }
      if (message.subscribed) {
        retryDelay = 1000;
        setConnection("Live updates: on");
        update(message.data);
        return;
      }
      if (message.page === "scanrun" && message.id === config.id && message.event === "progress") {
        update(message.data);
        return;
      }
      if (message.revoked || (message.error && message.page === "scanrun")) {
        setConnection("Live updates: off (" + message.error + ")");
        socket.onclose = null;
        socket.close();
      }
    };
    socket.onclose = function () {
      if (isFinal(status.state)) {
        return;
      }
      setConnection("Live updates: reconnecting…");
      window.setTimeout(connect, retryDelay);
      retryDelay = Math.min(retryDelay * 2, 30000);
    };
  }

  function update(s) {
    if (!isFinal(status.state) && isFinal(s.state)) {
      finishedHere = true;
    }
    render(s);
    if (isFinal(s.state) && socket) {
      socket.onclose = null;
      socket.close();
    }
  }

  render(status);
  if (!isFinal(status.state)) {
    connect();
  }
})();
