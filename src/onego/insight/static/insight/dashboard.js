/* Draws each figure's chart from the JSON the page carries beside it (json_script); the table under
   each chart holds the same numbers for screen readers and for anyone without JavaScript.
   Tooltips are drawn on the canvas (renderMode richText): no HTML with inline styles, so the page's
   Content-Security-Policy needs no 'unsafe-inline'. */
(function () {
  "use strict";
  function percent(v) { return v == null ? "—" : (Math.round(v * 1000) / 10) + "%"; }
  function option(d) {
    var pie = d.type === "pie";
    var valueAxis = { type: "value" };
    if (d.share) { valueAxis.axisLabel = { formatter: function (v) { return Math.round(v * 100) + "%"; } }; }
    var tooltip = { trigger: pie ? "item" : "axis", renderMode: "richText", confine: true };
    if (d.share) { tooltip.valueFormatter = percent; }
    if (pie) {
      return {
        animation: false, tooltip: tooltip, legend: { bottom: 0, type: "scroll" },
        series: [{ type: "pie", radius: ["35%", "65%"],
          data: d.labels.map(function (l, i) { return { name: l, value: d.series[0].data[i] }; }) }]
      };
    }
    return {
      animation: false, tooltip: tooltip, legend: { top: 0, type: "scroll" },
      grid: { left: 8, right: 8, bottom: 8, top: 36, containLabel: true },
      xAxis: { type: "category", data: d.labels, axisLabel: { interval: 0, rotate: d.labels.length > 6 ? 35 : 0,
        formatter: function (v) { return v.length > 8 ? v.slice(0, 8) + "…" : v; } } },
      yAxis: valueAxis,
      series: d.series.map(function (s) {
        return { name: s.name, type: d.type, data: s.data, stack: d.stack ? "total" : undefined, smooth: d.type === "line" };
      })
    };
  }
  function draw() {
    if (typeof window.echarts === "undefined") { return; }
    var charts = [];
    document.querySelectorAll(".insight-chart").forEach(function (el) {
      var data = document.getElementById(el.getAttribute("data-chart"));
      if (!data) { return; }
      var chart = window.echarts.init(el, null, { renderer: "canvas" });
      chart.setOption(option(JSON.parse(data.textContent)));
      el.setAttribute("data-drawn", "true");
      charts.push(chart);
    });
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
