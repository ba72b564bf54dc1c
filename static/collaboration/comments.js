/*
 * @mention autocomplete for comment boxes.
 *
 * Any <textarea> carrying data-mention-target-type and data-mention-target-id (the object the
 * comment is about, e.g. "catalog.catalogtable" and 5) offers, while the word before the caret
 * starts with "@", the people who may see that object, from
 * GET /api/v1/comments/mentionable/?target_type=&target_id=&q= (or data-mention-url). Arrow
 * keys move, Enter or Tab picks, Escape closes; a click picks too. Works for boxes added later
 * (events are delegated from the document). No inline script: loaded with {% static %}.
 */
(function () {
  "use strict";

  var DEFAULT_URL = "/api/v1/comments/mentionable/";
  var WORD = /(^|[^\w.+@-])@([\w.+-]{0,150})$/;
  var menu = null; // {box, list, items, index, start, textarea}
  var timer = null;
  var seq = 0;

  function targetOf(textarea) {
    var type = textarea.getAttribute("data-mention-target-type");
    var id = textarea.getAttribute("data-mention-target-id");
    return type && id ? { type: type, id: id } : null;
  }

  function close() {
    if (menu && menu.box.parentNode) menu.box.parentNode.removeChild(menu.box);
    if (menu) menu.textarea.removeAttribute("aria-activedescendant");
    menu = null;
  }

  function pick(index) {
    if (!menu || !menu.items[index]) return;
    var ta = menu.textarea;
    var caret = ta.selectionStart;
    var before = ta.value.slice(0, menu.start);
    var after = ta.value.slice(caret);
    var insert = "@" + menu.items[index].username + " ";
    ta.value = before + insert + after;
    var pos = before.length + insert.length;
    ta.setSelectionRange(pos, pos);
    close();
    ta.dispatchEvent(new Event("input", { bubbles: true }));
    ta.focus();
  }

  function highlight(index) {
    if (!menu) return;
    menu.index = Math.max(0, Math.min(index, menu.items.length - 1));
    Array.prototype.forEach.call(menu.list.children, function (li, i) {
      var on = i === menu.index;
      li.setAttribute("aria-selected", on ? "true" : "false");
      li.style.background = on ? "rgba(51, 128, 252, 0.15)" : "";
      if (on) menu.textarea.setAttribute("aria-activedescendant", li.id);
    });
  }

  function show(textarea, start, items) {
    close();
    if (!items.length) return;
    var box = document.createElement("div");
    box.className = "mention-menu";
    box.style.position = "absolute";
    box.style.zIndex = "1000";
    box.style.minWidth = "14rem";
    box.style.border = "1px solid rgba(128, 128, 128, 0.4)";
    box.style.borderRadius = "6px";
    box.style.background = getComputedStyle(document.body).backgroundColor || "#fff";
    box.style.boxShadow = "0 4px 12px rgba(0, 0, 0, 0.15)";
    var list = document.createElement("ul");
    list.setAttribute("role", "listbox");
    list.style.listStyle = "none";
    list.style.margin = "0";
    list.style.padding = "4px 0";
    items.forEach(function (user, i) {
      var li = document.createElement("li");
      li.id = "mention-option-" + i;
      li.setAttribute("role", "option");
      li.setAttribute("data-username", user.username);
      li.style.padding = "4px 10px";
      li.style.cursor = "pointer";
      var strong = document.createElement("strong");
      strong.textContent = "@" + user.username;
      li.appendChild(strong);
      if (user.name) {
        var name = document.createElement("span");
        name.textContent = " " + user.name;
        name.style.opacity = "0.7";
        li.appendChild(name);
      }
      li.addEventListener("mousedown", function (event) {
        event.preventDefault(); // keep the focus in the textarea
        pick(i);
      });
      list.appendChild(li);
    });
    box.appendChild(list);
    var rect = textarea.getBoundingClientRect();
    box.style.left = rect.left + window.scrollX + "px";
    box.style.top = rect.bottom + window.scrollY + 2 + "px";
    document.body.appendChild(box);
    menu = { box: box, list: list, items: items, index: 0, start: start, textarea: textarea };
    highlight(0);
  }

  function lookup(textarea) {
    var target = targetOf(textarea);
    if (!target) return;
    var caret = textarea.selectionStart;
    var match = WORD.exec(textarea.value.slice(0, caret));
    if (!match) {
      close();
      return;
    }
    var start = caret - match[2].length - 1;
    var url = new URL(textarea.getAttribute("data-mention-url") || DEFAULT_URL, window.location.href);
    url.searchParams.set("target_type", target.type);
    url.searchParams.set("target_id", target.id);
    url.searchParams.set("q", match[2]);
    var mine = ++seq;
    fetch(url.toString(), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.ok ? response.json() : [];
      })
      .then(function (users) {
        if (mine === seq && document.activeElement === textarea) show(textarea, start, users || []);
      })
      .catch(function () {
        close();
      });
  }

  document.addEventListener("input", function (event) {
    var ta = event.target;
    if (!(ta instanceof HTMLTextAreaElement) || !targetOf(ta)) return;
    clearTimeout(timer);
    timer = setTimeout(function () {
      lookup(ta);
    }, 150);
  });

  document.addEventListener(
    "keydown",
    function (event) {
      if (!menu || event.target !== menu.textarea) return;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        highlight(menu.index + (event.key === "ArrowDown" ? 1 : -1));
      } else if (event.key === "Enter" || event.key === "Tab") {
        event.preventDefault();
        event.stopPropagation();
        pick(menu.index);
      } else if (event.key === "Escape") {
        event.preventDefault();
        close();
      }
    },
    true
  );

  document.addEventListener("focusout", function (event) {
    if (menu && event.target === menu.textarea) close();
  });
})();
