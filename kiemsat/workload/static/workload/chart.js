// Workload bar chart: scores per staff member (data from the json_script "workload-data").
(function () {
  "use strict";
  function draw() {
    var el = document.getElementById("workload-chart");
    var src = document.getElementById("workload-data");
    if (!el || !src || !window.Chart) return;
    var d = JSON.parse(src.textContent);
    new window.Chart(el, {
      type: "bar",
      data: {
        labels: d.labels,
        datasets: [
          {label: "Điểm khối lượng", data: d.scores, backgroundColor: "#0d6efd"},
          {label: "Vụ việc đang mở", data: d.open, backgroundColor: "#adb5bd"}
        ]
      },
      options: {indexAxis: "y", responsive: true, scales: {x: {beginAtZero: true}},
                plugins: {legend: {position: "bottom"}}}
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw); else draw();
})();
