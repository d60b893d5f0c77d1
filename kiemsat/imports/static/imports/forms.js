// The import pages' forms, without inline handlers (CSP):
// - form[data-confirm="…"]: ask before submitting (deleting a mapping profile, discarding an upload);
// - form[data-once]: submit once; while the server works, show [data-busy-show] and hide [data-busy-hide]
//   inside the form. data-once="import" limits this to the submit button whose value is "import".
(function () {
  "use strict";
  document.addEventListener("submit", function (e) {
    var f = e.target;
    if (!f || !f.dataset) { return; }
    if (f.dataset.confirm && !window.confirm(f.dataset.confirm)) {
      e.preventDefault();
      return;
    }
    if (f.dataset.once === undefined) { return; }
    if (f.dataset.busy === "1") {
      e.preventDefault();
      return;
    }
    var want = f.dataset.once;
    if (want && !(e.submitter && e.submitter.value === want)) { return; }
    f.dataset.busy = "1";
    f.querySelectorAll("[data-busy-show]").forEach(function (el) { el.style.display = ""; });
    f.querySelectorAll("[data-busy-hide]").forEach(function (el) { el.style.display = "none"; });
  }, false);
})();
