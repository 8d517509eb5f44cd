// 督查晾晒: a bar chart of each unit's on-time rate, from the page's json_script data (the table beside it
// holds the same figures). A unit with nothing judged has no bar.
(function () {
  "use strict";
  function draw() {
    var holder = document.getElementById("tb-ranking-chart");
    var source = document.getElementById("tb-ranking-data");
    if (!holder || !source || typeof window.echarts === "undefined") return;
    var data = JSON.parse(source.textContent);
    var chart = window.echarts.init(holder);
    chart.setOption({
      tooltip: {
        trigger: "axis",
        valueFormatter: function (v) { return v === null || v === undefined ? "—" : v.toFixed(2) + "%"; },
      },
      grid: { left: 48, right: 16, bottom: 72, top: 24 },
      xAxis: { type: "category", data: data.units, axisLabel: { interval: 0, rotate: 30 } },
      yAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
      series: [{ name: data.label, type: "bar", data: data.rates, itemStyle: { color: "#2e7d32" } }],
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
