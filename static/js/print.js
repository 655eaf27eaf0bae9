// Print buttons: every element with a data-print attribute prints the page.
// Bound here because the Content-Security-Policy forbids inline scripts.
(function () {
  "use strict";
  function bind() {
    var buttons = document.querySelectorAll("[data-print]");
    for (var i = 0; i < buttons.length; i += 1) {
      buttons[i].addEventListener("click", function (event) {
        event.preventDefault();
        window.print();
      });
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", bind);
  } else {
    bind();
  }
})();
