"""The test run says which backends it used and what it left out, before pytest's closing line."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

from tests.backends import Backend, chromium, service, summary_line

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_an_unset_variable_means_the_local_service_when_it_answers(monkeypatch):
    monkeypatch.delenv("EXAMAPP_TEST_X_URL", raising=False)
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        assert service("X", "EXAMAPP_TEST_X_URL", "x://local", "127.0.0.1", port) == Backend("X", "x://local")
    silent = _free_port()
    assert service("X", "EXAMAPP_TEST_X_URL", "x://local", "127.0.0.1", silent) == Backend(
        "X", None, f"nothing answers at 127.0.0.1:{silent}")


def test_a_set_variable_wins_and_an_empty_one_turns_the_backend_off(monkeypatch):
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        monkeypatch.setenv("EXAMAPP_TEST_X_URL", "x://elsewhere")
        assert service("X", "EXAMAPP_TEST_X_URL", "x://local", "127.0.0.1", port).value == "x://elsewhere"
        monkeypatch.setenv("EXAMAPP_TEST_X_URL", "")
        assert service("X", "EXAMAPP_TEST_X_URL", "x://local", "127.0.0.1", port) == Backend(
            "X", None, "EXAMAPP_TEST_X_URL is empty")


def test_chromium_is_found_on_the_path_or_said_missing(monkeypatch, tmp_path):
    monkeypatch.delenv("EXAMAPP_TEST_CHROMIUM", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert chromium() == Backend("Chromium", None, "no Chromium: apt-get install chromium")
    binary = tmp_path / "chromium"
    binary.write_text("#!/bin/sh\n")
    binary.chmod(0o755)
    assert chromium().value == str(binary)
    monkeypatch.setenv("EXAMAPP_TEST_CHROMIUM", "")
    assert chromium().reason == "EXAMAPP_TEST_CHROMIUM is empty"


def test_the_summary_names_each_missing_backend_with_its_count_and_reason():
    pg, redis = Backend("PostgreSQL", "pg://"), Backend("Redis", "redis://")
    browser = Backend("Chromium", "/usr/bin/chromium")
    assert summary_line(pg, redis, browser, 0, 5, 7) == "all backends: SQLite, PostgreSQL, Redis, Chromium"
    no_pg = Backend("PostgreSQL", None, "nothing answers at 127.0.0.1:5432")
    no_browser = Backend("Chromium", None, "no Chromium: apt-get install chromium")
    assert summary_line(no_pg, redis, no_browser, 812, 5, 1) == (
        "backends: SQLite, Redis; not run: PostgreSQL variants of 812 tests (nothing answers at "
        "127.0.0.1:5432), 1 browser test (no Chromium: apt-get install chromium)")


def test_a_run_without_services_ends_with_what_it_left_out_then_pytests_own_line():
    env = {**os.environ, "EXAMAPP_TEST_DATABASE_URL": "", "EXAMAPP_TEST_REDIS_URL": "",
           "EXAMAPP_TEST_CHROMIUM": ""}
    env.pop("CI", None)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         "tests/test_migrations.py::test_init_db_twice_changes_nothing", "tests/foundation/test_identity.py"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    *_, summary, closing = done.stdout.rstrip("\n").splitlines()
    assert re.fullmatch(
        r"backends: SQLite; not run: PostgreSQL variants of [1-9]\d* tests? \(EXAMAPP_TEST_DATABASE_URL is "
        r"empty\), [1-9]\d* Redis tests? \(EXAMAPP_TEST_REDIS_URL is empty\), 0 browser tests "
        r"\(EXAMAPP_TEST_CHROMIUM is empty\)", summary), summary
    assert " passed" in closing and " skipped" in closing and closing.endswith("s")
