// Keyboard: "/" focuses the search box (unless typing in a field already).
document.addEventListener("keydown", function (event) {
  if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
  var target = event.target;
  if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
  var box = document.getElementById("search-box");
  if (box) { event.preventDefault(); box.focus(); box.select(); }
});
