"""A real server on a free local port with a seeded exam, and the system Chromium driven by Playwright.

Chromium is the distribution's package (`apt-get install chromium`), never a Playwright download;
EXAMAPP_TEST_CHROMIUM names another binary (tests/backends.py). Without one the browser tests are
skipped on a laptop and fail in CI (CI=true), where it must exist.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from flask import Flask
from werkzeug.serving import make_server

from examapp import create_app, db
from examapp.auth.service import NewUser, create_user
from examapp.db import utcnow
from examapp.exams import candidates
from tests.backends import CHROMIUM
from tests.exams_pages.factory import make_bank, make_exam

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
CANDIDATE = ("thisinh01", "Thi#sinh2026")
PROCTOR = ("giamthi", "Giam#thi2026")
ROOM_CODE = "P101"


@pytest.fixture(scope="session")
def browser():
    path = CHROMIUM.value
    if not path:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must run the browser tests: {CHROMIUM.reason}")
        pytest.skip(CHROMIUM.skip_reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@dataclass
class LiveExam:
    base_url: str
    app: Flask
    exam_id: int


def _seed(app: Flask, **exam_settings) -> int:
    with app.app_context():
        s = db.session()
        db.upgrade(app.extensions["examapp.engine"])
        trainer = create_user(s, NewUser("giangvien", "trainer", "Nguyễn Thị Lan", None, "Giang#vien2026"))
        candidate = create_user(s, NewUser(CANDIDATE[0], "candidate", "Lê Hoàng Anh", None, CANDIDATE[1]))
        create_user(s, NewUser(PROCTOR[0], "proctor", "Trần Văn Minh", None, PROCTOR[1]))
        bank = make_bank(s, trainer)
        exam = make_exam(s, bank, trainer, room_code=ROOM_CODE, **exam_settings)
        candidates.assign_candidates(s, exam, [candidates.CandidateRow(candidate.username)], None)
        s.commit()
        return exam.id


def serve(tmp_path, monkeypatch, **exam_settings) -> Iterator[LiveExam]:
    """Run the app in a thread on 127.0.0.1:<free port> over a fresh SQLite file."""
    monkeypatch.setenv("EXAMAPP_INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app({
        "DATABASE_URL": f"sqlite:///{tmp_path / 'browser.sqlite3'}", "SECRET_KEY": "browser-test",
        "REDIS_URL": None, "SWEEP_INTERVAL_SECONDS": 0,
    })
    exam_id = _seed(app, **exam_settings)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveExam(f"http://127.0.0.1:{server.server_port}", app, exam_id)
    finally:
        server.shutdown()
        thread.join(5)
        app.extensions["examapp.engine"].dispose()


@pytest.fixture
def live_exam(tmp_path, monkeypatch) -> Iterator[LiveExam]:
    yield from serve(tmp_path, monkeypatch)


@pytest.fixture
def short_exam(tmp_path, monkeypatch) -> Iterator[LiveExam]:
    """An exam of six seconds, to watch the page submit itself at the deadline."""
    yield from serve(tmp_path, monkeypatch, duration_minutes=0.1,
                     closes_at=utcnow() + timedelta(hours=1))
