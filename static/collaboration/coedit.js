/* PurSight co-editing: a <textarea> bound to a shared Yjs document over the live socket.
 *
 * Usage (the workspace board's notes; an asset page's description works the same way):
 *
 *   <script src="{% static 'workspaces/live.js' %}" defer></script>
 *   <script src="{% static 'collaboration/coedit.js' %}" defer></script>
 *   (coedit.js loads the vendored Yjs bundle, static/vendor/yjs/yjs-13.6.33.min.js, itself
 *    unless window.Y is already there; include it first to save a round trip.)
 *
 *   var live = PurSightLive.connect("/ws/live/");
 *   live.subscribe("workspace", 3, {...});
 *   var notes = PurSightCoedit.attach(document.getElementById("wb-notes"), {
 *     socket: live,            // a PurSightLive socket (send(obj), on("message", fn),
 *                              // isOpen()), or a plain WebSocket to /ws/live/
 *     page: "workspace", id: 3, field: "notes",
 *     user: live.user,         // optional {id, name}: yourself, left out of the editors list
 *     readOnly: false,         // optional: keep the textarea read-only whatever the rights
 *     status: document.getElementById("wb-notes-status"),  // optional: state and errors
 *     onStatus: function (state, text) {},  // optional; state: "connecting" | "live" |
 *                                           // "offline" | "read-only" | "error"
 *   });
 *   notes.detach();            // leave: the server saves the text now (also on page hide)
 *
 * The page must be subscribed on the socket (the consumer refuses doc.* actions otherwise):
 * attach() joins as soon as it can and again after every (re)subscription, sending its state
 * vector so that the server answers with what this copy lacks; this copy then sends what the
 * server lacks (edits typed while offline), and both sides merge. Local typing is diffed into
 * Y.Text insertions and deletions and sent in small batches; remote changes are applied to
 * the textarea keeping the caret. Other people's carets (awareness: names and colours given
 * by the server) are drawn over the textarea and listed below it ("Edna is editing (line 3)").
 * A viewer (no edit right) sees the text change live; the textarea stays read-only.
 */
