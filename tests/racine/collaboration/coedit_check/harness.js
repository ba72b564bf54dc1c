/* An in-page stand-in for the server side of the doc.* protocol (racine/collaboration/coedit.py),
 * so that the browser binding can be checked without a server: one Y.Doc as the stored state,
 * sockets that deliver asynchronously and can go offline. */
(function () {
  "use strict";

  var PAGE = "workspace";
  var ID = 7;
  var FIELD = "notes";
  var Y = null;
  var server = { doc: null, sockets: [], updates: 0, refused: 0 };

  function b64(bytes) {
    var s = "";
    for (var i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
    return btoa(s);
  }

  function unb64(text) {
    var bin = atob(text);
    var out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }

  function FakeSocket(user, canEdit) {
    this.user = user;
    this.canEdit = canEdit;
    this.listeners = [];
    this.open = true;
    server.sockets.push(this);
  }

  FakeSocket.prototype.on = function (name, fn) {
    if (name === "message") this.listeners.push(fn);
  };

  FakeSocket.prototype.isOpen = function () {
    return this.open;
  };

  FakeSocket.prototype.send = function (message) {
    if (!this.open) return false;
    var self = this;
    var copy = JSON.parse(JSON.stringify(message));
    setTimeout(function () {
      if (self.open) handle(self, copy);
    }, 5);
    return true;
  };

  FakeSocket.prototype.deliver = function (message) {
    var self = this;
    if (!this.open) return;
    setTimeout(function () {
      if (!self.open) return;
      self.listeners.forEach(function (fn) {
        fn(message);
      });
    }, 5);
  };

  FakeSocket.prototype.disconnect = function () {
    this.open = false;
  };

  FakeSocket.prototype.reconnect = function () {
    this.open = true;
    this.deliver({ hello: { socket: this.user.name, user: this.user } });
    this.deliver({ subscribed: { page: PAGE, id: ID }, data: {} });
  };

  function event(name, data) {
    return { page: PAGE, id: ID, event: name, data: data, sent_at: Date.now() / 1000 };
  }

  function relay(from, message) {
    server.sockets.forEach(function (s) {
      if (s !== from) s.deliver(message);
    });
  }

  function handle(socket, m) {
    if (m.page !== PAGE || m.id !== ID || m.field !== FIELD) return;
    if (m.action === "doc.join") {
      var vector = m.state_vector ? unb64(m.state_vector) : undefined;
      socket.deliver(
        event("doc.sync", {
          field: FIELD,
          update: b64(Y.encodeStateAsUpdate(server.doc, vector)),
          state_vector: b64(Y.encodeStateVector(server.doc)),
          can_edit: socket.canEdit,
          read_only_reason: socket.canEdit ? null : "You may read this text but not edit it.",
          length: server.doc.getText("text").length,
          max_chars: 200,
        }),
      );
    } else if (m.action === "doc.update") {
      if (!socket.canEdit) {
        server.refused++;
        socket.deliver({ error: "You may read this text but not edit it.", page: PAGE, id: ID,
                         field: FIELD, action: m.action, reset: true });
        return;
      }
      Y.applyUpdate(server.doc, unb64(m.update));
      server.updates++;
      relay(socket, event("doc.update", { field: FIELD, update: m.update, user: socket.user }));
    } else if (m.action === "doc.awareness" || m.action === "doc.leave") {
      relay(socket, event("doc.awareness", {
        field: FIELD,
        client: socket.user.name,
        can_edit: socket.canEdit,
        user: { id: socket.user.id, name: socket.user.name, colour: socket.user.colour },
        cursor: m.action === "doc.leave" ? null : m.cursor,
        line: m.action === "doc.leave" ? null : m.line,
        left: m.action === "doc.leave",
      }));
    }
  }

  var people = {
    alice: { id: 1, name: "Alice", colour: "#2563eb", canEdit: true },
    bob: { id: 2, name: "Bob", colour: "#db2777", canEdit: true },
    carol: { id: 3, name: "Carol", colour: "#16a34a", canEdit: false },
  };
  var late = { dana: { id: 4, name: "Dana", colour: "#ea580c", canEdit: true } };

  function attachOne(key, p) {
    sockets[key] = new FakeSocket({ id: p.id, name: p.name, colour: p.colour }, p.canEdit);
    handles[key] = window.PurSightCoedit.attach(document.getElementById(key), {
      socket: sockets[key],
      page: PAGE,
      id: ID,
      field: FIELD,
      user: { id: p.id, name: p.name },
      status: document.getElementById(key + "-status"),
    });
  }
  var sockets = {};
  var handles = {};

  window.PurSightCoedit.load().then(function (loaded) {
    Y = loaded;
    server.doc = new Y.Doc();
    server.doc.getText("text").insert(0, "Hello team.");
    Object.keys(people).forEach(function (key) {
      attachOne(key, people[key]);
    });
    window.harness.ready = true;
  });

  window.harness = {
    ready: false,
    server: server,
    sockets: sockets,
    handles: handles,
    attachLate: function (key) {
      attachOne(key, late[key]);
    },
    serverText: function () {
      return server.doc.getText("text").toString();
    },
  };
})();
