// Statistics report page (/thong-ke/): the period form shows the fields of the chosen kind of
// period, and the charts are drawn from the figures the page embeds with json_script
// (#stats-charts). No inline script: the page works under a Content-Security-Policy without
// 'unsafe-inline' / 'unsafe-eval'. Without JavaScript every field is shown and the tables remain.
(function () {
  "use strict";

  function periodFields() {
    var form = document.querySelector("form[data-stats-period]");
    if (!form) return;
    var kind = form.querySelector("select[name=ky]");
    if (!kind) return;
    var parts = form.querySelectorAll("[data-ky]");
    function sync() {
      for (var i = 0; i < parts.length; i++) {
        var kinds = parts[i].getAttribute("data-ky").split(" ");
        var show = kinds.indexOf(kind.value) !== -1;
        parts[i].hidden = !show;
        var inputs = parts[i].querySelectorAll("input, select");
        for (var j = 0; j < inputs.length; j++) inputs[j].disabled = !show;  // not submitted when hidden
      }
    }
    kind.addEventListener("change", sync);
    // a page restored from the back/forward cache keeps the choice; re-enable before leaving
    window.addEventListener("pageshow", sync);
    sync();
  }

  function charts() {
    var data = document.getElementById("stats-charts");
    if (!data || !window.Chart) return;
    var d = JSON.parse(data.textContent);
    if (!d) return;
    var int = {beginAtZero: true, ticks: {precision: 0}};
    function el(id) { return document.getElementById(id); }
    if (el("ch-trend")) new window.Chart(el("ch-trend"), {data: {labels: d.trend.labels, datasets: [
        {type: "bar", label: "Thụ lý mới", data: d.trend["new"], backgroundColor: "#0d6efd"},
        {type: "bar", label: "Đã giải quyết", data: d.trend.resolved, backgroundColor: "#198754"},
        {type: "line", label: "Vi phạm phát hiện", data: d.trend.violations, borderColor: "#b02a37",
         backgroundColor: "#b02a37", yAxisID: "y2"}]},
      options: {scales: {y: int, y2: {beginAtZero: true, position: "right", grid: {drawOnChartArea: false},
                                      ticks: {precision: 0}}}}});
    if (el("ch-measure")) new window.Chart(el("ch-measure"), {type: "bar", data: {labels: d.measure.labels, datasets: [
        {label: "Thụ lý mới", data: d.measure["new"], backgroundColor: "#0d6efd"},
        {label: "Áp dụng", data: d.measure.applied, backgroundColor: "#198754"}]},
      options: {indexAxis: "y", scales: {x: int}}});
    if (el("ch-outcome")) new window.Chart(el("ch-outcome"), {type: "doughnut", data: {labels: d.outcome.labels, datasets: [
        {data: d.outcome.values, backgroundColor: ["#198754", "#6c757d", "#fd7e14", "#ffc107", "#0dcaf0", "#adb5bd"]}]}});
    if (el("ch-body")) new window.Chart(el("ch-body"), {type: "bar", data: {labels: d.body.labels, datasets: [
        {label: "Thực hiện chậm", data: d.body.violation, backgroundColor: "#b02a37"},
        {label: "Quá hạn chưa thực hiện", data: d.body.overdue, backgroundColor: "#fd7e14"}]},
      options: {indexAxis: "y", scales: {x: Object.assign({stacked: true}, int), y: {stacked: true}}}});
  }

  function start() { periodFields(); charts(); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
