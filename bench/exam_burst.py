"""Exam-room burst against the production setup, with the floors measured in the same run.

gunicorn (sync workers by default) + PostgreSQL (a fresh scratch database) + Redis,
EXAMAPP_ENV=production.
Seeds N candidates and an exam of 40 questions, then:
  1. floors: a bare Flask route and a bare Flask route committing one upsert (bench/floor_app.py),
     under the same gunicorn settings, closed loop at the same concurrency as the saves;
  2. the burst: every candidate logs in (tickets, and a share with passwords), starts, saves
     40 answers, (4.) submits; per call type: count, rate, p50, p99, errors;
  3. open loop: a fixed offered rate of saves (300/s) for a while, latency from the scheduled time.
Prints a table and the ratios against the targets. Only 127.0.0.1; bounded in time.

usage: python bench/exam_burst.py [--candidates 2000] [--workers 4] [--worker-class sync|gthread]
       [--threads 4] [--concurrency 50]
"""

from __future__ import annotations

import argparse
import asyncio
import json as json_module
import os
import random
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import aiohttp
import psycopg
from sqlalchemy import insert
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from examapp import create_app, db  # noqa: E402
from examapp.auth.models import User  # noqa: E402
from examapp.auth.passwords import hash_password  # noqa: E402
from examapp.banks.models import Option, Question, QuestionBank, Topic  # noqa: E402
from examapp.db import normalise_url, utcnow  # noqa: E402
from examapp.exams import definitions  # noqa: E402
from examapp.exams.candidates import CandidateRow, assign_candidates  # noqa: E402
from examapp.exams.tickets import issue_tickets, ticket_key  # noqa: E402

PASSWORD = "Bench#Burst2026"
ROOM_CODE = "BURST"
QUESTIONS = 40


# ---------------------------------------------------------------- measuring


@dataclass
class Calls:
    """Latencies (s) and errors per call type, and when each type first started and last ended."""

    latency: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    first: dict[str, float] = field(default_factory=dict)
    last: dict[str, float] = field(default_factory=dict)
    samples: dict[str, str] = field(default_factory=dict)

    def add(self, kind: str, began: float, ok: bool, detail: str = "") -> None:
        ended = time.perf_counter()
        self.first[kind] = min(self.first.get(kind, began), began)
        self.last[kind] = max(self.last.get(kind, ended), ended)
        if ok:
            self.latency[kind].append(ended - began)
        else:
            self.errors[kind] += 1
            self.samples.setdefault(kind, detail[:200])

    def row(self, kind: str) -> tuple[int, float, float, float, int]:
        values = sorted(self.latency.get(kind, []))
        span = self.last.get(kind, 0) - self.first.get(kind, 0)
        rate = len(values) / span if span > 0 else 0.0
        return len(values), rate, pct(values, 50), pct(values, 99), self.errors.get(kind, 0)


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))] * 1000


async def call(http: aiohttp.ClientSession, calls: Calls, kind: str, method: str, url: str,
               cookie: str | None = None, json: dict | None = None,
               began: float | None = None) -> tuple[int, dict, aiohttp.ClientResponse | None]:
    began = began if began is not None else time.perf_counter()
    headers = {"Cookie": f"session={cookie}"} if cookie else {}
    try:
        async with http.request(method, url, json=json, headers=headers) as response:
            raw = await response.read()
            body = json_module.loads(raw) if raw[:1] in (b"{", b"[") else {}
            ok = response.status < 400
            calls.add(kind, began, ok, f"{response.status} {body}")
            return response.status, body, response
    except (TimeoutError, aiohttp.ClientError) as exc:
        calls.add(kind, began, False, repr(exc))
        return 0, {}, None


async def closed_loop(jobs, concurrency: int, max_seconds: float = float("inf")) -> int:
    """Run coroutine factories with at most `concurrency` in flight; stop starting new ones after
    `max_seconds` (so the benchmark stays bounded); returns how many were never started."""
    queue: asyncio.Queue = asyncio.Queue()
    for job in jobs:
        queue.put_nowait(job)
    stop = time.perf_counter() + max_seconds

    async def worker() -> None:
        while not queue.empty() and time.perf_counter() < stop:
            await queue.get_nowait()()

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return queue.qsize()


async def open_loop(make_call, rate: float, seconds: float) -> None:
    """Offer `rate` calls per second whatever the replies; each call is timed from its scheduled time."""
    start = time.perf_counter()
    tasks = []
    total = int(rate * seconds)
    for i in range(total):
        due = start + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(make_call(due)))
    await asyncio.gather(*tasks)


