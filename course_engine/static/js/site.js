// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";
  // Prevent a double-clicked submit from sending a form twice (the server copes anyway).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset.submitted === "1") { event.preventDefault(); return; }
    form.dataset.submitted = "1";
    window.setTimeout(function () { form.dataset.submitted = ""; }, 4000);
  }, true);
  // Move focus to an error summary, or to the page heading when asked, so screen readers
  // announce what changed before anything else.
  document.addEventListener("DOMContentLoaded", function () {
    var target = document.querySelector("[data-focus-on-load]");
    if (target) { target.focus(); }
  });
})();
