// 晾晒 charts (办件晾晒 and 督查晾晒): a bar of each unit's on-time rate, drawn into every element that says
// where its figures are, so one script serves both pages:
//   <div class="tb-chart" data-rate-chart="ID" data-names="KEY" data-decimals="2" data-color="#2e7d32">
// ID is the page's json_script element holding {KEY: [unit names], rates: [percent or null], label: "..."}.
// The table beside the chart holds the same figures; a unit with a null rate (nothing judged) has no bar.
(function () {
  "use strict";
  function draw(holder) {
    var source = document.getElementById(holder.dataset.rateChart);
    if (!source) return;
    var data = JSON.parse(source.textContent);
    var decimals = Number(holder.dataset.decimals || 1);
    var chart = window.echarts.init(holder);
    chart.setOption({
      tooltip: {
        trigger: "axis",
        valueFormatter: function (v) {
          return v === null || v === undefined ? "—" : Number(v).toFixed(decimals) + "%";
        },
      },
      grid: { left: 48, right: 16, bottom: 72, top: 24 },
      xAxis: { type: "category", data: data[holder.dataset.names], axisLabel: { interval: 0, rotate: 30 } },
      yAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
      series: [{ name: data.label, type: "bar", data: data.rates, itemStyle: { color: holder.dataset.color } }],
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  function drawAll() {
    if (typeof window.echarts === "undefined") return;
    document.querySelectorAll("[data-rate-chart]").forEach(draw);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", drawAll);
  else drawAll();
})();
