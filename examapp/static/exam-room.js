/* The proctor's exam room: refresh the live list every 5 seconds and ask before a final action
   (the exam's page uses it too, to ask before deleting the exam).
   Without JavaScript the page refreshes itself and each final action has a confirmation page. */
"use strict";
(() => {
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!form.matches("form[data-confirm]")) return;
    if (!window.confirm(form.dataset.confirm)) {
      event.preventDefault();
      return;
    }
    const confirmed = document.createElement("input");
    confirmed.type = "hidden";
    confirmed.name = "confirmed";
    confirmed.value = "y";
    form.append(confirmed);
  });

  const live = document.getElementById("room-live");
  if (!live) return;
  const busy = () => live.contains(document.activeElement); // never swap a form in use
  async function refresh() {
    if (busy()) return;
    try {
      const response = await fetch(live.dataset.url, { credentials: "same-origin" });
      if (response.ok && !busy()) live.innerHTML = await response.text();
    } catch { /* offline: keep the last list */ }
  }
  setInterval(refresh, 5000);
})();
