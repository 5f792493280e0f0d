// Every page: the language picker applies on change (without script, its button does); parts of
// a form marked data-shown-for-type show only for that question type (without script, all show).
"use strict";
(function () {
  var picker = document.getElementById("lang");
  if (picker) {
    picker.addEventListener("change", function () { picker.form.submit(); });
  }
  var type = document.querySelector("select[name=type]");
  var parts = document.querySelectorAll("[data-shown-for-type]");
  if (type && parts.length) {
    var follow = function () {
      parts.forEach(function (part) { part.hidden = part.dataset.shownForType !== type.value; });
    };
    type.addEventListener("change", follow);
    follow();
  }
})();
