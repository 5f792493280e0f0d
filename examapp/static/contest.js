// Contest pages: the countdown to a round's opening or close (from the server's clock, not the
// phone's), and the live board. The board listens to the server's stream of updates; where the
// stream is not served (or drops) it reads the board again every few seconds instead.
"use strict";
(function () {
  var POLL_SECONDS = 5;

  document.querySelectorAll("[data-countdown]").forEach(function (el) {
    var target = Date.parse(el.dataset.countdown);
    var skew = Date.parse(el.dataset.serverNow) - Date.now();  // server time minus this clock
    var left = el.querySelector("[data-countdown-left]");
    function tick() {
      var s = Math.max(0, Math.round((target - (Date.now() + skew)) / 1000));
      var d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600), m = Math.floor(s % 3600 / 60);
      left.textContent = "(" + (d ? d + "d " : "") + h + ":" + String(m).padStart(2, "0") + ":" +
        String(s % 60).padStart(2, "0") + ")";
      if (s > 0) { setTimeout(tick, 1000); }
    }
    tick();
  });

  var board = document.querySelector("[data-board]");
  if (!board) { return; }
  var body = board.querySelector("[data-board-body]");
  var mine = body.querySelector("tr.me");
  var mineId = mine ? mine.dataset.participant : null;

  function cell(row, text, numeric) {
    var td = document.createElement("td");
    td.textContent = text;
    if (numeric) { td.className = "num"; }
    row.appendChild(td);
  }

  function show(data) {
    var rows = document.createDocumentFragment();
    data.entries.forEach(function (e) {
      var row = document.createElement("tr");
      row.dataset.participant = String(e.participant_id);
      if (String(e.participant_id) === mineId) { row.className = "me"; row.setAttribute("aria-current", "true"); }
      cell(row, String(e.rank));
      cell(row, e.name);
      cell(row, e.unit);
      cell(row, e.score.toLocaleString(document.documentElement.lang), true);
      cell(row, e.time_seconds.toFixed(1) + " s", true);
      rows.appendChild(row);
    });
    if (data.entries.length) { body.replaceChildren(rows); }
  }

  function poll() {
    fetch(board.dataset.boardPoll, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) { show(data); } })
      .catch(function () {})
      .then(function () { setTimeout(poll, POLL_SECONDS * 1000); });
  }

  if (!window.EventSource) { poll(); return; }
  var source = new EventSource(board.dataset.boardStream);
  source.addEventListener("board", function (event) { show(JSON.parse(event.data)); });
  source.addEventListener("error", function () {
    // A dropped stream reconnects by itself; one refused (not served here) is closed: poll instead.
    if (source.readyState === EventSource.CLOSED) { poll(); }
  });
})();
