// Billing: live progress of the annual run (polls the run's status while it is queued or running).
(function () {
  var box = document.querySelector("[data-run-status-url]");
  if (!box) { return; }
  var url = box.getAttribute("data-run-status-url");
  var bar = box.querySelector(".progress-bar");
  var label = box.querySelector("[data-run-label]");
  function tick() {
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (run) {
        var pct = run.total ? Math.round(100 * run.processed / run.total) : (run.status === "done" ? 100 : 0);
        bar.style.width = pct + "%";
        bar.setAttribute("aria-valuenow", String(pct));
        if (label) { label.textContent = run.processed + " / " + run.total; }
        if (run.status === "done" || run.status === "failed") { window.location.reload(); return; }
        window.setTimeout(tick, 1000);
      })
      .catch(function () { window.setTimeout(tick, 3000); });
  }
  if (box.getAttribute("data-run-active") === "1") { tick(); }
})();
