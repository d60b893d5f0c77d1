// Keyboard: "/" focuses the search box; Escape leaves it.
document.addEventListener("keydown", function (e) {
  if (e.key === "/" && !/^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement.tagName)) {
    var box = document.getElementById("q") || document.getElementById("global-search");
    if (box) { e.preventDefault(); box.focus(); box.select(); }
  }
});

// Small behaviours driven by data- attributes, so templates need no inline script or on*= handler
// (the Content-Security-Policy forbids both).
(function () {
  "use strict";

  function fieldValue(form, name) {
    var els = form.querySelectorAll('[name="' + name + '"]');
    for (var i = 0; i < els.length; i++) {
      var el = els[i];
      if (el.type === "radio" || el.type === "checkbox") { if (el.checked) return el.value; }
      else return el.value;
    }
    return "";
  }

  // <div data-show-if="kind=law_change|other"> shown only when the form's field "kind" has one of the values
  // <form data-field-map="event-fields" data-field-map-key="code"> + <div data-map-field="number">:
  //   shown when the json_script map says the chosen code uses that field (or nothing is chosen)
  function refresh(form) {
    form.querySelectorAll("[data-show-if]").forEach(function (el) {
      var spec = el.getAttribute("data-show-if").split("=");
      el.hidden = spec[1].split("|").indexOf(fieldValue(form, spec[0])) < 0;
    });
    var mapId = form.getAttribute("data-field-map");
    if (mapId) {
      var src = document.getElementById(mapId);
      var map = src ? JSON.parse(src.textContent) : {};
      var code = fieldValue(form, form.getAttribute("data-field-map-key") || "code");
      form.querySelectorAll("[data-map-field]").forEach(function (el) {
        var f = el.getAttribute("data-map-field");
        el.hidden = !(!code || !map[code] || map[code][f]);
      });
    }
  }

  function init(root) {
    root.querySelectorAll("form").forEach(function (form) {
      if (form.querySelector("[data-show-if]") || form.hasAttribute("data-field-map")) refresh(form);
    });
  }

  document.addEventListener("change", function (e) {
    var t = e.target;
    if (t.matches && t.matches("[data-autosubmit]") && t.form) { t.form.submit(); return; }
    if (t.matches && t.matches("[data-check-all]")) {
      document.querySelectorAll(t.getAttribute("data-check-all")).forEach(function (c) { c.checked = t.checked; });
    }
    if (t.form && (t.form.querySelector("[data-show-if]") || t.form.hasAttribute("data-field-map"))) refresh(t.form);
  });

  document.addEventListener("submit", function (e) {
    var f = e.target;
    if (f.hasAttribute && f.hasAttribute("data-confirm") && !window.confirm(f.getAttribute("data-confirm"))) {
      e.preventDefault();
      return;
    }
    // <form data-busy>: disable its submit buttons once sent (no double import / double backup)
    if (f.hasAttribute && f.hasAttribute("data-busy")) {
      if (f.dataset.sent) { e.preventDefault(); return; }
      f.dataset.sent = "1";
      f.querySelectorAll("[data-busy-show]").forEach(function (el) { el.hidden = false; });
      setTimeout(function () { f.querySelectorAll("button[type=submit]").forEach(function (b) { b.classList.add("disabled"); }); }, 0);
    }
  });

  // <button data-formset-add="PREFIX" data-template="ID" data-rows="ID">: append one empty form of a formset
  document.addEventListener("click", function (e) {
    var b = e.target.closest && e.target.closest("[data-formset-add]");
    if (!b) return;
    var prefix = b.getAttribute("data-formset-add");
    var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
    var tpl = document.getElementById(b.getAttribute("data-template"));
    var rows = document.getElementById(b.getAttribute("data-rows"));
    if (!total || !tpl || !rows) return;
    var n = parseInt(total.value, 10);
    rows.insertAdjacentHTML("beforeend", tpl.innerHTML.replace(/__prefix__/g, String(n)));
    total.value = String(n + 1);
    var first = rows.lastElementChild && rows.lastElementChild.querySelector("input");
    if (first) first.focus();
  });

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", function () { init(document); });
  else init(document);
  document.addEventListener("htmx:afterSwap", function (e) { init(e.target); });
})();
