"""Contest boards and tries against the production setup, beside floors measured in the same run.

A scratch PostgreSQL database gets a contest with --entries participants who have each finished a
try (bulk-inserted), and --sitters of them assigned a second try. Then:
  1. Redis: Boards.apply (one try onto four boards) and Boards.top(10) on the 100,000-entry board,
     beside raw ZADD + ZREVRANK round trips on a sorted set of the same size;
  2. rebuild of every board from PostgreSQL (boards.rebuild);
  3. HTTP under gunicorn (EXAMAPP_ENV=production): board reads (top 10 + around me, closed loop)
     beside the bare-route floor, and submits of a try (graded, folded into the entry, put on the
     boards; closed loop) beside the "Flask + one upsert" floor (bench/floor_app.py);
  4. a registration burst: --registrations offered evenly over --registration-seconds.
Live boards under 5,000 SSE viewers need the gevent stream workers and are not measured here.

usage: python bench/contest_bench.py [--entries 100000] [--sitters 2000] [--registrations 10000]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import random
import secrets
import statistics
import sys
import time
import uuid
from datetime import timedelta
from decimal import Decimal

import aiohttp
import psycopg
import redis
from burst_kit import ROOT, Calls, Gunicorn, call, drop_database, libpq, open_loop, scratch_database
from exam_burst import measure_floors, report_floors
from sqlalchemy import insert

from examapp import create_app, db
from examapp.auth.models import ApiToken, User
from examapp.banks.models import Option, Question, QuestionBank, Topic
from examapp.contests import boards
from examapp.contests.definitions import ContestSpec, RoundSpec, UnitSpec, create_contest
from examapp.contests.models import ContestUnit, Participant
from examapp.db import utcnow
from examapp.exams.definitions import ExamSpec, RuleSpec
from examapp.exams.models import Attempt, ExamCandidate

UNITS = 50


def _token(user_id: int) -> tuple[dict, str]:
    token = secrets.token_urlsafe(32)
    digest = hashlib.sha256(token.encode()).hexdigest()
    return {"user_id": user_id, "token_hash": digest, "label": "bench"}, token


def seed(url: str, args: argparse.Namespace, secret: str) -> tuple[int, dict[int, str]]:
    """The contest and its entries; returns its id and bearer tokens of the sitters by user id."""
    app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": secret, "REDIS_URL": None})
    with app.app_context():
        db.upgrade(app.extensions["examapp.engine"])
        s = db.session()
        admin = User(username="bench-admin", full_name="Bench", role="admin")
        bank = QuestionBank(name="Contest bank")
        s.add_all([admin, bank])
        topic = Topic(bank=bank, name="Pháp luật")
        for n in range(30):
            s.add(Question(topic=topic, number=n + 1, type="single", text=f"Câu hỏi {n}", difficulty="medium",
                           points=Decimal(1), content_hash=uuid.uuid4().hex,
                           options=tuple(Option(f"Phương án {c}", c == "A") for c in "ABCD")))
        s.flush()
        now = utcnow()
        contest = create_contest(s, ContestSpec(
            exam=ExamSpec(title="Hội thi", bank_id=bank.id, rules=[RuleSpec(10, "Pháp luật")],
                          duration_minutes=30, pass_percent=Decimal(0)),
            rounds=[RoundSpec("Tuần 1", now - timedelta(hours=2), now + timedelta(days=2))],
            tries_per_round=3,
            units=[UnitSpec(f"Công ty số {n}") for n in range(UNITS)], prizes=10), admin)
        s.flush()
        units = [u.id for u in s.query(ContestUnit).filter_by(contest_id=contest.id)]
        rng = random.Random(7)
        tokens: dict[int, str] = {}
        for start in range(0, args.entries, 10_000):
            batch = range(start, min(args.entries, start + 10_000))
            users = s.execute(insert(User).returning(User.id), [
                {"username": f"p{n:06d}", "full_name": f"Người {n}", "role": "participant"}
                for n in batch]).scalars().all()
            s.execute(insert(Participant), [
                {"contest_id": contest.id, "user_id": uid, "unit_id": units[n % UNITS],
                 "name": f"Người dự thi {n}",
                 "phone": f"09{n:08d}", "details": {}, "address": "bench", "registered_at": now}
                for n, uid in zip(batch, users, strict=True)])
            attempts = []
            for uid in users:
                began = now - timedelta(minutes=rng.randint(5, 100))
                attempts.append({"exam_id": contest.id, "user_id": uid, "number": 1,
                                 "seed": rng.getrandbits(40), "status": "submitted", "started_at": began,
                                 "deadline": began + timedelta(minutes=30),
                                 "submitted_at": began + timedelta(seconds=rng.randint(60, 1700)),
                                 "finished_by": "candidate", "score": Decimal(rng.randint(0, 10)),
                                 "max_score": Decimal(10), "percent": Decimal(0), "passed": True})
            s.execute(insert(Attempt), attempts)
            if start == 0:
                sitters = users[: args.sitters]
                s.execute(insert(ExamCandidate), [{"exam_id": contest.id, "user_id": uid} for uid in sitters])
                rows = []
                for uid in sitters:
                    row, tokens[uid] = _token(uid)
                    rows.append(row)
                s.execute(insert(ApiToken), rows)
        s.commit()
        contest_id = contest.id
    app.extensions["examapp.engine"].dispose()
    return contest_id, tokens


def timed(fn, n: int) -> list[float]:
    out = []
    for i in range(n):
        began = time.perf_counter()
        fn(i)
        out.append(time.perf_counter() - began)
    return sorted(out)


def show(label: str, values: list[float], floor: list[float] | None = None) -> None:
    p50, p99 = values[len(values) // 2] * 1e6, values[int(len(values) * 0.99)] * 1e6
    ratio = f"  {statistics.median(values) / statistics.median(floor):.2f}x the floor" if floor else ""
    print(f"{label:<46}{len(values):>7}{p50:>10.0f}{p99:>10.0f}{ratio}")


def redis_figures(url: str, redis_url: str, prefix: str, contest_id: int, n: int) -> None:
    """Figures 2 and 3: rebuild from PostgreSQL, board update and top 10 against raw round trips."""
    app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "x", "REDIS_URL": redis_url,
                      "REDIS_PREFIX": prefix})
    with app.app_context():
        s = db.session()
        from examapp.contests.models import Contest

        contest = s.get(Contest, contest_id)
        found = boards.redis_boards()
        began = time.perf_counter()
        count = boards.rebuild(s, found, contest)
        print(f"\nrebuild of every board from PostgreSQL: {count} entries (round + overall) in "
              f"{time.perf_counter() - began:.2f} s (target < 5 s for 100,000)")
        raw = redis.Redis.from_url(redis_url, decode_responses=True)
        plain = f"{prefix}raw-floor"
        raw.delete(plain)
        for start in range(0, n, 20_000):
            raw.zadd(plain, {f"m{i}": random.random() for i in range(start, min(n, start + 20_000))})
        source = boards.entries.board_source(s, contest)
        people = list(source.people.values())
        standings = {st.participant_id: st for st in source.rounds[1]}
        from examapp.leaderboard import EntryChange

        def update(i: int) -> None:
            person = people[i % len(people)]
            st = standings[person.participant_id]
            better = type(st)(st.participant_id, st.score + 1, st.time_ms, st.submitted_at)
            found.apply(EntryChange(contest_id, 1, person, better, better, True))

        print(f"\n{'Redis, one call (µs)':<46}{'n':>7}{'p50':>10}{'p99':>10}")
        floor_add = timed(lambda i: raw.zadd(plain, {f"m{i}": random.random()}), 5000)
        floor_rank = timed(lambda i: raw.zrevrank(plain, f"m{i}"), 5000)
        show("raw ZADD (floor)", floor_add)
        show("raw ZREVRANK (floor)", floor_rank)
        show("board update: one try onto 4 boards (Lua)", timed(update, 5000), floor_add)
        show("board top 10 (ZRANGE + names)", timed(lambda i: found.top(contest_id, 10), 5000), floor_rank)
        show("board around me (rank, window, names)",
             timed(lambda i: found.around(contest_id, people[i % len(people)].participant_id), 5000),
             floor_rank)
        raw.delete(plain)
        raw.close()
    app.extensions["examapp.engine"].dispose()


async def http_figures(base: str, contest_id: int, tokens: dict[int, str], args, calls: Calls) -> None:
    connector = aiohttp.TCPConnector(limit=args.concurrency)
    async with aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.DummyCookieJar()) as http:
        heads = [{"Authorization": f"Bearer {t}"} for t in tokens.values()]
        board = f"{base}/api/v1/contests/{contest_id}/leaderboard"

        async def reader(kind: str, path: str, own: bool, stop: float) -> None:
            while time.perf_counter() < stop:
                began = time.perf_counter()
                async with http.get(board + path, headers=random.choice(heads) if own else None) as r:
                    await r.read()
                    calls.add(kind, began, r.status == 200, str(r.status))

        for kind, path, own in (("board top 10", "", False), ("board around me", "/me", True)):
            stop = time.perf_counter() + args.floor_seconds
            await asyncio.gather(*(reader(kind, path, own, stop) for _ in range(args.concurrency)))
        attempts = []
        for head in heads:  # the second try of each sitter, started before the submits are timed
            async with http.post(f"{base}/api/v1/exams/{contest_id}/attempts", json={}, headers=head) as r:
                body = await r.json()
                if r.status in (200, 201):
                    attempts.append((head, body["attempt_id"], body["questions"]))
        for head, attempt_id, questions in attempts[: len(attempts)]:
            q = questions[0]
            async with http.put(f"{base}/api/v1/attempts/{attempt_id}/answers/{q['id']}", headers=head,
                                json={"options": [q["options"][0]["id"]]}) as r:
                await r.read()
        queue = list(attempts)

        async def submitter() -> None:
            while queue:
                head, attempt_id, _ = queue.pop()
                began = time.perf_counter()
                async with http.post(f"{base}/api/v1/attempts/{attempt_id}/submit", headers=head) as r:
                    await r.read()
                    calls.add("submit a try (graded, ranked)", began, r.status == 200, str(r.status))

        await asyncio.gather(*(submitter() for _ in range(args.concurrency)))
        n = iter(range(10**9))

        async def register(due: float) -> None:
            k = next(n)
            await call(http, calls, "registration (open loop)", "POST",
                       f"{base}/api/v1/contests/{contest_id}/register",
                       json={"name": f"Người mới {k}", "phone": f"08{k:08d}",
                             "unit": f"Công ty số {k % UNITS}"},
                       began=due)

        await open_loop(register, args.registrations / args.registration_seconds, args.registration_seconds)


async def run(args: argparse.Namespace) -> None:
    name, url = scratch_database(args.pg)
    prefix = f"examapp-bench-{uuid.uuid4().hex[:6]}:"
    calls = Calls()
    try:
        with psycopg.connect(libpq(url), autocommit=True) as conn:
            conn.execute("CREATE TABLE floor_answer (attempt_id int, question_id int, choice text, "
                         "revision int, saved_at timestamptz, PRIMARY KEY (attempt_id, question_id))")
        secret = uuid.uuid4().hex
        t = time.perf_counter()
        contest_id, tokens = seed(url, args, secret)
        print(f"seeded a contest of {args.entries} entries in {time.perf_counter() - t:.1f} s",
              file=sys.stderr)
        redis_figures(url, args.redis, prefix, contest_id, args.entries)
        if args.redis_only:
            return
        await measure_floors({"FLOOR_PG": libpq(url)}, calls, args, "before")
        app = Gunicorn("examapp:create_app()", {
            "EXAMAPP_ENV": "production", "EXAMAPP_SECRET_KEY": secret, "EXAMAPP_DATABASE_URL": url,
            "EXAMAPP_REDIS_URL": args.redis, "EXAMAPP_REDIS_PREFIX": prefix,
            "EXAMAPP_INSTANCE_PATH": f"/tmp/{name}",
            "EXAMAPP_CONTEST_REGISTRATIONS_PER_ADDRESS": str(args.registrations * 2)}, args, ROOT)
        try:
            await app.ready("/api/v1/health")
            await http_figures(app.url, contest_id, tokens, args, calls)
        finally:
            app.stop()
        report_floors(calls, args)
        print(f"\n{'contest calls (HTTP)':<34}{'count':>8}{'per s':>9}{'p50 ms':>9}{'p99 ms':>9}"
              f"{'errors':>8}")
        for kind in ("board top 10", "board around me", "submit a try (graded, ranked)",
                     "registration (open loop)"):
            count, rate, p50, p99, errors = calls.row(kind)
            print(f"{kind:<34}{count:>8}{rate:>9.0f}{p50:>9.1f}{p99:>9.1f}{errors:>8}")
            if errors:
                print(f"   first error: {calls.samples.get(kind)}")
    finally:
        drop_database(args.pg, name)
        client = redis.Redis.from_url(args.redis)
        keys = list(client.scan_iter(f"{prefix}*"))
        if keys:
            client.delete(*keys)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--redis-only", action="store_true", help="only the Redis figures and the rebuild")
    parser.add_argument("--sitters", type=int, default=2000)
    parser.add_argument("--registrations", type=int, default=10_000)
    parser.add_argument("--registration-seconds", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--worker-class", default="sync", choices=("gthread", "sync"))
    parser.add_argument("--backlog", type=int, default=2048)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--floor-seconds", type=float, default=10.0)
    parser.add_argument("--rate", type=float, default=200.0, help="the floor's open-loop upserts per second")
    parser.add_argument("--open-seconds", type=float, default=10.0)
    parser.add_argument("--candidates", type=int, default=2000, help="rows the floor's upserts spread over")
    parser.add_argument("--pg", default=os.environ.get("EXAMAPP_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--redis", default=os.environ.get("EXAMAPP_BENCH_REDIS", "redis://127.0.0.1:6379/14"))
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
