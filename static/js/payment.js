// 整户缴费: the total due follows the ticked members (the server checks it again on submit).
(function () {
  "use strict";
  function cents(text) {
    var parts = String(text).split(".");
    return parseInt(parts[0], 10) * 100 + parseInt((parts[1] || "0").padEnd(2, "0").slice(0, 2), 10);
  }
  function shown(total) {
    var yuan = String(Math.floor(total / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    return yuan + "." + String(total % 100).padStart(2, "0");
  }
  function update() {
    var boxes = document.querySelectorAll("input[name=enrollments][data-amount]");
    var total = 0, subsidy = 0;
    for (var i = 0; i < boxes.length; i += 1) {
      if (boxes[i].checked) {
        total += cents(boxes[i].getAttribute("data-amount"));
        subsidy += cents(boxes[i].getAttribute("data-subsidy") || "0");
      }
    }
    var target = document.getElementById("amount-due");
    if (target) { target.textContent = shown(total); }
    var note = document.getElementById("subsidy-note"), subsidyShown = document.getElementById("subsidy-due");
    if (note && subsidyShown) { subsidyShown.textContent = shown(subsidy); note.hidden = subsidy === 0; }
  }
  function bind() {
    var boxes = document.querySelectorAll("input[name=enrollments][data-amount]");
    for (var i = 0; i < boxes.length; i += 1) { boxes[i].addEventListener("change", update); }
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", bind); } else { bind(); }
})();
