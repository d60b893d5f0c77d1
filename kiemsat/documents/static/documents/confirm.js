// Forms with data-confirm="…" ask before submitting (e.g. deleting a file).
document.addEventListener("submit", function (e) {
  var f = e.target;
  if (f && f.dataset && f.dataset.confirm && !window.confirm(f.dataset.confirm)) { e.preventDefault(); }
}, true);
