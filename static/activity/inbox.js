/* The unread badge in the admin header (racine.activity), kept up to date live.
 *
 * Opens /ws/live/, waits for the server's hello, subscribes to the signed-in user's own
 * "inbox" page and shows the unread count it answers with; every "notification" event then
 * carries the new count. Reconnects with a growing delay when the connection drops (not when
 * the server refuses the user). A file, not an inline script: the Content Security Policy.
 */
(function () {
  "use strict";

  var badge = document.getElementById("pursight-inbox-badge");
  if (!badge || !("WebSocket" in window)) {
    return;
  }
  var userId = parseInt(badge.getAttribute("data-user"), 10);
  var path = badge.getAttribute("data-socket-path") || "/ws/live/";
  var count = badge.querySelector("[data-inbox-count]");
  var delay = 1000;
  var maxDelay = 30000;
  var socket = null;

  function show(unread) {
    var n = Math.max(0, parseInt(unread, 10) || 0);
    badge.setAttribute("data-unread", String(n));
    badge.setAttribute("title", n ? "My notifications (" + n + " unread)" : "My notifications");
    badge.setAttribute("aria-label", badge.getAttribute("title"));
    if (count) {
      count.textContent = n > 99 ? "99+" : String(n);
      count.hidden = n === 0;
    }
    var onPage = document.getElementById("inbox-unread");
    if (onPage) {
      onPage.textContent = n + " unread";
    }
  }

  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + window.location.host + path);
    socket.addEventListener("message", function (message) {
      var msg;
      try {
        msg = JSON.parse(message.data);
      } catch (e) {
        return;
      }
      if (!msg || typeof msg !== "object") {
        return;
      }
      if (msg.hello) {
        delay = 1000;
        socket.send(JSON.stringify({ action: "subscribe", page: "inbox", id: userId }));
        return;
      }
      if (msg.subscribed && msg.subscribed.page === "inbox" && msg.data) {
        show(msg.data.unread);
        badge.setAttribute("data-live", "on");
        return;
      }
      if (msg.page === "inbox" && msg.event === "notification" && msg.data) {
        show(msg.data.unread);
        if (msg.data.notification) {
          badge.dispatchEvent(
            new CustomEvent("pursight:notification", {
              bubbles: true,
              detail: msg.data.notification,
            })
          );
        }
      }
    });
    socket.addEventListener("close", function (event) {
      badge.setAttribute("data-live", "off");
      if (event.code === 4401 || event.code === 4403) {
        return; // signed out or refused: reconnecting would not help
      }
      window.setTimeout(connect, delay);
      delay = Math.min(maxDelay, delay * 2);
    });
  }

  connect();
})();
