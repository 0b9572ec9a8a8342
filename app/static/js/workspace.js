// The operator's ticket workspace and every file field: reply/note modes, canned responses at the
// cursor, drafts kept in localStorage, drag and drop with the limits checked before upload, keyboard
// shortcuts (r reply, n note, a assign to me, j next ticket), who else has the ticket open.
// No inline scripts: the CSP forbids them.
(function () {
  "use strict";

  // ---- upload fields: limits checked in the browser, files dropped onto the field ----
  function humanMB(bytes) { return (bytes / (1024 * 1024)).toFixed(1).replace(".", ",") + " MB"; }
  function say(box, attr, name, size, max) {
    return (box.getAttribute(attr) || "").replace("{name}", name).replace("{size}", humanMB(size)).replace("{max}", humanMB(max));
  }
  function checkFiles(box, input) {
    var max = parseInt(box.getAttribute("data-upload-max"), 10);
    var total = parseInt(box.getAttribute("data-upload-total"), 10);
    var ext = (box.getAttribute("data-upload-ext") || "").split(",");
    var problems = [];
    var sum = 0;
    Array.prototype.forEach.call(input.files || [], function (f) {
      sum += f.size;
      var dot = f.name.lastIndexOf(".");
      var e = dot >= 0 ? f.name.slice(dot + 1).toLowerCase() : "";
      if (ext.length && ext.indexOf(e) < 0) problems.push(say(box, "data-msg-type", f.name, 0, 0));
      if (max && f.size > max) problems.push(say(box, "data-msg-size", f.name, f.size, max));
    });
    if (total && sum > total) problems.push(say(box, "data-msg-total", "", sum, total));
    var err = box.querySelector(".upload-error");
    if (err) {
      err.textContent = problems.join("; ");
      err.hidden = problems.length === 0;
    }
    input.classList.toggle("is-invalid", problems.length > 0);
    input.setCustomValidity(problems.length ? problems.join("; ") : "");
    return problems.length === 0;
  }
  document.querySelectorAll(".upload-field").forEach(function (box) {
    var input = box.querySelector("input[type=file]");
    if (!input) return;
    input.addEventListener("change", function () { checkFiles(box, input); });
    var zone = box.closest("form") && box.closest("form").classList.contains("composer") ? box.closest("form") : box;
    ["dragenter", "dragover"].forEach(function (ev) {
      zone.addEventListener(ev, function (e) {
        if (!e.dataTransfer || Array.prototype.indexOf.call(e.dataTransfer.types || [], "Files") < 0) return;
        e.preventDefault();
        box.classList.add("dragging");
      });
    });
    ["dragleave", "drop"].forEach(function (ev) {
      zone.addEventListener(ev, function () { box.classList.remove("dragging"); });
    });
    zone.addEventListener("drop", function (e) {
      if (!e.dataTransfer || !e.dataTransfer.files || !e.dataTransfer.files.length) return;
      e.preventDefault();
      var dt = new DataTransfer();
      Array.prototype.forEach.call(input.files || [], function (f) { dt.items.add(f); });
      Array.prototype.forEach.call(e.dataTransfer.files, function (f) { dt.items.add(f); });
      input.files = dt.files;
      checkFiles(box, input);
    });
    var form = input.form;
    if (form) {
      form.addEventListener("submit", function (e) {
        if (!checkFiles(box, input)) { e.preventDefault(); input.focus(); }
      });
    }
  });

  var composer = document.getElementById("composer");
  var workspace = document.getElementById("workspace");

  // ---- reply composer: two modes, canned text at the cursor, drafts ----
  if (composer) {
    var body = composer.querySelector("#body");
    var modePublic = composer.querySelector("#mode-public");
    var modeNote = composer.querySelector("#mode-note");
    var draftKey = composer.getAttribute("data-draft-key");
    var draftState = composer.querySelector("#draft-state");
    var syncMode = function () {
      var note = modeNote && modeNote.checked;
      composer.classList.toggle("composer-note", !!note);
      composer.classList.toggle("composer-public", !note);
    };
    [modePublic, modeNote].forEach(function (r) { if (r) r.addEventListener("change", syncMode); });
    syncMode();

    composer.querySelectorAll("select[data-canned-insert]").forEach(function (sel) {
      sel.addEventListener("change", function () {
        var opt = sel.options[sel.selectedIndex];
        var text = opt && opt.getAttribute("data-text");
        if (!text || !body) return;
        var start = body.selectionStart != null ? body.selectionStart : body.value.length;
        var end = body.selectionEnd != null ? body.selectionEnd : start;
        body.value = body.value.slice(0, start) + text + body.value.slice(end);
        body.focus();
        body.setSelectionRange(start + text.length, start + text.length);
        body.dispatchEvent(new Event("input"));
        sel.value = "";
      });
    });

    var storage = null;
    try { storage = window.localStorage; } catch (e) { storage = null; }
    if (storage && draftKey && body) {
      var saved = null;
      try { saved = JSON.parse(storage.getItem(draftKey) || "null"); } catch (e) { saved = null; }
      if (saved && saved.body && !body.value) {
        body.value = saved.body;
        if (saved.note && modeNote) { modeNote.checked = true; syncMode(); }
        if (draftState) draftState.textContent = "Bozza ripristinata.";
      }
      var save = function () {
        if (body.value.trim()) {
          storage.setItem(draftKey, JSON.stringify({ body: body.value, note: !!(modeNote && modeNote.checked) }));
          if (draftState) draftState.textContent = "Bozza salvata in questo browser.";
        } else {
          storage.removeItem(draftKey);
          if (draftState) draftState.textContent = "";
        }
      };
      body.addEventListener("input", save);
      [modePublic, modeNote].forEach(function (r) { if (r) r.addEventListener("change", save); });
      composer.addEventListener("submit", function (e) {
        if (!e.defaultPrevented) storage.removeItem(draftKey);
      });
    }
  }

  // ---- keyboard shortcuts ----
  if (workspace) {
    document.addEventListener("keydown", function (e) {
      if (e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented) return;
      var t = e.target;
      var tag = t && t.tagName;
      if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (t && t.isContentEditable)) return;
      var body = document.getElementById("body");
      if (e.key === "r" || e.key === "n") {
        var radio = document.getElementById(e.key === "r" ? "mode-public" : "mode-note");
        if (!radio || !body) return;
        e.preventDefault();
        radio.checked = true;
        radio.dispatchEvent(new Event("change"));
        body.focus();
      } else if (e.key === "a") {
        var take = document.getElementById("take-form");
        if (take) { e.preventDefault(); take.submit(); }
      } else if (e.key === "j") {
        e.preventDefault();
        window.location.href = workspace.getAttribute("data-next-url");
      }
    });

    // ---- presence: who else has the ticket open, who just wrote (polled every 15 s) ----
    var banner = document.getElementById("presence-banner");
    var url = workspace.getAttribute("data-presence-url");
    var known = parseInt(workspace.getAttribute("data-last-message-id") || "0", 10);
    var poll = function () {
      if (document.hidden) return;
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (!data || !banner) return;
          var parts = [];
          if (data.viewers && data.viewers.length) {
            parts.push(workspace.getAttribute("data-msg-viewers").replace("{names}", data.viewers.join(", ")));
          }
          if (data.last_message_id > known && !data.last_message_by_me) {
            parts.push(workspace.getAttribute("data-msg-replied").replace("{name}", data.last_message_author || "?"));
          }
          banner.textContent = parts.join(" ");
          if (data.last_message_id > known && !data.last_message_by_me) {
            var a = document.createElement("a");
            a.href = window.location.pathname;
            a.className = "alert-link ms-2";
            a.textContent = workspace.getAttribute("data-msg-reload");
            banner.appendChild(a);
          }
          banner.hidden = parts.length === 0;
        })
        .catch(function () {});
    };
    poll();
    window.setInterval(poll, 15000);
  }
})();
