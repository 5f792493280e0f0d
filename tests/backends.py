"""What this test run uses besides SQLite: PostgreSQL, Redis and Chromium, each when it is there.

Each is named by an environment variable: unset means the local service (or the installed
Chromium) if it answers, a value means that one, and an empty value means "do not use".
The run's closing lines say what was left out and why (`summary_line`).
"""

from __future__ import annotations

import os
import shutil
import socket
from dataclasses import dataclass


@dataclass(frozen=True)
class Backend:
    name: str
    value: str | None  # the URL or path the tests use; None when not used
    reason: str = ""  # why it is not used

    @property
    def skip_reason(self) -> str:
        return f"{self.name} not used: {self.reason}"


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def service(name: str, variable: str, local_url: str, host: str, port: int) -> Backend:
    value = os.environ.get(variable)
    if value is None:
        if _answers(host, port):
            return Backend(name, local_url)
        return Backend(name, None, f"nothing answers at {host}:{port}")
    if not value:
        return Backend(name, None, f"{variable} is empty")
    return Backend(name, value)


def chromium() -> Backend:
    value = os.environ.get("EXAMAPP_TEST_CHROMIUM")
    if value == "":
        return Backend("Chromium", None, "EXAMAPP_TEST_CHROMIUM is empty")
    path = value or shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        return Backend("Chromium", None, "no Chromium: apt-get install chromium")
    return Backend("Chromium", path)


POSTGRESQL = service("PostgreSQL", "EXAMAPP_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test",
                     "127.0.0.1", 5432)
REDIS = service("Redis", "EXAMAPP_TEST_REDIS_URL", "redis://127.0.0.1:6379/15", "127.0.0.1", 6379)
CHROMIUM = chromium()


def summary_line(postgresql: Backend, redis: Backend, chromium: Backend, sqlite_only: int, redis_tests: int,
                 browser_tests: int) -> str:
    """One line: the backends used and, for each one missing, how many tests it cost and why.

    `sqlite_only` counts the tests that would also have run on PostgreSQL; `redis_tests` and
    `browser_tests` the tests that need Redis and Chromium.
    """
    used = ["SQLite", *(b.name for b in (postgresql, redis, chromium) if b.value)]
    missing = [
        (f"PostgreSQL variants of {_tests(sqlite_only)}", postgresql),
        (_tests(redis_tests, "Redis"), redis),
        (_tests(browser_tests, "browser"), chromium),
    ]
    not_run = [f"{what} ({backend.reason})" for what, backend in missing if not backend.value]
    if not not_run:
        return "all backends: " + ", ".join(used)
    return f"backends: {', '.join(used)}; not run: {', '.join(not_run)}"


def _tests(n: int, kind: str = "") -> str:
    return f"{n} {kind + ' ' if kind else ''}test{'' if n == 1 else 's'}"
