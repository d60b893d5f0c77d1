// Dashboard: violations found this period, by responsible body (data from json_script "by-body-data").
(function () {
  "use strict";
  function draw() {
    var el = document.getElementById("by-body");
    var src = document.getElementById("by-body-data");
    if (!el || !src || !window.Chart) return;
    var data = JSON.parse(src.textContent);
    new window.Chart(el, {type: "bar", data: {labels: data.map(function (r) { return r[0]; }),
      datasets: [{label: "Số vi phạm", data: data.map(function (r) { return r[1]; }), backgroundColor: "#b02a37"}]},
      options: {indexAxis: "y", plugins: {legend: {display: false}}, scales: {x: {beginAtZero: true, ticks: {precision: 0}}}}});
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw); else draw();
})();
