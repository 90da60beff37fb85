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
  // A long export (a list's every row): read as it arrives, with its progress shown beside the
  // link, then saved under the server's file name. Without this the link downloads as usual.
  function fileName(response, fallback) {
    var header = response.headers.get("Content-Disposition") || "";
    var match = /filename\*=UTF-8''([^;]+)/.exec(header);
    return match ? decodeURIComponent(match[1]) : fallback;
  }
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-export]");
    if (!link || !window.fetch || !window.ReadableStream) { return; }
    event.preventDefault();
    var progress = link.parentNode.querySelector(".export-progress");
    if (progress) { progress.hidden = false; progress.removeAttribute("value"); }
    fetch(link.href, { credentials: "same-origin" }).then(function (response) {
      if (!response.ok || !response.body) { window.location.href = link.href; return null; }
      var rows = parseInt(response.headers.get("X-Export-Rows") || "0", 10);
      var length = parseInt(response.headers.get("Content-Length") || "0", 10);
      var csv = (response.headers.get("Content-Type") || "").indexOf("text/csv") === 0;
      var reader = response.body.getReader(), chunks = [], received = 0, lines = 0;
      function pump() {
        return reader.read().then(function (step) {
          if (step.done) { return new Blob(chunks, { type: response.headers.get("Content-Type") || "" }); }
          chunks.push(step.value);
          received += step.value.length;
          if (csv) { for (var i = 0; i < step.value.length; i++) { if (step.value[i] === 10) { lines++; } } }
          if (progress) {
            if (csv && rows) { progress.max = rows + 1; progress.value = lines; }
            else if (length) { progress.max = length; progress.value = received; }
          }
          return pump();
        });
      }
      return pump().then(function (blob) {
        var url = URL.createObjectURL(blob), save = document.createElement("a");
        save.href = url; save.download = fileName(response, "export");
        document.body.appendChild(save); save.click(); save.remove();
        setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
        if (progress) { progress.max = 1; progress.value = 1; }
      });
    }).catch(function () { window.location.href = link.href; });
  });
})();