(function () {
  "use strict";

  var YJS = "../vendor/yjs/yjs-13.6.33.min.js";
  // The consumer allows 20 messages a second per socket (bursts of 60): typing sends at most
  // 10 updates and 4 cursor positions a second.
  var SEND_DELAY = 100; // ms: keystrokes within this time go out as one update
  var AWARENESS_DELAY = 250; // ms between two cursor messages at most
  var RESYNC_DELAY = 1000; // ms to wait before joining again after a refused (rate) message
  var HEARTBEAT = 10000; // ms: our cursor is re-sent this often (others expire it after...)
  var EXPIRE = 30000; // ms without news from someone: their cursor disappears
  var LOCAL = { local: true }; // origin of our own transactions
  var REMOTE = { remote: true }; // origin of what the server sends

  var script = document.currentScript;
  var yjsUrl = script && script.src ? new URL(YJS, script.src).href : null;
  var loading = null;

  function loadYjs() {
    if (window.Y && window.Y.Doc) return Promise.resolve(window.Y);
    if (!loading) {
      loading = new Promise(function (resolve, reject) {
        if (!yjsUrl) {
          reject(new Error("Yjs is not loaded and its URL is unknown"));
          return;
        }
        var tag = document.createElement("script");
        tag.src = yjsUrl;
        tag.onload = function () {
          if (window.Y && window.Y.Doc) resolve(window.Y);
          else reject(new Error("Yjs did not load"));
        };
        tag.onerror = function () {
          reject(new Error("Yjs could not be loaded from " + yjsUrl));
        };
        document.head.appendChild(tag);
      });
    }
    return loading;
  }

  // --- helpers -------------------------------------------------------------------------------

  function toBase64(bytes) {
    var chunks = [];
    for (var i = 0; i < bytes.length; i += 0x8000) {
      chunks.push(String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000)));
    }
    return window.btoa(chunks.join(""));
  }

  function fromBase64(text) {
    var binary = window.atob(text);
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  }

  function isHighSurrogate(code) {
    return code >= 0xd800 && code <= 0xdbff;
  }

  function isLowSurrogate(code) {
    return code >= 0xdc00 && code <= 0xdfff;
  }

  /* The one change that turns ``before`` into ``after``: {index, remove, insert}, in UTF-16
   * code units (Y.Text's unit), never splitting a surrogate pair. */
  function diff(before, after) {
    var limit = Math.min(before.length, after.length);
    var start = 0;
    while (start < limit && before.charCodeAt(start) === after.charCodeAt(start)) start++;
    if (start > 0 && isHighSurrogate(before.charCodeAt(start - 1))) start--;
    var tail = 0;
    while (
      tail < limit - start &&
      before.charCodeAt(before.length - 1 - tail) === after.charCodeAt(after.length - 1 - tail)
    ) {
      tail++;
    }
    if (tail > 0 && isLowSurrogate(before.charCodeAt(before.length - tail))) tail--;
    return {
      index: start,
      remove: before.length - start - tail,
      insert: after.slice(start, after.length - tail),
    };
  }

  /* Where a position moves when the text changes by ``delta`` (Yjs delta: retain, insert,
   * delete). A remote insertion exactly at the caret stays after the caret. */
  function transform(position, delta) {
    var index = 0;
    var result = position;
    for (var i = 0; i < delta.length; i++) {
      var op = delta[i];
      if (op.retain) {
        index += op.retain;
      } else if (op.insert) {
        var n = typeof op.insert === "string" ? op.insert.length : 1;
        if (index < position) result += n;
        index += n;
      } else if (op.delete) {
        if (index < position) result -= Math.min(op.delete, position - index);
      }
      if (index >= position && !op.delete) break;
    }
    return Math.max(0, result);
  }

  function lineOf(text, index) {
    var line = 1;
    for (var i = 0; i < index && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
    return line;
  }

  function adapt(socket) {
    if (typeof WebSocket !== "undefined" && socket instanceof WebSocket) {
      return {
        send: function (message) {
          if (socket.readyState !== WebSocket.OPEN) return false;
          socket.send(JSON.stringify(message));
          return true;
        },
        listen: function (fn) {
          var handler = function (e) {
            var message;
            try {
              message = JSON.parse(e.data);
            } catch (err) {
              return;
            }
            fn(message);
          };
          socket.addEventListener("message", handler);
          return function () {
            socket.removeEventListener("message", handler);
          };
        },
        isOpen: function () {
          return socket.readyState === WebSocket.OPEN;
        },
      };
    }
    return {
      send: function (message) {
        return socket.send(message) !== false;
      },
      listen: function (fn) {
        socket.on("message", fn);
        return function () {
          if (typeof socket.off === "function") socket.off("message", fn);
        };
      },
      isOpen: function () {
        return typeof socket.isOpen === "function" ? socket.isOpen() : true;
      },
    };
  }

  function css(element, styles) {
    for (var key in styles) element.style[key] = styles[key];
    return element;
  }

  // --- one bound textarea --------------------------------------------------------------------

  function Session(Y, textarea, options, initial) {
    this.Y = Y;
    this.textarea = textarea;
    this.page = options.page;
    this.id = options.id;
    this.field = options.field;
    this.user = options.user || null;
    this.statusElement = options.status || null;
    this.onStatus = typeof options.onStatus === "function" ? options.onStatus : null;
    this.socket = adapt(options.socket);
    // Never editable here: read-only as rendered, or by the caller's choice.
    this.wasReadOnly = initial.readOnly || !!options.readOnly;
    this.base = textarea.defaultValue; // the text the page rendered (the stored value)
    this.canEdit = false;
    this.joined = false; // the server answered our doc.join on this connection
    this.synced = false; // this copy holds the server's document (once synced, kept)
    this.maxChars = Infinity;
    this.pending = [];
    this.sendTimer = null;
    this.lastSentSize = null;
    this.awarenessTimer = null;
    this.resyncTimer = null;
    this.lastAwareness = 0;
    this.remote = new Map(); // client -> {user, cursor, line, seen}
    this.detached = false;
    textarea.readOnly = true; // until the server's text is in
    this.newDocument();
    this.buildOverlay();
    this.bind();
    this.setStatus("connecting", "Connecting…");
    this.join();
  }

  Session.prototype.newDocument = function () {
    var self = this;
    if (this.doc) this.doc.destroy();
    this.doc = new this.Y.Doc();
    this.text = this.doc.getText("text");
    this.doc.on("update", function (update, origin) {
      if (origin !== REMOTE) self.queue(update);
    });
    this.text.observe(function (event, transaction) {
      if (transaction.origin !== LOCAL) self.applyRemote(event);
    });
  };

  Session.prototype.bind = function () {
    var self = this;
    var ta = this.textarea;
    this.listeners = [];
    function on(target, name, fn) {
      target.addEventListener(name, fn);
      self.listeners.push([target, name, fn]);
    }
    on(ta, "input", function () {
      self.onInput();
    });
    ["select", "keyup", "mouseup", "focus", "blur"].forEach(function (name) {
      on(ta, name, function () {
        self.scheduleAwareness();
      });
    });
    on(document, "selectionchange", function () {
      if (document.activeElement === ta) self.scheduleAwareness();
    });
    on(ta, "scroll", function () {
      self.render();
    });
    on(window, "resize", function () {
      self.render();
    });
    on(window, "pagehide", function () {
      self.leave();
    });
    this.unlisten = this.socket.listen(function (message) {
      if (!self.detached) self.onMessage(message);
    });
    this.heartbeat = window.setInterval(function () {
      self.expire();
      if (self.joined) self.sendAwareness();
    }, HEARTBEAT);
  };

  Session.prototype.setStatus = function (state, text) {
    this.state = state;
    if (this.statusElement) this.statusElement.textContent = text || "";
    if (this.onStatus) {
      try {
        this.onStatus(state, text || "");
      } catch (err) {
        if (window.console) console.error(err);
      }
    }
  };

  Session.prototype.send = function (message) {
    message.page = this.page;
    message.id = this.id;
    message.field = this.field;
    if (message.update) this.lastSentSize = JSON.stringify(message).length;
    return this.socket.isOpen() && this.socket.send(message);
  };

  // --- joining and syncing -------------------------------------------------------------------

  Session.prototype.join = function () {
    if (this.detached) return;
    var message = { action: "doc.join" };
    if (this.synced) message.state_vector = toBase64(this.Y.encodeStateVector(this.doc));
    if (!this.send(message)) this.setStatus("offline", "Offline: your edits merge when back.");
  };

  Session.prototype.onMessage = function (message) {
    if (message.error && message.size !== undefined && message.page === undefined) {
      this.onTooLarge(message);
      return;
    }
    if (message.rate_limited) {
      this.resyncSoon(); // an update may have been dropped: exchange state vectors again
      return;
    }
    if (message.hello) {
      this.joined = false; // a new connection: join again once the page is subscribed
      return;
    }
    if (message.subscribed) {
      if (message.subscribed.page === this.page && message.subscribed.id === this.id) this.join();
      return;
    }
    if (message.revoked) {
      if (message.revoked.page === this.page && message.revoked.id === this.id) {
        this.joined = false;
        this.canEdit = false;
        this.textarea.readOnly = true;
        this.setStatus("read-only", message.error || "Your access ended.");
      }
      return;
    }
    if (message.page !== this.page || message.id !== this.id) return;
    var data = message.data || {};
    if (message.event && data.field !== this.field) return;
    if (message.event === "doc.sync") {
      this.onSync(data);
    } else if (message.event === "doc.update") {
      // Before the first sync too: Yjs keeps what it cannot place yet and merges it then.
      this.Y.applyUpdate(this.doc, fromBase64(data.update), REMOTE);
    } else if (message.event === "doc.awareness") {
      this.onAwareness(data);
    } else if (message.error && message.field === this.field) {
      this.onError(message);
    }
  };

  /* The consumer refuses an oversized frame without naming the page: ours if its size is
   * the size of the last update we sent. */
  Session.prototype.onTooLarge = function (message) {
    if (message.size !== this.lastSentSize) return;
    this.lastSentSize = null;
    this.onError({ error: "This change is too large to send; it was not kept.", reset: true });
  };

  Session.prototype.onSync = function (data) {
    var first = !this.synced;
    this.Y.applyUpdate(this.doc, fromBase64(data.update), REMOTE);
    this.synced = true;
    this.joined = true;
    this.canEdit = !!data.can_edit && !this.wasReadOnly;
    this.maxChars = data.max_chars || Infinity;
    window.clearTimeout(this.sendTimer);
    this.sendTimer = null;
    this.pending = [];
    if (first) {
      this.adopt();
    } else if (this.canEdit) {
      // What the server lacks: edits typed while offline (and anything still queued).
      var missing = this.Y.encodeStateAsUpdate(this.doc, fromBase64(data.state_vector));
      if (missing.length > 2) this.send({ action: "doc.update", update: toBase64(missing) });
    }
    this.textarea.readOnly = !this.canEdit;
    if (this.canEdit) this.setStatus("live", "");
    else this.setStatus("read-only", data.read_only_reason || "Read-only.");
    this.sendAwareness();
    this.render();
  };

  /* The first sync: the server's text replaces the one the page rendered. What was typed
   * into the textarea before (the page was slow to attach) is kept as an edit of it. */
  Session.prototype.adopt = function () {
    var ta = this.textarea;
    var base = this.base;
    var typed = diff(base, ta.value);
    if (this.canEdit && (typed.remove || typed.insert)) {
      // Rebase the typing onto the server's text (it may have changed since the page).
      var text = this.text;
      var moved = diff(base, text.toString());
      var delta = [];
      if (moved.index) delta.push({ retain: moved.index });
      if (moved.remove) delta.push({ delete: moved.remove });
      if (moved.insert) delta.push({ insert: moved.insert });
      var start = transform(typed.index, delta);
      var end = Math.max(start, transform(typed.index + typed.remove, delta));
      this.doc.transact(function () {
        if (end > start) text.delete(start, end - start);
        if (typed.insert) text.insert(start, typed.insert);
      }, LOCAL);
      typed.index = start;
    }
    var focused = document.activeElement === ta;
    ta.value = this.text.toString();
    if (focused && typed.insert) {
      var caret = Math.min(typed.index + typed.insert.length, ta.value.length);
      ta.setSelectionRange(caret, caret);
    }
  };

  Session.prototype.resyncSoon = function () {
    var self = this;
    if (this.resyncTimer || !this.synced) return;
    this.resyncTimer = window.setTimeout(function () {
      self.resyncTimer = null;
      self.join();
    }, RESYNC_DELAY);
  };

  Session.prototype.onError = function (message) {
    if (message.reset) {
      // Our copy cannot be kept (refused or unreadable): take the server's again.
      this.synced = false;
      this.joined = false;
      this.pending = [];
      this.textarea.readOnly = true; // until the server's text is in again
      // The refused change goes; what is typed from now until the sync is kept (adopt).
      this.base = this.textarea.value;
      this.newDocument();
      this.setStatus("error", message.error);
      this.join();
      return;
    }
    this.setStatus("error", message.error);
    if (message.resync) {
      this.joined = false;
      this.join();
    }
  };

  // --- local edits ---------------------------------------------------------------------------

  Session.prototype.onInput = function () {
    var ta = this.textarea;
    var before = this.text.toString();
    if (!this.synced) return; // read-only until synced; the server's text replaces this
    if (!this.canEdit) {
      ta.value = before;
      return;
    }
    var after = ta.value;
    if (after.length > this.maxChars && after.length > before.length) {
      var caret = ta.selectionStart - (after.length - before.length);
      ta.value = before;
      ta.setSelectionRange(Math.max(0, caret), Math.max(0, caret));
      this.setStatus("error", "This text may not be longer than " + this.maxChars + " characters.");
      return;
    }
    var change = diff(before, after);
    if (!change.remove && !change.insert) return;
    var text = this.text;
    this.doc.transact(function () {
      if (change.remove) text.delete(change.index, change.remove);
      if (change.insert) text.insert(change.index, change.insert);
    }, LOCAL);
    if (this.state === "error") this.setStatus("live", "");
    this.scheduleAwareness();
  };

  Session.prototype.queue = function (update) {
    var self = this;
    this.pending.push(update);
    if (!this.sendTimer) {
      this.sendTimer = window.setTimeout(function () {
        self.flush();
      }, SEND_DELAY);
    }
  };

  Session.prototype.flush = function () {
    this.sendTimer = null;
    if (!this.pending.length) return;
    if (!this.joined) return; // sent with the next sync (the server asks for what it lacks)
    var update = this.pending.length === 1 ? this.pending[0] : this.Y.mergeUpdates(this.pending);
    this.pending = [];
    if (!this.send({ action: "doc.update", update: toBase64(update) })) {
      this.joined = false;
      this.setStatus("offline", "Offline: your edits merge when back.");
    }
  };

  // --- remote edits --------------------------------------------------------------------------

  Session.prototype.applyRemote = function (event) {
    if (!this.synced) return; // the first sync sets the textarea
    var ta = this.textarea;
    var focused = document.activeElement === ta;
    var start = ta.selectionStart;
    var end = ta.selectionEnd;
    var direction = ta.selectionDirection;
    var scroll = ta.scrollTop;
    ta.value = this.text.toString();
    if (focused) {
      ta.setSelectionRange(transform(start, event.delta), transform(end, event.delta), direction);
    }
    ta.scrollTop = scroll;
    this.render();
  };

  // --- awareness (who is where) --------------------------------------------------------------

  Session.prototype.scheduleAwareness = function () {
    var self = this;
    if (this.awarenessTimer) return;
    var wait = Math.max(0, AWARENESS_DELAY - (Date.now() - this.lastAwareness));
    this.awarenessTimer = window.setTimeout(function () {
      self.awarenessTimer = null;
      self.sendAwareness();
    }, wait);
  };

  Session.prototype.position = function (index) {
    var Y = this.Y;
    return toBase64(Y.encodeRelativePosition(Y.createRelativePositionFromTypeIndex(this.text, index)));
  };

  Session.prototype.sendAwareness = function () {
    if (!this.joined) return;
    var ta = this.textarea;
    var message = { action: "doc.awareness", cursor: null, line: null };
    if (document.activeElement === ta) {
      var backward = ta.selectionDirection === "backward";
      var anchor = backward ? ta.selectionEnd : ta.selectionStart;
      var head = backward ? ta.selectionStart : ta.selectionEnd;
      message.cursor = { anchor: this.position(anchor), head: this.position(head) };
      message.line = lineOf(ta.value, head);
    }
    this.lastAwareness = Date.now();
    this.send(message);
  };

  Session.prototype.onAwareness = function (data) {
    if (data.left) this.remote.delete(data.client);
    else {
      this.remote.set(data.client, {
        user: data.user || {},
        cursor: data.cursor,
        line: data.line,
        canEdit: !!data.can_edit,
        seen: Date.now(),
      });
    }
    this.render();
  };

  Session.prototype.expire = function () {
    var now = Date.now();
    var changed = false;
    this.remote.forEach(function (entry, client, map) {
      if (now - entry.seen > EXPIRE) {
        map.delete(client);
        changed = true;
      }
    });
    if (changed) this.render();
  };

  Session.prototype.resolve = function (encoded) {
    var Y = this.Y;
    try {
      var relative = Y.decodeRelativePosition(fromBase64(encoded));
      var absolute = Y.createAbsolutePositionFromRelativePosition(relative, this.doc);
      return absolute && absolute.type === this.text ? absolute.index : null;
    } catch (err) {
      return null;
    }
  };

  // --- drawing -------------------------------------------------------------------------------

  Session.prototype.buildOverlay = function () {
    var ta = this.textarea;
    this.overlay = css(document.createElement("div"), {
      position: "absolute",
      pointerEvents: "none",
      overflow: "hidden",
    });
    this.overlay.className = "coedit-overlay";
    this.overlay.setAttribute("aria-hidden", "true");
    this.mirror = css(document.createElement("div"), {
      position: "absolute",
      visibility: "hidden",
      whiteSpace: "pre-wrap",
      overflowWrap: "break-word",
      top: "0",
      left: "0",
    });
    this.overlay.appendChild(this.mirror);
    this.list = document.createElement("div");
    this.list.className = "coedit-editors";
    this.list.setAttribute("aria-live", "polite");
    css(this.list, { fontSize: "12px", marginTop: "4px", minHeight: "1em", opacity: "0.85" });
    // The overlay is placed by the textarea's offsets: within a positioned parent.
    var parent = ta.parentNode;
    if (window.getComputedStyle(parent).position === "static") parent.style.position = "relative";
    ta.parentNode.insertBefore(this.overlay, ta.nextSibling);
    ta.parentNode.insertBefore(this.list, this.overlay.nextSibling);
  };

  Session.prototype.layout = function () {
    var ta = this.textarea;
    var style = window.getComputedStyle(ta);
    css(this.overlay, {
      top: ta.offsetTop + "px",
      left: ta.offsetLeft + "px",
      width: ta.offsetWidth + "px",
      height: ta.offsetHeight + "px",
    });
    [
      "boxSizing",
      "fontFamily",
      "fontSize",
      "fontWeight",
      "fontStyle",
      "letterSpacing",
      "lineHeight",
      "textTransform",
      "wordSpacing",
      "tabSize",
      "paddingTop",
      "paddingRight",
      "paddingBottom",
      "paddingLeft",
      "borderTopWidth",
      "borderRightWidth",
      "borderBottomWidth",
      "borderLeftWidth",
    ].forEach(function (name) {
      this.mirror.style[name] = style[name];
    }, this);
    css(this.mirror, { borderStyle: "solid", borderColor: "transparent" });
    // The textarea's scroll bar narrows its text: the mirror's width is its client width.
    var scrollbar = ta.offsetWidth - ta.clientWidth - parseFloat(style.borderLeftWidth) -
      parseFloat(style.borderRightWidth);
    this.mirror.style.width = ta.offsetWidth - Math.max(0, scrollbar) + "px";
    return style;
  };

  /* Pixel position of ``index`` in the textarea's text (relative to its border box). */
  Session.prototype.coordinates = function (value, index) {
    var mirror = this.mirror;
    mirror.textContent = value.slice(0, index);
    var marker = document.createElement("span");
    marker.textContent = value.slice(index, index + 1) || ".";
    mirror.appendChild(marker);
    return { top: marker.offsetTop, left: marker.offsetLeft, height: marker.offsetHeight };
  };

  Session.prototype.render = function () {
    if (this.detached) return;
    var self = this;
    var ta = this.textarea;
    var value = ta.value;
    var style = this.layout();
    var lineHeight = parseFloat(style.lineHeight) || parseFloat(style.fontSize) * 1.3 || 16;
    Array.prototype.slice.call(this.overlay.querySelectorAll(".coedit-caret")).forEach(
      function (node) {
        node.remove();
      },
    );
    var names = [];
    this.remote.forEach(function (entry) {
      var user = entry.user || {};
      if (self.user && user.id === self.user.id && !entry.cursor) return;
      var colour = user.colour || "#64748b";
      var head = entry.cursor ? self.resolve(entry.cursor.head) : null;
      var line = head !== null ? lineOf(value, head) : entry.line;
      var what = entry.canEdit ? (entry.cursor ? "editing" : "here") : "viewing";
      names.push({ name: user.name || "Someone", colour: colour, what: what, line: line });
      if (head === null) return;
      var at = self.coordinates(value, head);
      // Offsets in the mirror count from inside its border (as wide as the textarea's).
      var top = at.top + parseFloat(style.borderTopWidth) - ta.scrollTop;
      var left = at.left + parseFloat(style.borderLeftWidth) - ta.scrollLeft;
      if (top < 0 || top > ta.clientHeight) return;
      var caret = css(document.createElement("div"), {
        position: "absolute",
        top: top + "px",
        left: left + "px",
        width: "2px",
        height: (at.height || lineHeight) + "px",
        background: colour,
      });
      caret.className = "coedit-caret";
      var label = css(document.createElement("span"), {
        position: "absolute",
        left: "0",
        background: colour,
        color: "#fff",
        fontSize: "10px",
        lineHeight: "14px",
        padding: "0 3px",
        borderRadius: "3px",
        whiteSpace: "nowrap",
      });
      label.textContent = user.name || "Someone";
      // Above the caret, or below it on the first line (the overlay clips what sticks out).
      if (top >= 14) label.style.bottom = "100%";
      else label.style.top = "100%";
      caret.appendChild(label);
      self.overlay.appendChild(caret);
    });
    this.mirror.textContent = "";
    this.list.textContent = "";
    names.forEach(function (item, i) {
      if (i) self.list.appendChild(document.createTextNode(" · "));
      var dot = css(document.createElement("span"), {
        display: "inline-block",
        width: "8px",
        height: "8px",
        borderRadius: "50%",
        background: item.colour,
        marginRight: "4px",
      });
      self.list.appendChild(dot);
      var text = item.name + " is " + item.what;
      if (item.what === "editing" && item.line) text += " (line " + item.line + ")";
      self.list.appendChild(document.createTextNode(text));
    });
  };

  // --- leaving -------------------------------------------------------------------------------

  Session.prototype.leave = function () {
    if (this.sendTimer) {
      window.clearTimeout(this.sendTimer);
      this.flush();
    }
    if (this.joined) this.send({ action: "doc.leave" });
    this.joined = false;
  };

  Session.prototype.detach = function () {
    if (this.detached) return;
    this.leave();
    this.detached = true;
    window.clearInterval(this.heartbeat);
    window.clearTimeout(this.awarenessTimer);
    window.clearTimeout(this.resyncTimer);
    if (this.unlisten) this.unlisten();
    this.listeners.forEach(function (entry) {
      entry[0].removeEventListener(entry[1], entry[2]);
    });
    this.overlay.remove();
    this.list.remove();
    this.textarea.readOnly = this.wasReadOnly;
    this.textarea.defaultValue = this.text.toString(); // a later attach starts from here
    this.doc.destroy();
  };

  // --- the public handle ---------------------------------------------------------------------

  function attach(textarea, options) {
    var handle = { session: null, detached: false };
    var initial = { readOnly: textarea.readOnly };
    textarea.readOnly = true; // until the server's text is in
    handle.ready = loadYjs().then(function (Y) {
      if (handle.detached) return null;
      handle.session = new Session(Y, textarea, options, initial);
      return handle.session;
    });
    handle.ready.catch(function (err) {
      textarea.readOnly = initial.readOnly;
      if (options.status) options.status.textContent = "Co-editing is unavailable.";
      if (window.console) console.error(err);
    });
    handle.detach = function () {
      handle.detached = true;
      if (handle.session) handle.session.detach();
      else textarea.readOnly = initial.readOnly;
    };
    handle.text = function () {
      return handle.session ? handle.session.text.toString() : textarea.value;
    };
    attached.push(handle);
    return handle;
  }

  var attached = []; // every handle of this page (for tests and debugging)

  window.PurSightCoedit = {
    attach: attach,
    attached: attached,
    diff: diff,
    transform: transform,
    load: loadYjs,
  };
})();
