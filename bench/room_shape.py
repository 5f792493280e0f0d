"""The exam burst as a room lives it: candidates arrive over a minute, log in (half by password, half
by ticket), start, and save as soon as their paper is on screen, each at its own pace, so logins,
starts and saves overlap. Once everyone sits, the room offers a fixed rate of saves.

Every call is timed from when it was due, not from when the client got round to it, so a slow
server shows. A 503 (the server shedding logins and starts) is waited out as the page does: after
its Retry-After, with a little jitter, and sent again. At the end every acknowledged answer and
every score is checked against PostgreSQL."""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field
from decimal import Decimal

import aiohttp
import psycopg
from burst_kit import PASSWORD, QUESTIONS, ROOM_CODE, Calls, Seeded, admitted, call, cpu_by_group, pct

WINDOW = 30.0  # seconds per window of the save p99 once everyone sits


@dataclass
class Candidate:
    username: str
    by_password: bool
    arrival: float
    cookie: str | None = None
    attempt_id: int | None = None
    paper_at: float | None = None
    acked: dict[int, tuple[int, frozenset[int]]] = field(default_factory=dict)
    score: float | None = None


@dataclass
class RoomRun:
    rate: float
    interval: float
    calls: Calls
    candidates: list[Candidate]
    first_arrival: float
    ended: float
    cpu: dict[str, float]
    checked: dict[str, int] = field(default_factory=dict)


def _choice(question: dict, rng: random.Random) -> list[int]:
    ids = [o["id"] for o in question["options"]]
    if question["type"] == "multiple":
        return rng.sample(ids, rng.randint(1, len(ids)))
    return [rng.choice(ids)]


async def _until(when: float) -> None:
    delay = when - time.perf_counter()
    if delay > 0:
        await asyncio.sleep(delay)


async def _sit(http: aiohttp.ClientSession, calls: Calls, base: str, seeded: Seeded, c: Candidate,
               saves: int, interval: float) -> None:
    rng = random.Random(c.username)
    await _until(c.arrival)
    if c.by_password:
        kind, path, body = "login (password)", "/api/v1/auth/login", {"username": c.username,
                                                                      "password": PASSWORD}
    else:
        kind, path, body = "login (ticket)", "/api/v1/auth/ticket", {"ticket": seeded.tickets[c.username]}
    status, _, response = await admitted(http, calls, kind, base + path, body, None, c.arrival, rng)
    if status != 200 or response is None or "session" not in response.cookies:
        return
    c.cookie = response.cookies["session"].value
    status, paper, _ = await admitted(http, calls, "start", f"{base}/api/v1/exams/{seeded.exam_id}/attempts",
                                       {"room_code": ROOM_CODE}, c.cookie, time.perf_counter(), rng)
    if status not in (200, 201):
        return
    c.paper_at, c.attempt_id = time.perf_counter(), paper["attempt_id"]
    questions = paper["questions"]
    # the paper in order, then changed minds on a few questions
    plan = questions + rng.sample(questions, max(0, saves - len(questions)))
    for k, question in enumerate(plan[:saves], start=1):
        due = c.paper_at + k * interval
        await _until(due)
        options = _choice(question, rng)
        status, reply, _ = await call(http, calls, "save", "PUT",
                                      f"{base}/api/v1/attempts/{c.attempt_id}/answers/{question['id']}",
                                      c.cookie, {"options": options}, began=due)
        if status == 200:
            c.acked[question["id"]] = (reply["revision"], frozenset(options))
    due = c.paper_at + (saves + 1) * interval
    await _until(due)
    status, result, _ = await call(http, calls, "submit", "POST",
                                   f"{base}/api/v1/attempts/{c.attempt_id}/submit", c.cookie, {}, began=due)
    if status == 200:
        c.score = result.get("score")


async def room(base: str, seeded: Seeded, rate: float, args, roots: dict[str, int]) -> RoomRun:
    """Arrivals uniform over `args.arrival_seconds`; each candidate's saves every candidates / rate
    seconds from its own start, so the room offers `rate` saves/s once all sit."""
    rng = random.Random(7)
    by_password = set(rng.sample(seeded.usernames, int(len(seeded.usernames) * args.password_share)))
    t0 = time.perf_counter() + 1.0
    arrivals = sorted(rng.uniform(0, args.arrival_seconds) for _ in seeded.usernames)
    candidates = [Candidate(u, u in by_password, t0 + a)
                  for u, a in zip(seeded.usernames, arrivals, strict=True)]
    interval = len(candidates) / rate
    calls = Calls()
    # no cap on connections: every candidate has its own browser; the client's timeout only ends a run
    connector = aiohttp.TCPConnector(limit=0)
    timeout = aiohttp.ClientTimeout(total=args.client_timeout)
    before = cpu_by_group(roots)
    async with aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.DummyCookieJar(),
                                     timeout=timeout) as http:
        await asyncio.gather(*(_sit(http, calls, base, seeded, c, args.saves, interval) for c in candidates))
    after = cpu_by_group(roots)
    return RoomRun(rate, interval, calls, candidates, candidates[0].arrival, time.perf_counter(),
                   {k: after[k] - before.get(k, 0.0) for k in after})


