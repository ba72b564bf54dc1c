/* Live progress of a scan run's admin page (templates: scans/scanrun_live.html).
 *
 * The page renders the run's status; static/pursight/live_run.js (loaded before this script)
 * subscribes to the run on the live socket (/ws/live/, page "scanrun"), reconnects, and draws
 * the state and the progress bar; this script adds what is a scan's: the summary sentence and
 * the counters, updated as the run reports progress, without reloading.
 */
(function () {
  "use strict";

  function plural(n, word) {
    return n + " " + word + (n === 1 ? "" : "s");
  }

  function percent(s) {
    return s.progress === null || s.progress === undefined ? null : Math.round(s.progress * 100);
  }

  function summary(s, worker) {
    var done = s.tables_done || 0;
    var total = s.tables_total || 0;
    if (s.state === "queued") {
      return worker ? "Queued: waiting for a worker to start it." : "Queued: starting…";
    }
    if (s.state === "running") {
      if (!total) {
        return "Listing schemas and tables…";
      }
      return done + " of " + plural(total, "table") + " scanned (" + percent(s) + "%).";
    }
    if (s.state === "succeeded") {
      return "Finished: " + plural(total || done, "table") + " scanned.";
    }
    var verb = s.state === "cancelled" ? "Cancelled" : "Failed";
    return total ? verb + " after " + done + " of " + plural(total, "table") + "." : verb + ".";
  }

  window.PurSightLiveRun.start({
    page: "scanrun",
    labels: "labels",
    percent: function (s) {
      var pct = percent(s);
      return pct === null ? 0 : pct;
    },
    render: function (s, run) {
      run.part("summary").textContent = summary(s, run.config.worker);
      run.panel.querySelectorAll("[data-counter]").forEach(function (cell) {
        var value = s[cell.dataset.counter];
        if (value !== undefined && value !== null) {
          cell.textContent = String(value);
        }
      });
    },
  });
})();