# ---------------------------------------------------------------- servers


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    def __init__(self, target: str, env: dict[str, str], args: argparse.Namespace, cwd: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(f"/tmp/exam_burst_{self.port}.log", "wb")  # noqa: SIM115
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", str(args.workers), "-k", args.worker_class,
             # gunicorn turns a sync worker with threads into gthread: threads only for gthread
             *(["--threads", str(args.threads)] if args.worker_class == "gthread" else []),
             "-b", f"127.0.0.1:{self.port}", "--backlog", "4096", "--log-level", "warning", target],
            env={**os.environ, **env}, cwd=cwd, stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True)

    async def ready(self, path: str) -> None:
        async with aiohttp.ClientSession() as http:
            for _ in range(300):
                try:
                    async with http.get(self.url + path) as r:
                        if r.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.1)
        raise RuntimeError(f"server on {self.port} did not start; see {self.log.name}")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)


# ---------------------------------------------------------------- seeding


@dataclass
class Seeded:
    exam_id: int
    usernames: list[str]
    tickets: dict[str, str]


def seed(url: str, candidates: int, secret: str) -> Seeded:
    """The room, with tickets keyed by `secret`: the servers' EXAMAPP_SECRET_KEY, or none would log in."""
    app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": secret, "REDIS_URL": None})
    with app.app_context():
        db.upgrade(app.extensions["examapp.engine"])
        s = db.session()
        password_hash = hash_password(PASSWORD)  # one hash shared by all: seeding 2,000 stays quick
        admin = User(username="bench-admin", full_name="Bench Admin", role="admin",
                     password_hash=password_hash)
        s.add(admin)
        usernames = [f"cand{i:05d}" for i in range(candidates)]
        s.execute(insert(User), [{"username": u, "full_name": f"Candidate {u}", "role": "candidate",
                                  "password_hash": password_hash} for u in usernames])
        bank = QuestionBank(name="Burst bank")
        s.add(bank)
        rng = random.Random(1)
        for topic_index, topic_name in enumerate(("History", "Rules")):
            topic = Topic(bank=bank, name=topic_name)
            for n in range(30):
                kind = ("single", "multiple", "true_false")[n % 3]
                labels = [("True", True), ("False", False)] if kind == "true_false" else [
                    (f"Option {c} of {topic_name} {n}", c in ("A", "C") if kind == "multiple" else c == "A")
                    for c in "ABCD"]
                s.add(Question(topic=topic, number=topic_index * 30 + n + 1, type=kind,
                               text=f"{topic_name} question {n} " + "lorem ipsum " * rng.randint(3, 12),
                               difficulty="medium", points=Decimal(1), content_hash=uuid.uuid4().hex,
                               options=tuple(Option(t, c) for t, c in labels)))
        s.flush()
        now = utcnow()
        exam = definitions.create_exam(s, definitions.ExamSpec(
            title="Burst exam", bank_id=bank.id,
            rules=[definitions.RuleSpec(20, "History"), definitions.RuleSpec(20, "Rules")],
            duration_minutes=60, pass_percent=Decimal(50), opens_at=now - timedelta(minutes=1),
            closes_at=now + timedelta(hours=2), room_code=ROOM_CODE), admin)
        assign_candidates(s, exam, [CandidateRow(u) for u in usernames], admin.id)
        tickets = {t.username: t.ticket for t in issue_tickets(s, exam, admin.id,
                                                             key=ticket_key(app.config["SECRET_KEY"]))}
        s.commit()
        exam_id = exam.id
    app.extensions["examapp.engine"].dispose()
    return Seeded(exam_id, usernames, tickets)


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
            status, _, response = await call(http, calls, kind, "POST", base + path, json=body)
            if status == 200 and response is not None and "session" in response.cookies:
                sitter.cookie = response.cookies["session"].value

        async def start(sitter: Sitter) -> None:
            status, paper, _ = await call(http, calls, "start", "POST",
                                          f"{base}/api/v1/exams/{seeded.exam_id}/attempts",
                                          sitter.cookie, {"room_code": ROOM_CODE})
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


# ---------------------------------------------------------------- main


async def measure_floors(env: dict[str, str], calls: Calls, args: argparse.Namespace,
                         servers: list[Gunicorn], when: str) -> None:
    floor = Gunicorn("floor_app:app", env, args, ROOT / "bench")
    servers.append(floor)
    await floor.ready("/health")
    await floors(floor.url, calls, args, when)
    floor.stop()


def scratch_database(admin_url: str) -> tuple[str, str]:
    name = f"examapp_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name, make_url(normalise_url(admin_url)).set(database=name).render_as_string(False)


