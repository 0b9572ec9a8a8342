// Typeahead pickers (ARIA 1.2 combobox with a listbox popup), as progressive enhancement.
//
// The page renders a plain field that works without JavaScript: a <select> (the option chosen is
// submitted) or a text <input> (an id or a code typed by hand). A field with data-lookup="<url>"
// gets a text box in front of it: typing asks <url>?q=… (JSON {"items": [{id, label, hint}]}, at
// most 20), arrow keys move in the list, Enter or a click picks, Escape closes. The picked id goes
// into the original field, which stays in the form (hidden) and is what gets submitted.
//   data-lookup-label="…"    the text shown for the current value of an <input>
//   data-lookup-with="param=field-name"  adds the value of another field of the form to the query
//   data-lookup-none / data-lookup-count  the messages read out ("%n" is the number of results)
(function () {
  "use strict";
  var counter = 0;

  function enhance(field) {
    var isSelect = field.tagName === "SELECT";
    var url = field.getAttribute("data-lookup");
    var id = field.id || "lookup-" + ++counter;
    var listId = id + "-listbox";
    var none = field.getAttribute("data-lookup-none") || "Nessun risultato";
    var countText = field.getAttribute("data-lookup-count") || "%n risultati";
    var items = [];
    var active = -1;
    var timer = null;
    var asked = 0;

    var input = document.createElement("input");
    input.type = "text";
    input.className = (field.className || "form-control").replace(/form-select/g, "form-control");
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listId);
    input.setAttribute("autocomplete", "off");
    input.setAttribute("spellcheck", "false");
    ["aria-describedby", "aria-invalid", "placeholder"].forEach(function (name) {
      if (field.getAttribute(name)) { input.setAttribute(name, field.getAttribute(name)); }
    });
    if (field.disabled) { input.disabled = true; }

    function currentLabel() {
      if (isSelect) {
        var opt = field.options[field.selectedIndex];
        return opt && opt.value ? opt.text : "";
      }
      var given = field.getAttribute("data-lookup-label");
      return given !== null ? given : field.value;
    }
    var shown = currentLabel();
    input.value = shown;

    var list = document.createElement("ul");
    list.id = listId;
    list.setAttribute("role", "listbox");
    list.className = "list-group lookup-listbox shadow";
    list.style.position = "absolute";
    list.style.zIndex = "1060";
    list.style.left = "0";
    list.style.right = "0";
    list.style.maxHeight = "18rem";
    list.style.overflowY = "auto";
    list.hidden = true;
    var label = document.querySelector('label[for="' + id + '"]');
    if (label) {
      if (!label.id) { label.id = id + "-label"; }
      list.setAttribute("aria-labelledby", label.id);
    }

    var status = document.createElement("div");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");

    var wrap = document.createElement("div");
    wrap.className = "lookup position-relative";
    field.parentNode.insertBefore(wrap, field);
    field.id = id + "-value";
    input.id = id;
    wrap.appendChild(input);
    wrap.appendChild(list);
    wrap.appendChild(status);
    wrap.appendChild(field);
    if (isSelect) {
      field.hidden = true;
      field.tabIndex = -1;
      field.setAttribute("aria-hidden", "true");
    } else {
      field.type = "hidden";
    }

    function close() {
      list.hidden = true;
      active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }

    function highlight(index) {
      var nodes = list.children;
      if (!nodes.length) { return; }
      active = (index + nodes.length) % nodes.length;
      for (var i = 0; i < nodes.length; i++) {
        var on = i === active;
        nodes[i].setAttribute("aria-selected", on ? "true" : "false");
        nodes[i].classList.toggle("active", on);
      }
      input.setAttribute("aria-activedescendant", nodes[active].id);
      nodes[active].scrollIntoView({ block: "nearest" });
    }

    function render() {
      list.innerHTML = "";
      items.forEach(function (item, i) {
        var li = document.createElement("li");
        li.id = listId + "-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.className = "list-group-item list-group-item-action";
        li.style.cursor = "pointer";
        li.textContent = item.label;
        if (item.hint) {
          var hint = document.createElement("small");
          hint.className = "d-block text-muted";
          hint.textContent = item.hint;
          li.appendChild(hint);
        }
        li.addEventListener("mousedown", function (ev) { ev.preventDefault(); });
        li.addEventListener("click", function () { pick(i); });
        list.appendChild(li);
      });
      active = -1;
      input.removeAttribute("aria-activedescendant");
      list.hidden = items.length === 0;
      input.setAttribute("aria-expanded", items.length ? "true" : "false");
      status.textContent = items.length ? countText.replace("%n", String(items.length)) : none;
    }

    function pick(index) {
      var item = items[index];
      if (!item) { return; }
      var value = String(item.id);
      if (isSelect) {
        var found = Array.prototype.find.call(field.options, function (o) { return o.value === value; });
        if (!found) {
          found = new Option(item.label, value);
          field.appendChild(found);
        }
        field.value = value;
      } else {
        field.value = value;
        field.setAttribute("data-lookup-label", item.label);
      }
      shown = item.label;
      input.value = item.label;
      close();
      field.dispatchEvent(new Event("change", { bubbles: true }));
    }

    function query() {
      var text = input.value.trim();
      if (text.length < 2) { items = []; render(); status.textContent = ""; return; }
      var target = url + (url.indexOf("?") >= 0 ? "&" : "?") + "q=" + encodeURIComponent(text);
      var extra = field.getAttribute("data-lookup-with");
      if (extra && field.form) {
        var parts = extra.split("=");
        var other = field.form.elements[parts[1]];
        if (other && other.value) { target += "&" + encodeURIComponent(parts[0]) + "=" + encodeURIComponent(other.value); }
      }
      var mine = ++asked;
      fetch(target, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : { items: [] }; })
        .then(function (data) {
          if (mine !== asked) { return; } // an older answer arriving late
          items = (data && data.items) || [];
          render();
        })
        .catch(function () { items = []; render(); });
    }

    input.addEventListener("input", function () {
      if (!isSelect) {
        // Without a pick the typed text is submitted as it is (an id or a code works, as without JS).
        field.value = input.value;
        field.removeAttribute("data-lookup-label");
        shown = input.value;
      } else if (input.value.trim() === "") {
        field.value = "";
        shown = "";
      }
      clearTimeout(timer);
      timer = setTimeout(query, 200);
    });

    input.addEventListener("keydown", function (ev) {
      var open = !list.hidden;
      if (ev.key === "ArrowDown") {
        ev.preventDefault();
        if (!open && items.length) { list.hidden = false; input.setAttribute("aria-expanded", "true"); }
        else if (!open) { query(); return; }
        highlight(active + 1);
      } else if (ev.key === "ArrowUp") {
        ev.preventDefault();
        if (open) { highlight(active - 1); }
      } else if (ev.key === "Enter") {
        if (open && active >= 0) { ev.preventDefault(); pick(active); }
      } else if (ev.key === "Escape") {
        if (open) { ev.preventDefault(); close(); }
        else if (isSelect) { input.value = shown; }
      } else if (ev.key === "Tab") {
        close();
      }
    });

    input.addEventListener("blur", function () {
      setTimeout(function () {
        close();
        if (isSelect && input.value !== shown) { input.value = currentLabel(); shown = input.value; }
      }, 150);
    });
  }

  function init(root) {
    Array.prototype.forEach.call((root || document).querySelectorAll("[data-lookup]"), function (field) {
      if (!field.hasAttribute("data-lookup-ready")) {
        field.setAttribute("data-lookup-ready", "");
        enhance(field);
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { init(); });
  } else {
    init();
  }
  window.presidioCombobox = { init: init };
})();
