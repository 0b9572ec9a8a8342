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
