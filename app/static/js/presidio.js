// Presidio front-end glue. No inline scripts: the CSP allows only files from 'self'.
(function () {
  if (window.bootstrap && typeof window.bootstrap.loadFonts === "function") {
    window.bootstrap.loadFonts(document.body.dataset.fonts);
  }
  // Confirm dangerous actions: <form data-confirm="...">
  document.addEventListener("submit", function (ev) {
    var msg = ev.target.getAttribute && ev.target.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) { ev.preventDefault(); }
  });
  // "Select all": <input type="checkbox" data-select-all="NAME" [data-scope="ID"]> ticks every visible
  // checkbox called NAME (inside element ID, if given) and shows whether all of them are ticked.
  function boxes(master) {
    var root = document.getElementById(master.getAttribute("data-scope") || "") || master.form || document;
    return Array.prototype.filter.call(
      root.querySelectorAll('input[type=checkbox][name="' + master.getAttribute("data-select-all") + '"]'),
      function (b) { return b !== master && !b.closest("[hidden]"); });
  }
  function sync(master) {
    var all = boxes(master), on = all.filter(function (b) { return b.checked; }).length;
    master.checked = all.length > 0 && on === all.length;
    master.indeterminate = on > 0 && on < all.length;
  }
  document.querySelectorAll("[data-select-all]").forEach(function (master) {
    master.addEventListener("change", function () {
      boxes(master).forEach(function (b) { b.checked = master.checked; });
      document.querySelectorAll("[data-select-all]").forEach(sync);
    });
    sync(master);
  });
  document.addEventListener("change", function (ev) {
    if (ev.target.matches && ev.target.matches("input[type=checkbox]:not([data-select-all])")) {
      document.querySelectorAll("[data-select-all]").forEach(sync);
    }
  });
  // Filter a long list: <input data-filter-list="ID"> hides the items of ID whose text does not match.
  document.querySelectorAll("[data-filter-list]").forEach(function (input) {
    var list = document.getElementById(input.getAttribute("data-filter-list"));
    if (!list) { return; }
    input.addEventListener("input", function () {
      var q = input.value.trim().toLowerCase();
      Array.prototype.forEach.call(list.querySelectorAll("[data-filter-item]"), function (item) {
        item.hidden = q !== "" && item.textContent.toLowerCase().indexOf(q) === -1;
      });
      document.querySelectorAll("[data-select-all]").forEach(sync);
    });
  });
  // A form that creates something (its method is POST) is sent once: a double click on its button
  // does not send it twice within a few seconds. Listening on the document, this runs after the form's own checks
  // (file sizes, confirmations), so a refused submit leaves the form usable.
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (ev.defaultPrevented || !form.getAttribute || (form.getAttribute("method") || "").toLowerCase() !== "post") { return; }
    if (form.dataset.submitting) { ev.preventDefault(); return; }
    form.dataset.submitting = "1";
    form.setAttribute("aria-busy", "true");
    // a POST that answers with a download leaves the page here: the form works again after a moment
    window.setTimeout(function () { delete form.dataset.submitting; form.removeAttribute("aria-busy"); }, 5000);
  });
  // A table wider than the screen scrolls in its box: the box takes the keyboard focus (arrows scroll
  // it) and is named by the table's caption, so nobody is left with columns they cannot reach.
  function focusableScrollers() {
    document.querySelectorAll(".table-responsive").forEach(function (box) {
      if (box.scrollWidth > box.clientWidth + 1) {
        if (!box.hasAttribute("tabindex")) { box.setAttribute("tabindex", "0"); }
        if (!box.hasAttribute("role")) { box.setAttribute("role", "region"); }
        var caption = box.querySelector("caption");
        var heading = caption ? caption.textContent.trim() : (document.title || "").split(" ·")[0];
        if (!box.hasAttribute("aria-label") && heading) { box.setAttribute("aria-label", heading); }
      }
    });
  }
  focusableScrollers();
  window.addEventListener("resize", focusableScrollers);
  // Back to a page from the history cache: its forms can be sent again.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-submitting]").forEach(function (f) {
      delete f.dataset.submitting;
      f.removeAttribute("aria-busy");
    });
  });
})();
