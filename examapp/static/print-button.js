/* A Print button for pages made to be printed; it stays hidden without JavaScript (Ctrl+P still works). */
"use strict";
document.querySelectorAll("button[data-print]").forEach((button) => {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
});
