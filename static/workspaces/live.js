/* PurSight live socket: one WebSocket to /ws/live/, typed page subscriptions, reconnection.
 *
 *   const live = PurSightLive.connect("/ws/live/");
 *   live.subscribe("workspace", 3, {state(data) {...}, event(name, data, message) {...},
 *                                  error(message) {...}, revoked(message) {...}});
 *   live.send({action: "presence", page: "workspace", id: 3, state: "idle"});
 *   live.socketId  // send as X-PurSight-Socket with fetch() so that our changes are not echoed
 *   live.on("status", fn)  // "connecting" | "live" | "offline"
 *   live.on("message", fn) // every message (co-editing listens here)
 *   live.on("hello", fn)   // after each (re)connection, once subscriptions are sent again
 *
 * After a reconnection every page is subscribed again and its state() is called with a fresh
 * initial state, so that what was missed while offline is caught up.
 */
(function () {
  "use strict";

  function LiveSocket(path) {
    this.path = path || "/ws/live/";
    this.socketId = null;
    this.user = null;
    this.status = "connecting";
    this.pages = new Map(); // "kind:id" -> {kind, id, handlers}
    this.listeners = { status: [], message: [], hello: [] };
    this.retry = 0;
    this.ws = null;
    this.open();
  }

  LiveSocket.prototype.url = function () {
    var scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
    return scheme + "//" + window.location.host + this.path;
  };

  LiveSocket.prototype.on = function (name, fn) {
    (this.listeners[name] = this.listeners[name] || []).push(fn);
    return this;
  };

  LiveSocket.prototype.emit = function (name) {
    var args = Array.prototype.slice.call(arguments, 1);
    (this.listeners[name] || []).forEach(function (fn) {
      try {
        fn.apply(null, args);
      } catch (err) {
        if (window.console) console.error(err);
      }
    });
  };

  LiveSocket.prototype.setStatus = function (status) {
    if (this.status !== status) {
      this.status = status;
      this.emit("status", status);
    }
  };

  LiveSocket.prototype.open = function () {
    var self = this;
    this.setStatus("connecting");
    var ws = new WebSocket(this.url());
    this.ws = ws;
    ws.onmessage = function (e) {
      var message;
      try {
        message = JSON.parse(e.data);
      } catch (err) {
        return;
      }
      self.dispatch(message);
    };
    ws.onclose = function (e) {
      if (self.ws !== ws) return;
      self.socketId = null;
      self.setStatus("offline");
      if (e.code === 4401) return; // signed out: reloading would show the login page
      var delay = Math.min(15000, 500 * Math.pow(2, self.retry++)) + Math.random() * 300;
      window.setTimeout(function () {
        self.open();
      }, delay);
    };
  };

  LiveSocket.prototype.dispatch = function (message) {
    var self = this;
    if (message.hello) {
      this.socketId = message.hello.socket;
      this.user = message.hello.user;
      this.retry = 0;
      this.pages.forEach(function (page) {
        self.send({ action: "subscribe", page: page.kind, id: page.id });
      });
      this.setStatus("live");
      this.emit("hello", message.hello);
    }
    this.emit("message", message);
    var key;
    if (message.subscribed) {
      key = message.subscribed.page + ":" + message.subscribed.id;
      this.call(key, "state", [message.data]);
    } else if (message.revoked) {
      key = message.revoked.page + ":" + message.revoked.id;
      this.call(key, "revoked", [message]);
      this.pages.delete(key);
    } else if (message.event) {
      this.call(message.page + ":" + message.id, "event", [message.event, message.data, message]);
    } else if (message.error && message.page !== undefined) {
      this.call(message.page + ":" + message.id, "error", [message]);
    }
  };

  LiveSocket.prototype.call = function (key, name, args) {
    var page = this.pages.get(key);
    if (page && typeof page.handlers[name] === "function") {
      try {
        page.handlers[name].apply(null, args);
      } catch (err) {
        if (window.console) console.error(err);
      }
    }
  };

  LiveSocket.prototype.subscribe = function (kind, id, handlers) {
    this.pages.set(kind + ":" + id, { kind: kind, id: id, handlers: handlers || {} });
    if (this.socketId) this.send({ action: "subscribe", page: kind, id: id });
  };

  LiveSocket.prototype.unsubscribe = function (kind, id) {
    this.pages.delete(kind + ":" + id);
    this.send({ action: "unsubscribe", page: kind, id: id });
  };

  LiveSocket.prototype.send = function (message) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(message));
    return true;
  };

  LiveSocket.prototype.isOpen = function () {
    return !!(this.ws && this.ws.readyState === WebSocket.OPEN && this.socketId);
  };

  window.PurSightLive = {
    connect: function (path) {
      return new LiveSocket(path);
    },
  };
})();
