/* The exam paper, enhanced: every click is saved at once, a dropped network is retried with
   backoff (the latest selection wins), the timer counts down to the server's deadline, and at the
   deadline the paper submits itself. Without this file the same markup is a plain form. */
"use strict";
(() => {
  const form = document.getElementById("paper");
  if (!form) return;

  const T = JSON.parse(document.getElementById("paper-strings").textContent);
  const api = form.dataset.api;
  const resultUrl = form.dataset.resultUrl;
  const graceMs = Number(form.dataset.graceSeconds || 5) * 1000;
  const csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  const questions = [...form.querySelectorAll(".question")];
  const byId = new Map(questions.map((q) => [q.dataset.qid, q]));
  const palette = new Map([...document.querySelectorAll(".palette a")].map((a) => [a.dataset.qid, a]));
  const timerBox = document.getElementById("timer");
  const timeLeft = document.getElementById("time-left");
  const saveState = document.getElementById("save-state");
  const banner = document.getElementById("retry-banner");
  const announcer = document.getElementById("announcer");
  const summary = document.getElementById("summary");

  let deadline = Date.parse(form.dataset.deadline);
  let offset = Date.parse(form.dataset.serverTime) - Date.now(); // server clock minus this clock
  let locked = false;
  let closing = false;
  let loggedOut = false;
  let current = 0;
  const pending = new Map(); // question id -> {options, flagged} still to save; the latest wins
  const inflight = new Set();
  const failing = new Set();
  const refused = new Map();
  const announced = new Set();
  let retryDelay = 0;
  let retryTimer = null;

  const notSaved = (n) => (n === 1 ? T.unsaved_1 : T.unsaved_n.replace("{n}", n));
  const key = (what) => `examapp:${what}:${form.dataset.attempt}`;
  const load = (what, fallback) => {
    try { return JSON.parse(localStorage.getItem(key(what))) ?? fallback; } catch { return fallback; }
  };
  const keep = (what, value) => {
    try { localStorage.setItem(key(what), JSON.stringify(value)); } catch { /* private mode */ }
  };

  const selection = (q) => [...q.querySelectorAll(".options input:checked")].map((i) => Number(i.value));
  const isFlagged = (q) => q.querySelector(".flag input").checked;
  const stateOf = (q) => ({ options: selection(q), flagged: isFlagged(q) });
  const same = (a, b) => a.flagged === b.flagged && a.options.length === b.options.length
    && a.options.every((v, i) => v === b.options[i]);

  /* ---- what the candidate sees ---- */

  function questionState(q) {
    const id = q.dataset.qid;
    if (refused.has(id)) return ["refused", `${T.refused} ${refused.get(id)}`];
    if (failing.has(id)) return ["unsaved", T.unsaved];
    if (pending.has(id)) return ["saving", T.saving];
    return selection(q).length ? ["saved", T.saved] : ["empty", T.not_answered];
  }

  function render() {
    for (const q of questions) {
      const [state, text] = questionState(q);
      const box = q.querySelector(".q-state");
      box.dataset.state = state;
      box.textContent = text;
      const link = palette.get(q.dataset.qid);
      const answered = selection(q).length > 0;
      const flagged = isFlagged(q);
      link.classList.toggle("answered", answered);
      link.classList.toggle("flagged", flagged);
      link.classList.toggle("unsaved", state === "unsaved" || state === "refused");
      const words = [answered ? T.answered : T.unanswered];
      if (flagged) words.push(T.flagged);
      link.setAttribute("aria-label", `${link.dataset.label}: ${words.join(", ")}`);
    }
    let text = T.all_saved;
    let state = "saved";
    if (failing.size) {
      text = loggedOut ? T.logged_out : notSaved(failing.size);
      state = "unsaved";
    } else if (pending.size) {
      text = T.saving;
      state = "saving";
    }
    if (!locked && saveState.textContent !== text) saveState.textContent = text;
    saveState.dataset.state = state;
    banner.hidden = failing.size === 0;
    if (!banner.hidden) banner.textContent = loggedOut ? T.logged_out : T.retrying;
  }

  /* ---- saving ---- */

  function changed(q) {
    const id = q.dataset.qid;
    pending.set(id, stateOf(q));
    refused.delete(id);
    keep("pending", Object.fromEntries(pending));
    flush();
  }

  function flush() {
    for (const [id, state] of pending) {
      if (!inflight.has(id)) send(id, state);
    }
    render();
  }

  async function send(id, state) {
    inflight.add(id);
    let outcome = "retry";
    let message = "";
    try {
      const response = await fetch(`${api}/answers/${id}`, {
        method: "PUT",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf },
        body: JSON.stringify(state),
      });
      loggedOut = response.status === 401;
      if (response.ok) outcome = "saved";
      else if (response.status === 409 || response.status === 410) outcome = "closed";
      else if (response.status < 500 && response.status !== 429 && response.status !== 401) {
        outcome = "refused";
        message = await errorMessage(response);
      }
    } catch {
      outcome = "retry"; // the network dropped: keep it and try again
    }
    inflight.delete(id);
    if (outcome === "closed") {
      finish();
      return;
    }
    const latest = pending.get(id);
    if (outcome === "retry") {
      failing.add(id);
      scheduleRetry();
    } else {
      failing.delete(id);
      if (outcome === "refused") refused.set(id, message);
      if (latest && same(latest, state)) pending.delete(id);
      else if (latest) send(id, latest);
      if (!failing.size) retryDelay = 0;
      keep("pending", Object.fromEntries(pending));
    }
    render();
  }

  async function errorMessage(response) {
    try { return (await response.json()).error.message; } catch { return String(response.status); }
  }

  function scheduleRetry() {
    if (retryTimer) return;
    retryDelay = Math.min(Math.max(1000, retryDelay * 2), 15000);
    retryTimer = setTimeout(() => {
      retryTimer = null;
      flush();
    }, retryDelay + Math.random() * 500);
  }

  function retryNow() {
    clearTimeout(retryTimer);
    retryTimer = null;
    retryDelay = 0;
    flush();
  }

  function settled(timeoutMs) {
    return new Promise((resolve) => {
      const start = Date.now();
      const check = () => {
        if (!pending.size) resolve(true);
        else if (Date.now() - start >= timeoutMs) resolve(false);
        else setTimeout(check, 100);
      };
      check();
    });
  }

  /* ---- time ---- */

  function format(ms) {
    const total = Math.max(0, Math.ceil(ms / 1000));
    const h = Math.floor(total / 3600);
    const m = Math.floor((total % 3600) / 60);
    const s = String(total % 60).padStart(2, "0");
    return h ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
  }

  function tick() {
    const left = deadline - (Date.now() + offset);
    timeLeft.textContent = format(left);
    timerBox.classList.toggle("low", left <= 5 * 60 * 1000);
    for (const [minutes, text] of [[5, T.five_minutes], [1, T.one_minute]]) {
      if (left <= minutes * 60 * 1000 && left > 0 && !announced.has(minutes)) {
        announced.add(minutes);
        announcer.textContent = text;
      }
    }
    if (left <= 0 && !locked) timeUp();
  }

  async function sync() {
    try {
      const response = await fetch(api, { credentials: "same-origin", headers: { Accept: "application/json" } });
      const arrived = Date.now();
      if (!response.ok) return;
      const state = await response.json();
      if (state.server_time) offset = Date.parse(state.server_time) - arrived;
      if (state.deadline) deadline = Date.parse(state.deadline);
      if (state.status && state.status !== "in_progress") finish();
    } catch { /* offline: keep counting with the last known offset */ }
  }

  async function timeUp() {
    if (closing) return;
    closing = true;
    await sync(); // a proctor may have just given more time
    if (deadline - (Date.now() + offset) > 0 || form.dataset.finished) {
      closing = false;
      return;
    }
    lock(T.time_up);
    await settled(Math.max(graceMs - 1000, 500));
    submit();
  }

  function lock(message) {
    locked = true;
    for (const input of form.querySelectorAll(".question input")) input.disabled = true;
    announcer.textContent = message;
    saveState.textContent = message;
  }

  async function submit() {
    try {
      const response = await fetch(`${api}/submit`, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf },
        body: "{}",
      });
      const retryable = response.status >= 500 || response.status === 429 || response.status === 401;
      if (!retryable) {
        finish(); // submitted, or refused for good: the result page says which
        return;
      }
    } catch { /* offline: try again below */ }
    banner.hidden = false;
    banner.textContent = T.submit_retrying;
    setTimeout(submit, 3000);
  }

  function finish() {
    if (form.dataset.finished) return;
    form.dataset.finished = "1";
    locked = true;
    try {
      for (const what of ["pending", "current"]) localStorage.removeItem(key(what));
    } catch { /* nothing stored */ }
    window.location.assign(resultUrl);
  }

  /* ---- moving around, the summary ---- */

  function show(index, focus) {
    current = Math.max(0, Math.min(questions.length - 1, index));
    questions.forEach((q, i) => q.classList.toggle("current", i === current));
    for (const link of palette.values()) link.removeAttribute("aria-current");
    palette.get(questions[current].dataset.qid).setAttribute("aria-current", "step");
    document.getElementById("prev").disabled = current === 0;
    document.getElementById("next").disabled = current === questions.length - 1;
    keep("current", current);
    if (focus) questions[current].querySelector(".q-title").focus();
  }

  function openSummary() {
    const answered = questions.filter((q) => selection(q).length).length;
    const flagged = questions.filter(isFlagged).length;
    document.getElementById("sum-answered").textContent = answered;
    document.getElementById("sum-unanswered").textContent = questions.length - answered;
    document.getElementById("sum-flagged").textContent = flagged;
    const list = document.getElementById("sum-open");
    list.replaceChildren();
    questions.forEach((q, i) => {
      if (selection(q).length && !isFlagged(q)) return;
      const item = document.createElement("li");
      const go = document.createElement("button");
      go.type = "button";
      go.textContent = palette.get(q.dataset.qid).getAttribute("aria-label");
      go.addEventListener("click", () => {
        summary.close();
        show(i, true);
      });
      item.append(go);
      list.append(item);
    });
    document.getElementById("sum-warning").hidden = true;
    summary.showModal();
  }

  async function confirmSubmit() {
    const button = document.getElementById("sum-submit");
    button.disabled = true;
    retryNow();
    const done = await settled(10000);
    button.disabled = false;
    if (!done) {
      const warning = document.getElementById("sum-warning");
      warning.hidden = false;
      warning.textContent = notSaved(pending.size);
      return;
    }
    summary.close();
    lock(T.submitting);
    submit();
  }

  /* ---- wiring ---- */

  form.classList.add("paged");
  for (const el of document.querySelectorAll(".js-only")) el.hidden = false;
  for (const el of document.querySelectorAll(".nojs-only")) el.hidden = true;

  // Selections not yet saved when the page was last closed (a crash while offline) come back.
  for (const [id, state] of Object.entries(load("pending", {}))) {
    const q = byId.get(id);
    if (!q || !state || !Array.isArray(state.options)) continue;
    for (const input of q.querySelectorAll(".options input")) {
      input.checked = state.options.includes(Number(input.value));
    }
    q.querySelector(".flag input").checked = Boolean(state.flagged);
    pending.set(id, stateOf(q));
  }

  form.addEventListener("change", (event) => {
    const q = event.target.closest(".question");
    if (q && !locked) changed(q);
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!locked) openSummary();
  });
  questions.forEach((q, i) => {
    palette.get(q.dataset.qid).addEventListener("click", (event) => {
      event.preventDefault();
      show(i, true);
    });
  });
  document.getElementById("prev").addEventListener("click", () => show(current - 1, true));
  document.getElementById("next").addEventListener("click", () => show(current + 1, true));
  document.getElementById("sum-submit").addEventListener("click", confirmSubmit);
  document.getElementById("sum-back").addEventListener("click", () => summary.close());
  window.addEventListener("online", () => {
    retryNow();
    sync();
  });
  window.addEventListener("beforeunload", (event) => {
    if (pending.size && !form.dataset.finished) event.preventDefault();
  });

  const fromHash = questions.findIndex((q) => `#${q.id}` === window.location.hash);
  show(fromHash >= 0 ? fromHash : Number(load("current", 0)), false);
  flush();
  tick();
  setInterval(tick, 500);
  sync();
  setInterval(sync, 30000);
})();
