// Forms marked data-busy-retry (logging in, starting an exam) are sent in the background. While the
// server answers 503 (busy saving the answers of candidates already sitting) the form is sent again
// after the server's Retry-After, waiting a little longer each time, and the page says so. Any
// other answer takes the page as a normal submit would. Without script the form posts as usual and
// a busy server shows a page with a link to try again.
"use strict";
(function () {
  var MAX_WAIT_SECONDS = 30;

  function pause(seconds) {
    return new Promise(function (resolve) { setTimeout(resolve, seconds * 1000); });
  }

  function show(response) {
    if (response.redirected) {
      window.location.assign(response.url);
      return Promise.resolve();
    }
    return response.text().then(function (html) {
      document.open();
      document.write(html);
      document.close();
    });
  }

  function send(form, body, status) {
    var tries = 0;
    var next = function () {
      return fetch(form.action, { method: "POST", body: body, credentials: "same-origin" })
        .catch(function () { return null; })  // the network dropped it: the same as busy
        .then(function (response) {
          if (response && response.status !== 503) { return show(response); }
          tries += 1;
          var asked = Number(response && response.headers.get("Retry-After")) || 2;
          var seconds = Math.min(MAX_WAIT_SECONDS, asked * Math.pow(1.5, tries - 1));
          seconds = Math.max(1, Math.round(seconds * (0.8 + Math.random() * 0.4)));
          status.textContent = status.dataset.message.replace("{seconds}", String(seconds));
          status.hidden = false;
          return pause(seconds).then(next);
        });
    };
    return next();
  }

  document.querySelectorAll("form[data-busy-retry]").forEach(function (form) {
    var status = form.querySelector("[data-busy-status]");
    if (!status || !window.fetch) { return; }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var submitter = event.submitter || null;
      var body = new FormData(form, submitter);  // before disabling: a disabled button is not sent
      if (submitter) { submitter.disabled = true; }
      send(form, body, status);
    });
  });
})();
