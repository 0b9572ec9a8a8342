// Call console: refresh the live calls and today's calls every 10 seconds (no inline script: CSP).
// The list is replaced only when it changed, and only the number of live calls is announced.
(function () {
  "use strict";
  var box = document.getElementById("phone-live");
  if (!box || !window.fetch) { return; }
  var url = box.getAttribute("data-refresh-url");
  var status = document.createElement("p");
  status.className = "visually-hidden";
  status.setAttribute("role", "status");
  box.parentNode.insertBefore(status, box);
  var last = null;
  function liveCount(root) {
    var badge = root.querySelector(".live-count");
    return badge ? badge.textContent.trim() : "";
  }
  function refresh() {
    if (document.hidden) { return; }
    fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (html === null || html === last) { return; }
        var before = liveCount(box);
        last = html;
        box.innerHTML = html;
        var after = liveCount(box);
        if (after !== before) { status.textContent = box.querySelector("#live-title").textContent.trim(); }
      })
      .catch(function () { /* keep the last list */ });
  }
  window.setInterval(refresh, 10000);
})();