def drop_database(admin_url: str, name: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def forget_login_counters(redis_url: str) -> None:
    import redis

    client = redis.Redis.from_url(redis_url)
    keys = [*client.scan_iter("examapp:login:*"), *client.scan_iter("examapp:ticket:*")]
    if keys:
        client.delete(*keys)
    client.close()


def report(calls: Calls, marks: dict[str, float], args: argparse.Namespace) -> int:
    floor_kinds = [f"floor {k} {when}" for when in ("before", "after")
                   for k in ("health", "upsert", "upsert open loop")]
    kinds = [*floor_kinds[:3], "login (ticket)", "login (password)", "start", "save", "save open loop",
             "submit", *floor_kinds[3:]]
    print(f"\nexam burst: {args.candidates} candidates x {QUESTIONS} questions; gunicorn -w {args.workers} "
          f"-k {args.worker_class}{f' --threads {args.threads}' if args.worker_class == 'gthread' else ''}; "
          f"{args.concurrency} connections; "
          f"open loop {args.rate:g}/s; floors measured before and after the app (pooled)")
    print(f"{'call':<30}{'count':>8}{'per s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}")
    for kind in kinds:
        if kind in calls.first:
            n, rate, p50, p99, errors = calls.row(kind)
            print(f"{kind:<30}{n:>8}{rate:>9.0f}{p50:>9.1f}{p99:>9.1f}{errors:>8}")
    for name, value in marks.items():
        print(f"{name}: {value:.1f}")
    floor = (calls.row("floor upsert before")[1] + calls.row("floor upsert after")[1]) / 2
    health = (calls.row("floor health before")[1] + calls.row("floor health after")[1]) / 2
    save = calls.row("save")[1]
    open_p99 = calls.row("save open loop")[3]
    errors = sum(n for k, n in calls.errors.items() if not k.startswith("floor"))
    ratio = save / floor if floor else 0
    print(f"\nsaves / upsert floor (mean of before and after): {ratio:.0%} (target >= 60%); "
          f"saves / health floor: {save / max(health, 1):.0%}")
    print(f"save p99 at {args.rate:g}/s offered: {open_p99:.1f} ms (target < 100 ms)")
    print(f"login and start of all candidates: {marks.get('login and start of all candidates (s)', 0):.1f} s "
          "(target < 60 s)")
    print(f"errors: {errors} (target 0)")
    for kind, sample in calls.samples.items():
        print(f"  first {kind} error: {sample}")
    return 0 if errors == 0 else 1


async def run(args: argparse.Namespace) -> int:
    name, url = scratch_database(args.pg)
    servers: list[Gunicorn] = []
    calls = Calls()
    try:
        t = time.perf_counter()
        secret = uuid.uuid4().hex
        seeded = seed(url, args.candidates, secret)
        print(f"seeded {args.candidates} candidates, an exam of {QUESTIONS} questions and tickets in "
              f"{time.perf_counter() - t:.1f} s", file=sys.stderr)
        libpq = make_url(url)
        floor_env = {"FLOOR_PG": f"host={libpq.host} port={libpq.port or 5432} user={libpq.username} "
                                 f"dbname={libpq.database}"}
        with psycopg.connect(floor_env["FLOOR_PG"], autocommit=True) as conn:
            conn.execute("CREATE TABLE floor_answer (attempt_id int, question_id int, choice text, "
                         "revision int, saved_at timestamptz, PRIMARY KEY (attempt_id, question_id))")
        await measure_floors(floor_env, calls, args, servers, "before")
        app_env = {"EXAMAPP_ENV": "production", "EXAMAPP_SECRET_KEY": secret,
                   "EXAMAPP_DATABASE_URL": url, "EXAMAPP_REDIS_URL": args.redis,
                   "EXAMAPP_INSTANCE_PATH": f"/tmp/{name}",
                   # every virtual candidate comes from 127.0.0.1: the per-address login budget is the
                   # room's NAT case, so it is raised here (tickets only count failures)
                   "EXAMAPP_LOGIN_MAX_ATTEMPTS_PER_ADDRESS": str(args.candidates * 2)}
        app = Gunicorn("examapp:create_app()", app_env, args, ROOT)
        servers.append(app)
        await app.ready("/api/v1/health")
        marks = await burst(app.url, seeded, calls, args)
        app.stop()
        # the machine's load drifts: measure the floors again after the app and keep both
        await measure_floors(floor_env, calls, args, servers, "after")
        return report(calls, marks, args)
    finally:
        for server in servers:
            server.stop()
        drop_database(args.pg, name)
        forget_login_counters(args.redis)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--candidates", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--worker-class", default="sync", choices=("gthread", "sync"))
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--rate", type=float, default=300.0, help="open-loop saves per second")
    parser.add_argument("--open-seconds", type=float, default=20.0)
    parser.add_argument("--floor-seconds", type=float, default=15.0)
    parser.add_argument("--max-stage-seconds", type=float, default=200.0,
                        help="stop sending the burst's saves after this long (keeps the run bounded)")
    parser.add_argument("--password-share", type=float, default=0.25,
                        help="share of candidates logging in with a password instead of a ticket")
    parser.add_argument("--pg", default=os.environ.get("EXAMAPP_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/test"),
                        help="a PostgreSQL database to create the scratch database from")
    parser.add_argument("--redis", default=os.environ.get("EXAMAPP_BENCH_REDIS", "redis://127.0.0.1:6379/14"))
    args = parser.parse_args()
    sys.exit(asyncio.run(run(args)))


if __name__ == "__main__":
    main()
