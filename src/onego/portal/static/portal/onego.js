/* OneGo portal: small accessibility helpers. Every page works without them (plain forms, server-side
   errors with aria-invalid); with JavaScript they add what a screen reader or keyboard user needs:
   - after a failed submit, focus moves to the error summary (it is announced and the links are next);
   - live validation (htmx saves a field as it changes) marks the field aria-invalid when its status
     partial reports an error, and clears it when the value is right. */
(function () {
  "use strict";

  function focusErrorSummary(root) {
    var summary = (root || document).querySelector(".error-summary");
    if (!summary) return;
    if (!summary.hasAttribute("tabindex")) summary.setAttribute("tabindex", "-1");
    summary.focus();
  }

  document.addEventListener("DOMContentLoaded", function () {
    focusErrorSummary(document);
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var field = event.detail && event.detail.elt;
    var xhr = event.detail && event.detail.xhr;
    if (!field || !xhr || !field.matches || !field.matches("input, select, textarea")) return;
    if (!/class="field-status"/.test(xhr.responseText || "")) return;
    var invalid = /data-invalid="true"/.test(xhr.responseText);
    if (invalid) field.setAttribute("aria-invalid", "true");
    else field.removeAttribute("aria-invalid");
    var wrapper = field.closest(".field");
    if (wrapper) wrapper.classList.toggle("has-error", invalid);
  });
})();
