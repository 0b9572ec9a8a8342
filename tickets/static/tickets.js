// Tickets: canned responses fill the reply box (no inline scripts: CSP).
(function () {
  document.querySelectorAll("select[data-canned-target]").forEach(function (sel) {
    sel.addEventListener("change", function () {
      var opt = sel.options[sel.selectedIndex];
      var target = document.getElementById(sel.getAttribute("data-canned-target"));
      var text = opt && opt.getAttribute("data-text");
      if (target && text) {
        target.value = target.value ? target.value + "\n\n" + text : text;
        target.focus();
      }
    });
  });
})();

// Long filter lists (thousands of enti) come with the page as the chosen entry only; the rest is
// loaded the first time the list is opened (or focused from the keyboard).
(function () {
  document.querySelectorAll("select[data-options-url]").forEach(function (sel) {
    var loaded = false;
    function load() {
      if (loaded) return;
      loaded = true;
      fetch(sel.getAttribute("data-options-url"), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
        .then(function (html) {
          var value = sel.value;
          var first = sel.options[0] ? sel.options[0].outerHTML : "";
          sel.innerHTML = first + html;
          sel.value = value;
        })
        .catch(function () { loaded = false; });
    }
    sel.addEventListener("focus", load);
    sel.addEventListener("mouseenter", load);
    sel.addEventListener("pointerdown", load);
  });
})();
