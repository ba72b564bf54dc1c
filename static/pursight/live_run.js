/* PurSight live run page: the part shared by the pages that follow one run from /ws/live/
 * (scans/scanrun_live.js, orchestration/workflowrun_live.js). Loaded before the page's own
 * script (both "defer").
 *
 *   PurSightLiveRun.start({
 *     page: "scanrun",             // the subscription's page; ids "scanrun-live-data" (the
 *                                  // json_script block) and "scanrun-live" (the panel)
 *     labels: "labels",            // the config key of the run states' labels
 *     percent: function (s) {...}, // the progress bar's 0..100
 *     received: function (s) {...},// optional: each status, before it is drawn (first included)
 *     render: function (s, run) {...} // what only this page draws
 *   });
 *
 * The page renders the run's status; this draws it again (state label, progress bar, error,
 * then the page's own parts), subscribes to the run on the live socket and draws every status
 * it is sent. Protocol: the server greets with {"hello": ...}; the client sends
 * {"action": "subscribe", "page": PAGE, "id": N}; the server answers {"subscribed": ...,
 * "data": status}, then sends {"page", "id", "event": "progress", "data"} events. A lost
 * connection is retried with a growing delay (1 s, doubled up to 30 s) until the run has
 * finished; when it finishes while the page is open, the "reload" hint is shown.
 *
 * `run` (returned, and passed to render): run.config, run.panel, run.status (the last drawn),
 * run.part(name) (the panel's [data-live=name] node), run.isFinal(state).
 */
(function () {
  "use strict";

  var FINAL = ["succeeded", "failed", "cancelled"];
  var FIRST_DELAY = 1000;
  var LONGEST_DELAY = 30000;

  function isFinal(state) {
    return FINAL.indexOf(state) !== -1;
  }

  function start(options) {
    var page = options.page;
    var dataNode = document.getElementById(page + "-live-data");
    var panel = document.getElementById(page + "-live");
    if (!dataNode || !panel) {
      return null;
    }
    var config = JSON.parse(dataNode.textContent);
    var labels = config[options.labels || "labels"] || {};
    var socket = null;
    var retryDelay = FIRST_DELAY;
    var finishedHere = false;
    var run = {
      config: config,
      panel: panel,
      status: config.status,
      isFinal: isFinal,
      part: function (name) {
        return panel.querySelector('[data-live="' + name + '"]');
      },
    };

    function setConnection(text) {
      run.part("connection").textContent = text;
    }

    function render(s) {
      run.status = s;
      var pct = options.percent(s);
      panel.dataset.state = s.state;
      run.part("state").textContent = labels[s.state] || s.state;
      run.part("fill").style.width = pct + "%";
      run.part("bar").setAttribute("aria-valuenow", String(pct));
      var error = run.part("error");
      error.textContent = s.error || "";
      error.classList.toggle("hidden", !s.error);
      options.render(s, run);
      if (isFinal(s.state)) {
        setConnection("Finished");
        if (finishedHere) {
          run.part("reload").classList.remove("hidden");
        }
      }
    }

    function stop() {
      socket.onclose = null;
      socket.close();
    }

    function update(s) {
      if (options.received) {
        options.received(s);
      }
      if (!isFinal(run.status.state) && isFinal(s.state)) {
        finishedHere = true;
      }
      render(s);
      if (isFinal(s.state) && socket) {
        stop();
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
          socket.send(JSON.stringify({ action: "subscribe", page: page, id: config.id }));
          return;
        }
        if (message.subscribed) {
          retryDelay = FIRST_DELAY;
          setConnection("Live updates: on");
          update(message.data);
          return;
        }
        if (message.page === page && message.id === config.id && message.event === "progress") {
          update(message.data);
          return;
        }
        if (message.revoked || (message.error && message.page === page)) {
          setConnection("Live updates: off (" + message.error + ")");
          stop();
        }
      };
      socket.onclose = function () {
        if (isFinal(run.status.state)) {
          return;
        }
        setConnection("Live updates: reconnecting…");
        window.setTimeout(connect, retryDelay);
        retryDelay = Math.min(retryDelay * 2, LONGEST_DELAY);
      };
    }

    if (options.received) {
      options.received(run.status);
    }
    render(run.status);
    if (!isFinal(run.status.state)) {
      connect();
    }
    return run;
  }

  window.PurSightLiveRun = { start: start, isFinal: isFinal };
})();
