"""Exam-room burst against the production setup, with the floors measured in the same run.

gunicorn (sync workers by default) + PostgreSQL (a fresh scratch database per shape) + Redis,
EXAMAPP_ENV=production. Seeds N candidates, an exam of 40 questions (papers drawn ahead, as
assigning candidates does) and tickets, then:
  1. floors: a bare Flask route and a bare Flask route committing one upsert (bench/floor_app.py),
     under the same gunicorn settings, closed loop at the same concurrency as the saves, and the
     upsert open loop at the offered rate;
  2. phases: every candidate logs in (tickets, and a share with passwords), starts, saves 40
     answers, then an open-loop phase of saves at --rate, then the submits;
  3. the room (bench/room_shape.py), once per --room-rates: arrivals uniform over 60 s, logins,
     starts and saves overlapping, each candidate's saves paced from its own start, 503s waited
     out, every acknowledged answer and score checked against PostgreSQL, server CPU from /proc;
  4. the floors again (the machine's load drifts).
Per call type: count, rate, p50, p99, errors; the targets, and which held. Only 127.0.0.1.

usage: python bench/exam_burst.py [--shape all|phases|room] [--candidates 2000] [--workers 4]
       [--worker-class sync|gthread] [--threads 4] [--room-rates 150,300] [--saves 44]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import time
import uuid
from dataclasses import dataclass, field

import aiohttp
import psycopg
import room_shape
from burst_kit import (
    PASSWORD,
    QUESTIONS,
    ROOM_CODE,
    ROOT,
    Calls,
    Gunicorn,
    Seeded,
    admitted,
    call,
    closed_loop,
    drop_database,
    forget_login_counters,
    gunicorn_settings,
    libpq,
    open_loop,
    scratch_database,
    seed,
)

__all__ = ["seed"]


# ---------------------------------------------------------------- phases


async def floors(base: str, calls: Calls, args: argparse.Namespace, when: str) -> None:
    connector = aiohttp.TCPConnector(limit=args.concurrency)
    async with aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.DummyCookieJar()) as http:
        for kind, method, path in ((f"floor health {when}", "GET", "/health"),
                                   (f"floor upsert {when}", "PUT", "/save")):
            stop = time.perf_counter() + args.floor_seconds

            async def worker(kind=kind, method=method, path=path, stop=stop) -> None:
                while time.perf_counter() < stop:
                    url = base + path
                    if method == "PUT":
                        url += f"/{random.randint(1, args.candidates)}/{random.randint(1, QUESTIONS)}"
                    body = {"choice": "B"} if method == "PUT" else None
                    await call(http, calls, kind, method, url, json=body)

            await asyncio.gather(*(worker() for _ in range(args.concurrency)))

        async def offered(due: float) -> None:
            url = f"{base}/save/{random.randint(1, args.candidates)}/{random.randint(1, QUESTIONS)}"
            await call(http, calls, f"floor upsert open loop {when}", "PUT", url, json={"choice": "C"},
                       began=due)

        await open_loop(offered, args.rate, args.open_seconds)


@dataclass
class Sitter:
    username: str
    cookie: str | None = None
    attempt_id: int | None = None
    questions: list[dict] = field(default_factory=list)


async def burst(base: str, seeded: Seeded, calls: Calls, args: argparse.Namespace) -> dict[str, float]:
    sitters = [Sitter(u) for u in seeded.usernames]
    by_password = set(random.Random(2).sample(seeded.usernames, int(len(sitters) * args.password_share)))
    marks: dict[str, float] = {}
    rng = random.Random(4)  # the jitter of waiting out a 503
    connector = aiohttp.TCPConnector(limit=args.concurrency)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.DummyCookieJar(),
                                     timeout=timeout) as http:

        async def login(sitter: Sitter) -> None:
            if sitter.username in by_password:
                kind, path, body = "login (password)", "/api/v1/auth/login", {
                    "username": sitter.username, "password": PASSWORD}
            else:
                kind, path, body = "login (ticket)", "/api/v1/auth/ticket", {
                    "ticket": seeded.tickets[sitter.username]}
            status, _, response = await admitted(http, calls, kind, base + path, body, None,
                                                 time.perf_counter(), rng)
            if status == 200 and response is not None and "session" in response.cookies:
                sitter.cookie = response.cookies["session"].value

        async def start(sitter: Sitter) -> None:
            status, paper, _ = await admitted(http, calls, "start",
                                              f"{base}/api/v1/exams/{seeded.exam_id}/attempts",
                                              {"room_code": ROOM_CODE}, sitter.cookie,
                                              time.perf_counter(), rng)
            if status in (200, 201):
                sitter.attempt_id = paper["attempt_id"]
                sitter.questions = paper["questions"]

        async def save(sitter: Sitter, q: dict, kind: str = "save", began: float | None = None) -> None:
            chosen = [random.choice(q["options"])["id"]]
            await call(http, calls, kind, "PUT",
                       f"{base}/api/v1/attempts/{sitter.attempt_id}/answers/{q['id']}",
                       sitter.cookie, {"options": chosen}, began=began)

        async def submit(sitter: Sitter) -> None:
            # a JSON body (even empty) is what lets a cookie-authenticated API call skip the CSRF token
            await call(http, calls, "submit", "POST", f"{base}/api/v1/attempts/{sitter.attempt_id}/submit",
                       sitter.cookie, {})

        t0 = time.perf_counter()
        await closed_loop([lambda s=s: login(s) for s in sitters], args.concurrency)
        await closed_loop([lambda s=s: start(s) for s in sitters if s.cookie], args.concurrency)
        marks["login and start of all candidates (s)"] = time.perf_counter() - t0
        ready = [s for s in sitters if s.attempt_id]
        saves = [lambda s=s, q=q: save(s, q) for s in ready for q in s.questions]
        random.Random(3).shuffle(saves)
        marks["saves not sent (stage time cap)"] = await closed_loop(saves, args.concurrency,
                                                                     args.max_stage_seconds)

        async def offered(due: float) -> None:
            sitter = random.choice(ready)
            await save(sitter, random.choice(sitter.questions), "save open loop", due)

        await open_loop(offered, args.rate, args.open_seconds)
        await closed_loop([lambda s=s: submit(s) for s in ready], args.concurrency)
        marks["candidates who sat the exam"] = len(ready)
    return marks


def report_phases(calls: Calls, marks: dict[str, float], args: argparse.Namespace) -> int:
    kinds = ["login (ticket)", "login (password)", "start", "save", "save open loop", "submit"]
    print(f"\nphases: {args.candidates} candidates x {QUESTIONS} questions; {gunicorn_settings(args)}; "
          f"{args.concurrency} connections; "
          f"open loop {args.rate:g}/s; floors measured before and after the app (pooled)")
    print(f"{'call':<30}{'count':>8}{'per s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}{'503':>7}")
    for kind in kinds:
        if kind in calls.first:
            n, rate, p50, p99, errors = calls.row(kind)
            busy = calls.busy.get(kind, 0)
            print(f"{kind:<30}{n:>8}{rate:>9.0f}{p50:>9.1f}{p99:>9.1f}{errors:>8}{busy:>7}")
    for name, value in marks.items():
        print(f"{name}: {value:.1f}")
    floor = (calls.row("floor upsert before")[1] + calls.row("floor upsert after")[1]) / 2
    health = (calls.row("floor health before")[1] + calls.row("floor health after")[1]) / 2
    save = calls.row("save")[1]
    open_p99 = calls.row("save open loop")[3]
    errors = sum(n for k, n in calls.errors.items() if not k.startswith("floor"))
    ratio = save / floor if floor else 0
    print(f"\nsaves / upsert floor (mean of before and after): {ratio:.0%} (target >= 80%); "
          f"saves / health floor: {save / max(health, 1):.0%}")
    print(f"save p99 at {args.rate:g}/s offered: {open_p99:.1f} ms (target < 100 ms)")
    print(f"login and start of all candidates: {marks.get('login and start of all candidates (s)', 0):.1f} s "
          "(target < 60 s)")
    print(f"errors: {errors} (target 0)")
    for kind, sample in calls.samples.items():
        print(f"  first {kind} error: {sample}")
    return 0 if errors == 0 else 1


async def measure_floors(env: dict[str, str], calls: Calls, args: argparse.Namespace, when: str) -> None:
    floor = Gunicorn("floor_app:app", env, args, ROOT / "bench")
    try:
        await floor.ready("/health")
        await floors(floor.url, calls, args, when)
    finally:
        floor.stop()


def app_env(url: str, secret: str, name: str, args: argparse.Namespace) -> dict[str, str]:
    return {"EXAMAPP_ENV": "production", "EXAMAPP_SECRET_KEY": secret,
            "EXAMAPP_DATABASE_URL": url, "EXAMAPP_REDIS_URL": args.redis,
            "EXAMAPP_INSTANCE_PATH": f"/tmp/{name}",
            "EXAMAPP_ADMISSION_QUEUE": str(args.admission_queue),
            # every virtual candidate comes from 127.0.0.1: the per-address login budget is the
            # room's NAT case, so it is raised here (tickets only count failures)
            "EXAMAPP_LOGIN_MAX_ATTEMPTS_PER_ADDRESS": str(args.candidates * 2)}


async def with_app(args: argparse.Namespace, shape):
    """A scratch database seeded with the room, the app serving it; `shape(app, seeded, url)`."""
    name, url = scratch_database(args.pg)
    app = None
    try:
        t = time.perf_counter()
        secret = uuid.uuid4().hex
        seeded = seed(url, args.candidates, secret)
        print(f"seeded {args.candidates} candidates, an exam of {QUESTIONS} questions, their papers and "
              f"tickets in {time.perf_counter() - t:.1f} s", file=sys.stderr)
        app = Gunicorn("examapp:create_app()", app_env(url, secret, name, args), args, ROOT)
        await app.ready("/api/v1/health")
        return await shape(app, seeded, url)
    finally:
        if app is not None:
            app.stop()
        drop_database(args.pg, name)
        forget_login_counters(args.redis)


async def run(args: argparse.Namespace) -> int:
    name, url = scratch_database(args.pg)
    floor_env = {"FLOOR_PG": libpq(url)}
    calls = Calls()
    failed = False
    try:
        with psycopg.connect(floor_env["FLOOR_PG"], autocommit=True) as conn:
            conn.execute("CREATE TABLE floor_answer (attempt_id int, question_id int, choice text, "
                         "revision int, saved_at timestamptz, PRIMARY KEY (attempt_id, question_id))")
        await measure_floors(floor_env, calls, args, "before")
        marks: dict[str, float] = {}
        if args.shape in ("all", "phases"):
            async def phased(app, seeded, _url):
                return await burst(app.url, seeded, calls, args)
            marks = await with_app(args, phased)
        rooms = []
        if args.shape in ("all", "room"):
            for rate in args.room_rates:
                async def lived(app, seeded, app_url, rate=rate):
                    run = await room_shape.room(app.url, seeded, rate, args, {"gunicorn": app.process.pid})
                    room_shape.check(run, libpq(app_url))
                    return run
                rooms.append(await with_app(args, lived))
        await measure_floors(floor_env, calls, args, "after")
        if args.shape in ("all", "phases"):
            failed |= report_phases(calls, marks, args) != 0
        report_floors(calls, args)
        for run_ in rooms:
            held = room_shape.report(run_, args)
            failed |= not held["0 lost, 0 mismatched, 0 errors"]
        return 1 if failed else 0
    finally:
        drop_database(args.pg, name)


def report_floors(calls: Calls, args: argparse.Namespace) -> None:
    print(f"\nfloors (bench/floor_app.py, {gunicorn_settings(args)}, {args.concurrency} connections)")
    print(f"{'call':<34}{'count':>8}{'per s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}")
    for when in ("before", "after"):
        for k in ("health", "upsert", "upsert open loop"):
            kind = f"floor {k} {when}"
            if kind in calls.first:
                n, rate, p50, p99, errors = calls.row(kind)
                print(f"{kind:<34}{n:>8}{rate:>9.0f}{p50:>9.1f}{p99:>9.1f}{errors:>8}")


def rates(text: str) -> list[float]:
    return [float(r) for r in text.split(",") if r.strip()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shape", default="all", choices=("all", "phases", "room"))
    parser.add_argument("--candidates", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--worker-class", default="sync", choices=("gthread", "sync"))
    parser.add_argument("--backlog", type=int, default=2048, help="gunicorn's listen backlog")
    parser.add_argument("--admission-queue", type=int, default=32, help="EXAMAPP_ADMISSION_QUEUE")
    parser.add_argument("--concurrency", type=int, default=50, help="connections of the closed loops")
    parser.add_argument("--rate", type=float, default=300.0,
                        help="open-loop saves per second (phases, floor)")
    parser.add_argument("--open-seconds", type=float, default=20.0)
    parser.add_argument("--floor-seconds", type=float, default=15.0)
    parser.add_argument("--max-stage-seconds", type=float, default=200.0,
                        help="stop sending the phases' saves after this long (keeps the run bounded)")
    parser.add_argument("--password-share", type=float, default=0.5,
                        help="share of candidates logging in with a password instead of a ticket")
    parser.add_argument("--room-rates", type=rates, default=[150.0, 300.0],
                        help="saves per second the room offers once all sit, one room per rate")
    parser.add_argument("--arrival-seconds", type=float, default=60.0)
    parser.add_argument("--saves", type=int, default=44, help="saves per candidate in the room")
    parser.add_argument("--client-timeout", type=float, default=180.0)
    parser.add_argument("--pg", default=os.environ.get("EXAMAPP_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/test"),
                        help="a PostgreSQL database to create the scratch databases from")
    parser.add_argument("--redis", default=os.environ.get("EXAMAPP_BENCH_REDIS", "redis://127.0.0.1:6379/14"))
    args = parser.parse_args()
    sys.exit(asyncio.run(run(args)))


if __name__ == "__main__":
    main()
