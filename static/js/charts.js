// Dashboard charts, drawn by Apache ECharts (static/vendor) from the table under each chart: the
// chart and the accessible table show the same numbers because the chart reads the table.
// Without JavaScript the tables remain; the charts are hidden from screen readers (aria-hidden).
(function () {
  "use strict";
  var PALETTE = ["#0b5cad", "#1b6b35", "#b7791f", "#a4161a", "#6b4fa0", "#00838f", "#8d6e63",
                 "#546e7a", "#c2185b", "#33691e"];

  function read(table, columns) {
    var heads = Array.prototype.map.call(table.tHead.rows[0].cells, function (th) { return th.textContent.trim(); });
    var count = Math.min(columns || heads.length - 1, heads.length - 1);
    var labels = [], series = [];
    for (var c = 0; c < count; c++) { series.push({ name: heads[c + 1], data: [] }); }
    Array.prototype.forEach.call(table.tBodies[0].rows, function (tr) {
      if (tr.classList.contains("total") || !tr.cells[0] || tr.cells[0].tagName !== "TH") { return; }
      labels.push(tr.cells[0].textContent.trim());
      for (var c = 0; c < count; c++) {
        var text = tr.cells[c + 1] ? tr.cells[c + 1].getAttribute("data-value") : "";
        series[c].data.push(text === "" || text === null ? null : Number(text));
      }
    });
    return { labels: labels, series: series };
  }

  function option(kind, data) {
    if (kind === "pie") {
      return {
        color: PALETTE, animation: false, tooltip: { trigger: "item" },
        series: [{ type: "pie", radius: ["35%", "65%"], data: data.labels.map(function (label, i) {
          return { name: label, value: data.series[0].data[i] || 0 };
        }) }]
      };
    }
    return {
      color: PALETTE, animation: false,
      tooltip: { trigger: "axis" },
      legend: { top: 0, type: "scroll" },
      grid: { left: 8, right: 8, top: 36, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: data.labels, axisLabel: { interval: 0, rotate: data.labels.length > 8 ? 40 : 0 } },
      yAxis: { type: "value" },
      series: data.series.map(function (s) {
        return { name: s.name, type: kind === "lines" ? "line" : "bar", stack: kind === "stack" ? "all" : undefined,
                 data: s.data };
      })
    };
  }

  function draw(root) {
    if (typeof window.echarts === "undefined") { return; }
    (root || document).querySelectorAll(".chart[data-chart]").forEach(function (box) {
      var table = document.getElementById(box.getAttribute("data-for"));
      if (!table) { return; }
      var columns = parseInt(box.getAttribute("data-columns") || "0", 10) || null;
      var existing = window.echarts.getInstanceByDom(box);
      if (existing) { existing.dispose(); }
      var chart = window.echarts.init(box, null, { renderer: "canvas" });
      chart.setOption(option(box.getAttribute("data-chart"), read(table, columns)));
      box.setAttribute("data-drawn", "true");
    });
  }

  function resize() {
    if (typeof window.echarts === "undefined") { return; }
    document.querySelectorAll(".chart[data-drawn]").forEach(function (box) {
      var chart = window.echarts.getInstanceByDom(box);
      if (chart) { chart.resize(); }
    });
  }

  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  // A filter changed: htmx swapped the figures in; draw the new ones.
  document.addEventListener("htmx:afterSettle", function (event) { draw(event.target); });
  window.addEventListener("resize", resize);
  window.addEventListener("beforeprint", resize);
  if (window.matchMedia) {  // also when printing is emulated (a headless browser's PDF), not announced
    var printing = window.matchMedia("print");
    if (printing.addEventListener) { printing.addEventListener("change", resize); }
  }
})();
