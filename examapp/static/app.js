// Every page: the language picker applies on change (without script, its button does).
"use strict";
(function () {
  var picker = document.getElementById("lang");
  if (picker) {
    picker.addEventListener("change", function () { picker.form.submit(); });
  }
})();