def check(run: RoomRun, dsn: str) -> None:
    """Every acknowledged answer as the database holds it, and every score as graded from them."""
    sat = {c.attempt_id: c for c in run.candidates if c.attempt_id}
    ids = list(sat)
    with psycopg.connect(dsn) as conn:
        stored = {(a, q): (rev, frozenset(opts)) for a, q, opts, rev in conn.execute(
            "SELECT attempt_id, question_id, options, revision FROM answer WHERE attempt_id = ANY(%s)",
            (ids,))}
        keys: dict[tuple[int, int], tuple[Decimal, frozenset[int]]] = {
            (a, q): (points, frozenset(o["id"] for o in opts if o["is_correct"]))
            for a, q, points, opts in conn.execute(
                "SELECT attempt_id, question_id, points, options FROM attempt_question "
                "WHERE attempt_id = ANY(%s)", (ids,))}
        graded = dict(conn.execute(
            "SELECT id, score FROM attempt WHERE id = ANY(%s) AND status = 'submitted'", (ids,)).fetchall())
    lost = mismatched = 0
    for attempt_id, c in sat.items():
        expected = Decimal(0)
        for qid, (revision, options) in c.acked.items():
            held = stored.get((attempt_id, qid))
            if held is None or held[0] < revision or (held[0] == revision and held[1] != options):
                lost += 1
            points, right = keys[(attempt_id, qid)]
            expected += points if options == right else 0
        if attempt_id in graded and (graded[attempt_id] != expected or c.score is None
                                     or Decimal(str(c.score)) != expected):
            mismatched += 1
    run.checked = {"attempts": len(sat), "submitted": len(graded), "answers acknowledged":
                   sum(len(c.acked) for c in sat.values()), "lost": lost, "score mismatches": mismatched}


def report(run: RoomRun, args) -> dict[str, bool]:
    """Print the room's figures; return which of the targets held."""
    calls, first = run.calls, run.first_arrival
    print(f"\nroom shape: {len(run.candidates)} arrivals over {args.arrival_seconds:g} s "
          f"({args.password_share:.0%} by password), {args.saves} saves each paced to offer "
          f"{run.rate:g} saves/s "
          f"once all sit ({QUESTIONS} questions); latency from the scheduled time")
    print(f"{'call':<20}{'count':>8}{'per s':>8}{'p50 ms':>10}{'p99 ms':>10}{'max ms':>10}"
          f"{'errors':>8}{'503':>7}")
    for kind in ("login (ticket)", "login (password)", "start", "save", "submit"):
        if kind in calls.first or kind in calls.busy:
            n, per_s, p50, p99, errors = calls.row(kind)
            worst = max(calls.latency.get(kind, [0])) * 1000
            print(f"{kind:<20}{n:>8}{per_s:>8.0f}{p50:>10.1f}{p99:>10.1f}{worst:>10.0f}{errors:>8}"
                  f"{calls.busy.get(kind, 0):>7}")
    seated = [c for c in run.candidates if c.paper_at]
    waits = sorted(c.paper_at - c.arrival for c in seated)
    last_paper = max((c.paper_at for c in seated), default=first) - first
    print(f"candidates with a paper: {len(seated)} of {len(run.candidates)}; the last {last_paper:.1f} s "
          f"after the first arrival; arrival to paper p50 {pct(waits, 50) / 1000:.2f} s, "
          f"p99 {pct(waits, 99) / 1000:.2f} s, max {max(waits, default=0):.2f} s")
    saves = sorted(calls.latency.get("save", []))
    print(f"save p50 / p99, whole run: {pct(saves, 50):.1f} / {pct(saves, 99):.1f} ms")
    # the steady state: from the last start until the first candidate has sent all their saves
    all_sit = first + last_paper
    steady_end = min((c.paper_at + args.saves * run.interval for c in seated), default=all_sit)
    windows: dict[int, list[float]] = {}
    for sent, took in zip(calls.sent_at.get("save", []), calls.latency.get("save", []), strict=True):
        if all_sit <= sent <= steady_end:
            windows.setdefault(int((sent - all_sit) // WINDOW), []).append(took)
    steady = [pct(sorted(v), 99) for k, v in sorted(windows.items()) if len(v) > 100]
    steady_saves = sum(len(v) for v in windows.values())
    steady_span = steady_end - all_sit
    if steady:
        print(f"save p99 once every candidate sits, {WINDOW:g} s windows: "
              f"{min(steady):.1f} - {max(steady):.1f} ms; saves acknowledged then "
              f"{steady_saves / max(steady_span, 1e-9):.0f}/s of {run.rate:g}/s offered")
    worst = max((max(v) for v in calls.latency.values() if v), default=0.0)
    print(f"longest wait for any reply: {worst:.2f} s")
    span = run.ended - first
    requests = calls.requests()
    print(f"CPU over the {span:.0f} s of the room (core-seconds, share of one core): " + ", ".join(
        f"{k} {v:.0f} ({v / span:.2f})" for k, v in run.cpu.items()))
    print(f"server CPU per request, all kinds ({requests} requests, 503 included): "
          f"{run.cpu.get('gunicorn', 0) / max(requests, 1) * 1000:.2f} ms")
    print("checked against PostgreSQL: " + ", ".join(f"{k} {v}" for k, v in run.checked.items()))
    errors = sum(calls.errors.values())
    sound = run.checked.get("lost", 1) == 0 and run.checked.get("score mismatches", 1) == 0 and errors == 0 \
        and len(seated) == len(run.candidates)
    held = {"0 lost, 0 mismatched, 0 errors": sound}
    if run.rate <= 150:
        held |= {"every paper within 62 s of the first arrival": last_paper <= 62,
                 "arrival to paper p99 < 2 s": pct(waits, 99) < 2000,
                 "save p99 < 250 ms": pct(saves, 99) < 250}
    else:
        held |= {"no request waits more than 2 s": worst <= 2.0}
    for target, ok in held.items():
        print(f"  {'holds' if ok else 'MISSED'}: {target}")
    for kind, sample in calls.samples.items():
        print(f"  first {kind} error: {sample}")
    return held
