// Call console: refresh the live calls and today's calls every 10 seconds (no inline script: CSP).
(function () {
  "use strict";
  var box = document.getElementById("phone-live");
  if (!box || !window.fetch) { return; }
  var url = box.getAttribute("data-refresh-url");
  function refresh() {
    if (document.hidden) { return; }
    fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) { if (html !== null) { box.innerHTML = html; } })
      .catch(function () { /* keep the last list */ });
  }
  window.setInterval(refresh, 10000);
})();
