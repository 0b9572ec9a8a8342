// Ticket page: insert a suggested article's link into the reply; optional language-model helpers.
(function () {
  var panel = document.getElementById("kb-assist");
  if (!panel) { return; }
  var reply = document.getElementById("body");
  panel.querySelectorAll(".kb-insert").forEach(function (btn) {
    btn.addEventListener("click", function () {
      if (!reply) { return; }
      var text = btn.dataset.title + ": " + btn.dataset.url;
      reply.value = reply.value ? reply.value.replace(/\s*$/, "") + "\n\n" + text : text;
      reply.focus();
    });
  });
  var out = panel.querySelector(".kb-llm-output");
  var token = document.querySelector("input[name=csrf_token]");
  panel.querySelectorAll(".kb-llm").forEach(function (btn) {
    btn.addEventListener("click", function () {
      var url = btn.dataset.kind === "draft" ? panel.dataset.llmDraft : panel.dataset.llmSummary;
      out.textContent = "…";
      fetch(url, {
        method: "POST", credentials: "same-origin",
        headers: { "X-CSRFToken": token ? token.value : "", "Accept": "application/json" }
      }).then(function (r) { return r.json(); }).then(function (data) {
        if (data.error) { out.textContent = data.error.message; return; }
        if (btn.dataset.kind === "draft" && reply) { reply.value = data.text; reply.focus(); out.textContent = ""; }
        else { out.textContent = data.text; }
      }).catch(function () { out.textContent = ""; });
    });
  });
})();
