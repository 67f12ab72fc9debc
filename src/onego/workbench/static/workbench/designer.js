// The package designer: jump from an error to its line in the editor (the only script of the page
// besides htmx). A static file, not an inline block, so the Content-Security-Policy needs no exception.
document.addEventListener("click", function (ev) {
  var b = ev.target.closest("[data-line]");
  if (!b) return;
  var ta = document.getElementById("definition");
  var line = parseInt(b.getAttribute("data-line"), 10) || 1;
  var lines = ta.value.split("\n"), start = 0;
  for (var i = 0; i < line - 1 && i < lines.length; i++) start += lines[i].length + 1;
  ta.focus();
  ta.setSelectionRange(start, start + (lines[line - 1] || "").length);
  ta.scrollTop = Math.max(0, (line - 4) * (parseFloat(getComputedStyle(ta).lineHeight) || 20));
});
