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
})();
