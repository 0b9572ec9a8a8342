/* Report charts (Chart.js): each <canvas data-chart="bar|line" data-table="ID"> is drawn from the data
   table ID right under it. The table stays on the page: it is the chart's accessible text. */
(function () {
  "use strict";
  if (typeof window.Chart === "undefined") { return; }
  var COLORS = ["#0066cc", "#008055", "#cc7a00", "#5c6f82", "#d9364f", "#6f42c1"];

  function readTable(table) {
    var heads = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) { return th.textContent.trim(); });
    var labels = [];
    var series = heads.slice(1).map(function () { return []; });
    Array.prototype.forEach.call(table.querySelectorAll("tbody tr"), function (tr) {
      var cells = tr.querySelectorAll("td[data-value]");
      if (!cells.length) { return; }
      labels.push(tr.querySelector("th").textContent.trim());
      Array.prototype.forEach.call(cells, function (td, i) {
        var raw = td.getAttribute("data-value");
        series[i].push(raw === "" ? null : Number(raw));
      });
    });
    return { labels: labels, names: heads.slice(1), series: series };
  }

  function draw(canvas) {
    var table = document.getElementById(canvas.getAttribute("data-table"));
    if (!table) { return; }
    var data = readTable(table);
    if (!data.labels.length) { canvas.closest("figure").hidden = true; return; }
    var kind = canvas.getAttribute("data-chart") === "line" ? "line" : "bar";
    var colors = (canvas.getAttribute("data-colors") || "").split(",").filter(Boolean);
    if (!colors.length) { colors = COLORS; }
    new window.Chart(canvas, {
      type: kind,
      data: {
        labels: data.labels,
        datasets: data.names.map(function (name, i) {
          return { label: name, data: data.series[i], backgroundColor: colors[i % colors.length],
                   borderColor: colors[i % colors.length], spanGaps: true };
        })
      },
      options: { responsive: true, maintainAspectRatio: false, animation: false,
                 plugins: { legend: { position: "bottom" } }, scales: { y: { beginAtZero: true } } }
    });
  }

  document.querySelectorAll("canvas[data-chart]").forEach(draw);
})();
