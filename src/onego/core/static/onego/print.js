// Buttons marked data-print open the browser's print dialogue (an inline onclick would need the
// Content-Security-Policy to allow inline script).
document.addEventListener("click", function (ev) {
  if (ev.target.closest("[data-print]")) window.print();
});
