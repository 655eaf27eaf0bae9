// The 冲正 dialog (templates/benefits/reverse_dialog.html): the button that opened it names the
// settlement (data-reverse-url, data-reverse-bill); the form posts there. No inline script: CSP.
(function () {
  "use strict";
  var dialog = document.getElementById("reverse-dialog");
  if (!dialog) {
    return;
  }
  dialog.addEventListener("show.bs.modal", function (event) {
    var button = event.relatedTarget;
    if (!button || !button.getAttribute("data-reverse-url")) {
      return;
    }
    document.getElementById("reverse-form").setAttribute("action", button.getAttribute("data-reverse-url"));
    var shown = dialog.querySelector("[data-reverse-bill-shown]");
    if (shown) {
      shown.textContent = button.getAttribute("data-reverse-bill") || "";
    }
  });
  dialog.addEventListener("shown.bs.modal", function () {
    document.getElementById("reverse-reason").focus();
  });
})();
