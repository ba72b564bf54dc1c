/* Live progress of a workflow run's admin page (template: orchestration/workflowrun_live.html).
 *
 * The page renders the run's status; static/pursight/live_run.js (loaded before this script)
 * subscribes to the run on the live socket (/ws/live/, page "workflowrun"), reconnects, and
 * draws the state, the progress bar (steps finished) and the error; on each status this script
 * recolours the DAG's nodes and redraws the timeline of the steps. While steps run, the
 * timeline's clock ticks every second.
 */
(function () {
  "use strict";

  var STEP_FINAL = ["succeeded", "failed", "skipped", "cancelled"];
  var clockSkew = 0;
  var ticker = null;

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

  function stepsDone(s) {
    return s.steps.filter(function (step) {
      return STEP_FINAL.indexOf(step.state) !== -1;
    }).length;
  }

  function drawTimeline(s, run) {
    var box = run.part("timeline");
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
      var stateLabel = run.config.labels[step.state] || step.state;
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

  function render(s, run) {
    run.part("count").textContent = "(" + stepsDone(s) + " of " + s.steps.length + " steps finished)";
    s.steps.forEach(function (step) {
      var node = run.panel.querySelector('.wf-node[data-step="' + CSS.escape(step.key) + '"]');
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
    drawTimeline(s, run);
    var running = s.steps.some(function (step) {
      return step.state === "running" || step.state === "waiting";
    });
    if (running && !ticker) {
      ticker = window.setInterval(function () {
        drawTimeline(run.status, run);
      }, 1000);
    } else if (!running && ticker) {
      window.clearInterval(ticker);
      ticker = null;
    }
  }

  window.PurSightLiveRun.start({
    page: "workflowrun",
    labels: "run_labels",
    percent: function (s) {
      return s.steps.length ? Math.round((100 * stepsDone(s)) / s.steps.length) : 100;
    },
    received: function (s) {
      if (s.now) {
        clockSkew = Date.now() - Date.parse(s.now);
      }
    },
    render: render,
  });
})();
