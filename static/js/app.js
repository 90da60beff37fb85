// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";
  // Move keyboard and screen-reader focus to a form's error summary.
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.querySelector(".form-errors");
    if (summary) { summary.focus(); }
  });
  // htmx swaps error responses too (so a 400 form with its messages replaces the form).
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr && event.detail.xhr.status === 400) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
  // A print button (certificates): the browser's own print dialog.
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-print]")) { window.print(); }
  });
})();
