// Keyboard: "/" focuses the search box; Escape leaves it.
document.addEventListener("keydown", function (e) {
  if (e.key === "/" && !/^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement.tagName)) {
    var box = document.getElementById("q") || document.getElementById("global-search");
    if (box) { e.preventDefault(); box.focus(); box.select(); }
  }
});
