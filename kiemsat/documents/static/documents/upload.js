// Digitised dossiers: drag & drop or pick several files, upload with a progress bar (XHR), show the
// server's verdict for each file (accepted, refused with its reason, duplicate), then refresh.
(function () {
  "use strict";

  function esc(s) {
    var d = document.createElement("div");
    d.textContent = s == null ? "" : String(s);
    return d.innerHTML;
  }

  function setup(form) {
    if (form.dataset.ready) { return; }
    form.dataset.ready = "1";
    var zone = form.querySelector("[data-drop]");
    var input = form.querySelector("[data-files]");
    var chosen = form.querySelector("[data-chosen]");
    var bar = form.querySelector("[data-progress]");
    var fill = bar.querySelector(".progress-bar");
    var results = form.querySelector("[data-results]");
    var picked = [];

    function show() {
      chosen.textContent = picked.length ? picked.length + " tệp: " + picked.map(function (f) { return f.name; }).join(", ") : "";
    }
    input.addEventListener("change", function () { picked = Array.prototype.slice.call(input.files); show(); });
    ["dragenter", "dragover"].forEach(function (ev) {
      zone.addEventListener(ev, function (e) { e.preventDefault(); zone.classList.add("border-primary"); });
    });
    ["dragleave", "drop"].forEach(function (ev) {
      zone.addEventListener(ev, function (e) { e.preventDefault(); zone.classList.remove("border-primary"); });
    });
    zone.addEventListener("drop", function (e) {
      picked = Array.prototype.slice.call(e.dataTransfer.files || []);
      show();
      if (picked.length) { send(); }
    });
    zone.addEventListener("keydown", function (e) {
      if (e.key === "Enter" || e.key === " ") { e.preventDefault(); input.click(); }
    });
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      if (!picked.length) { input.click(); return; }
      send();
    });

    function send() {
      var data = new FormData();
      form.querySelectorAll("input[type=hidden], select, input[name=number]").forEach(function (el) {
        if (el.name) { data.append(el.name, el.value); }
      });
      picked.forEach(function (f) { data.append("files", f, f.name); });
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.setRequestHeader("Accept", "application/json");
      bar.classList.remove("d-none");
      results.innerHTML = "";
      xhr.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) {
          var p = Math.round(100 * e.loaded / e.total);
          fill.style.width = p + "%";
          fill.textContent = p + "%";
        }
      });
      xhr.addEventListener("load", function () {
        fill.style.width = "100%";
        fill.textContent = "100%";
        var body;
        try { body = JSON.parse(xhr.responseText); } catch (err) { body = {results: [{name: "", ok: false, message: "Máy chủ trả lời không hợp lệ (" + xhr.status + ")."}]}; }
        var ok = 0;
        (body.results || []).forEach(function (r) {
          if (r.ok) { ok += 1; }
          var li = document.createElement("li");
          li.className = r.ok ? "text-success" : "text-danger";
          li.innerHTML = (r.ok ? '<i class="bi bi-check-circle"></i> ' : '<i class="bi bi-x-circle"></i> ') +
            esc(r.name) + (r.message ? " — " + esc(r.message) : "");
          results.appendChild(li);
        });
        picked = [];
        input.value = "";
        show();
        if (ok && !(body.results || []).some(function (r) { return !r.ok; })) {
          window.setTimeout(function () { window.location.reload(); }, 800);
        } else if (ok) {
          var li = document.createElement("li");
          li.innerHTML = '<a href="">Tải lại trang để xem các tệp đã nhận</a>';
          results.appendChild(li);
        }
      });
      xhr.addEventListener("error", function () {
        results.innerHTML = '<li class="text-danger">Mất kết nối tới máy chủ; chưa tải lên được.</li>';
      });
      xhr.send(data);
    }
  }

  function init() { document.querySelectorAll("form[data-upload]").forEach(setup); }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
