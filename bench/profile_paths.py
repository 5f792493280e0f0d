"""Where the CPU of a save, a start and a login goes: the app in production settings on a scratch
PostgreSQL database and the same Redis, each request handed to the WSGI app directly (no HTTP
client, no server) under cProfile. Prints the CPU per call and the costliest functions.

    .venv/bin/python bench/profile_paths.py --saves 2000
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import sys
import time
import uuid
from pathlib import Path

from werkzeug.test import EnvironBuilder

sys.path.insert(0, str(Path(__file__).resolve().parent))

import burst_kit  # noqa: E402


class Client:
    """Cookies kept between calls, requests run straight through `app.wsgi_app`."""

    def __init__(self, app) -> None:
        self.app = app
        self.cookie = ""

    def environ(self, method: str, path: str, body: dict | None = None) -> dict:
        headers = {"Cookie": self.cookie} if self.cookie else {}
        builder = EnvironBuilder(path=path, method=method, headers=headers,
                                 data=json.dumps(body) if body is not None else None,
                                 content_type="application/json", environ_base={"REMOTE_ADDR": "10.0.0.1"})
        try:
            return builder.get_environ()
        finally:
            builder.close()

    def run(self, environ: dict) -> tuple[int, bytes]:
        status: list[str] = []
        set_cookies: list[str] = []

        def start_response(s, headers, exc_info=None):
            status.append(s)
            set_cookies.extend(v.split(";", 1)[0] for k, v in headers if k.lower() == "set-cookie")

        body = b"".join(self.app.wsgi_app(environ, start_response))
        if set_cookies:
            self.cookie = "; ".join(set_cookies)
        return int(status[0].split()[0]), body


def profiled(label: str, calls: list, top: int) -> list[bytes]:
    """Run the prepared `(client, environ, expected status)` calls under cProfile (none when `top`
    is 0: the CPU per call without the profiler's own), report, and return the bodies."""
    profile = cProfile.Profile() if top else _Off()
    bodies = []
    cpu = time.process_time()
    profile.enable()
    for client, environ, expected in calls:
        status, body = client.run(environ)
        if status != expected:
            raise SystemExit(f"{label}: {status} {body[:300]!r}")
        bodies.append(body)
    profile.disable()
    per_call = (time.process_time() - cpu) / len(calls) * 1000
    if not top:
        print(f"{label}: {len(calls)} calls, {per_call:.2f} ms CPU each")
        return bodies
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out)
    stats.sort_stats(os.environ.get("PROFILE_SORT", "cumulative")).print_stats(top)
    print(f"\n=== {label}: {len(calls)} calls, {per_call:.2f} ms CPU each under the profiler ===")
    print("\n".join(line for line in out.getvalue().splitlines()[6:] if line.strip()))
    return bodies


def floor_save(url: str, args: argparse.Namespace) -> None:
    """The same count of saves on the floor: a bare Flask route committing one upsert."""
    import psycopg

    os.environ["FLOOR_PG"] = burst_kit.libpq(url)
    with psycopg.connect(os.environ["FLOOR_PG"], autocommit=True) as conn:
        conn.execute("CREATE TABLE floor_answer (attempt_id int, question_id int, choice text, "
                     "revision int, saved_at timestamptz, PRIMARY KEY (attempt_id, question_id))")
    import floor_app

    client = Client(floor_app.app)
    saves = [(client, client.environ("PUT", f"/save/{n % 400}/{n // 400}", {"choice": "B"}), 200)
             for n in range(args.saves)]
    profiled("floor save (warming up)", saves[: len(saves) // 2], 0)
    profiled("floor save", saves[len(saves) // 2:], args.top)
    floor_app.pool().close()


class _Off:
    def enable(self) -> None:
        pass

    def disable(self) -> None:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pg", default=os.environ.get("EXAMAPP_TEST_DATABASE_URL",
                                                       "postgresql://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--candidates", type=int, default=60)
    parser.add_argument("--saves", type=int, default=2000)
    parser.add_argument("--top", type=int, default=45,
                        help="functions to list per path; 0: no profiler, CPU per call only")
    args = parser.parse_args()
    name, url = burst_kit.scratch_database(args.pg)
    try:
        secret = uuid.uuid4().hex
        seeded = burst_kit.seed(url, args.candidates, secret)
        env = {"EXAMAPP_ENV": "production", "EXAMAPP_SECRET_KEY": secret, "EXAMAPP_DATABASE_URL": url,
               "EXAMAPP_REDIS_URL": args.redis, "EXAMAPP_INSTANCE_PATH": f"/tmp/{name}",
               "EXAMAPP_LOGIN_MAX_ATTEMPTS_PER_ADDRESS": "100000"}
        os.environ.update(env)
        from examapp import create_app

        app = create_app()
        half = args.candidates // 2
        clients = [Client(app) for _ in seeded.usernames]
        logins = [(c, c.environ("POST", "/api/v1/auth/login",
                                {"username": u, "password": burst_kit.PASSWORD}), 200)
                  for c, u in zip(clients[:half], seeded.usernames[:half], strict=True)]
        tickets = [(c, c.environ("POST", "/api/v1/auth/ticket", {"ticket": seeded.tickets[u]}), 200)
                   for c, u in zip(clients[half:], seeded.usernames[half:], strict=True)]
        profiled("password login", logins, args.top)
        profiled("ticket login", tickets, args.top)
        start_path = f"/api/v1/exams/{seeded.exam_id}/attempts"
        starts = [(c, c.environ("POST", start_path, {"room_code": burst_kit.ROOM_CODE}), 201)
                  for c in clients]
        papers = [json.loads(body) for body in profiled("start", starts, args.top)]
        saves = []
        for n in range(args.saves):
            client, paper = clients[n % len(clients)], papers[n % len(clients)]
            question = paper["questions"][(n // len(clients)) % len(paper["questions"])]
            saves.append((client, client.environ(
                "PUT", f"/api/v1/attempts/{paper['attempt_id']}/answers/{question['id']}",
                {"options": [question["options"][0]["id"]]}), 200))
        profiled("save (warming up)", saves[: len(saves) // 2], 0)
        profiled("save", saves[len(saves) // 2:], args.top)
        app.extensions["examapp.engine"].dispose()
        floor_save(url, args)
    finally:
        burst_kit.drop_database(args.pg, name)
        burst_kit.forget_login_counters(args.redis)


if __name__ == "__main__":
    main()
