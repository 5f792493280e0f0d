"""What both shapes of the exam burst share: the seeded room, timing calls, loops of offered load, a
gunicorn to aim them at, CPU read from /proc, and a scratch PostgreSQL database."""

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
TICK = os.sysconf("SC_CLK_TCK")


@dataclass
class Calls:
    """Latencies (s) and errors per call type, when each type first started and last ended, and
    the 503 answers (server busy) that a client waited out and sent again."""

    latency: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    sent_at: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    busy: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    first: dict[str, float] = field(default_factory=dict)
    last: dict[str, float] = field(default_factory=dict)
    samples: dict[str, str] = field(default_factory=dict)

    def add(self, kind: str, began: float, ok: bool, detail: str = "") -> None:
        ended = time.perf_counter()
        self.first[kind] = min(self.first.get(kind, began), began)
        self.last[kind] = max(self.last.get(kind, ended), ended)
        if ok:
            self.latency[kind].append(ended - began)
            self.sent_at[kind].append(began)
        else:
            self.errors[kind] += 1
            self.samples.setdefault(kind, detail[:200])

    def row(self, kind: str) -> tuple[int, float, float, float, int]:
        values = sorted(self.latency.get(kind, []))
        span = self.last.get(kind, 0) - self.first.get(kind, 0)
        rate = len(values) / span if span > 0 else 0.0
        return len(values), rate, pct(values, 50), pct(values, 99), self.errors.get(kind, 0)

    def requests(self) -> int:
        answered = sum(len(v) for v in self.latency.values())
        return answered + sum(self.errors.values()) + sum(self.busy.values())


def pct(values: list[float], p: float) -> float:
    """The p-th percentile of sorted seconds, in milliseconds."""
    if not values:
        return float("nan")
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))] * 1000


async def call(http: aiohttp.ClientSession, calls: Calls, kind: str, method: str, url: str,
               cookie: str | None = None, json: dict | None = None, began: float | None = None,
               busy_ok: bool = False) -> tuple[int, dict, aiohttp.ClientResponse | None]:
    """One request, timed from `began` (its scheduled time) or now. With `busy_ok` a 503 is the
    server shedding load: counted apart, for the caller to wait out and send again."""
    began = began if began is not None else time.perf_counter()
    headers = {"Cookie": f"session={cookie}"} if cookie else {}
    try:
        async with http.request(method, url, json=json, headers=headers) as response:
            raw = await response.read()
            body = json_module.loads(raw) if raw[:1] in (b"{", b"[") else {}
            if busy_ok and response.status == 503:
                calls.busy[kind] += 1
            else:
                calls.add(kind, began, response.status < 400, f"{response.status} {body}")
            return response.status, body, response
    except (TimeoutError, aiohttp.ClientError) as exc:
        calls.add(kind, began, False, repr(exc))
        return 0, {}, None


async def admitted(http: aiohttp.ClientSession, calls: Calls, kind: str, url: str, body: dict,
                    cookie: str | None, due: float, rng: random.Random):
    """Send until the server stops answering 503, waiting out each Retry-After like the page."""
    while True:
        status, reply, response = await call(http, calls, kind, "POST", url, cookie, body, began=due,
                                             busy_ok=True)
        if status != 503 or response is None:
            return status, reply, response
        await asyncio.sleep(int(response.headers.get("Retry-After", "2")) * rng.uniform(1.0, 1.25))
        due = time.perf_counter()


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


# ---------------------------------------------------------------- CPU from /proc


def _stat(pid: int) -> tuple[str, int, float] | None:
    """(command, parent pid, CPU seconds used) of a live process."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            raw = f.read()
    except OSError:
        return None
    comm = raw[raw.index("(") + 1:raw.rindex(")")]
    fields = raw[raw.rindex(")") + 2:].split()
    return comm, int(fields[1]), (int(fields[11]) + int(fields[12])) / TICK


def cpu_by_group(roots: dict[str, int]) -> dict[str, float]:
    """CPU seconds used so far by each process tree in `roots` (name -> pid), by every postgres and
    redis-server process of the machine, and by this process."""
    stats = {int(p): s for p in os.listdir("/proc") if p.isdigit() and (s := _stat(int(p)))}
    children: dict[int, list[int]] = defaultdict(list)
    for pid, (_, ppid, _) in stats.items():
        children[ppid].append(pid)
    used: dict[str, float] = {}
    for name, root in roots.items():
        todo, total = [root], 0.0
        while todo:
            pid = todo.pop()
            total += stats[pid][2] if pid in stats else 0.0
            todo.extend(children.get(pid, ()))
        used[name] = total
    used["postgres"] = sum(s[2] for s in stats.values() if s[0] == "postgres")
    used["redis"] = sum(s[2] for s in stats.values() if s[0] == "redis-server")
    me = os.times()
    used["client"] = me.user + me.system
    return used


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
             "-b", f"127.0.0.1:{self.port}", "--backlog", str(args.backlog), "--log-level", "warning",
             target],
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


def gunicorn_settings(args: argparse.Namespace) -> str:
    threads = f" --threads {args.threads}" if args.worker_class == "gthread" else ""
    return f"gunicorn -w {args.workers} -k {args.worker_class}{threads} --backlog {args.backlog}"


# ---------------------------------------------------------------- databases


def scratch_database(admin_url: str) -> tuple[str, str]:
    name = f"examapp_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name, make_url(normalise_url(admin_url)).set(database=name).render_as_string(False)


def drop_database(admin_url: str, name: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def libpq(url: str) -> str:
    """A libpq connection string for an SQLAlchemy URL."""
    parts = make_url(url)
    return f"host={parts.host} port={parts.port or 5432} user={parts.username} dbname={parts.database}"


def forget_login_counters(redis_url: str) -> None:
    import redis

    client = redis.Redis.from_url(redis_url)
    keys = [*client.scan_iter("examapp:login:*"), *client.scan_iter("examapp:ticket:*")]
    if keys:
        client.delete(*keys)
    client.close()
