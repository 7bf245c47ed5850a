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

// Quiz auto-save: answers are kept as the learner goes, so leaving the page loses nothing.
// Without JavaScript the "Save and come back later" button does the same.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("form[data-autosave]");
    if (!form || !window.fetch || !window.FormData) { return; }
    var status = form.querySelector(".autosave-status");
    var timer = null;
    form.addEventListener("change", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        var data = new FormData(form);
        data.set("action", "save");
        fetch(form.action, { method: "POST", body: data, credentials: "same-origin",
                             headers: { "Accept": "application/json" } })
          .then(function (r) { return r.ok ? r.json() : null; })
          .then(function (j) {
            if (!status || !j || !j.saved) { return; }
            // An order with a step still at "Choose a position" is kept only once it is complete.
            status.textContent = j.not_saved && j.not_saved.length
              ? "Answers saved, except the order for \u201c" + j.not_saved.join("\u201d, \u201c") +
                "\u201d: give every step a different position and it is saved too."
              : "Answers saved.";
          })
          .catch(function () {});
      }, 600);
    });
  });
})();
