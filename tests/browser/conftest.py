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
from examapp.db import utcnow
from tests.backends import CHROMIUM
from tests.factories import make_party_exam, make_user

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TRAINER = ("giangvien", "Giang#vien2026")
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


def log_in(page, base_url: str, username: str, password: str) -> None:
    """Log in through the page and wait until the session is set: the form is sent in the background
    (busy-retry.js), so the click returns before the next page is there."""
    from playwright.sync_api import expect

    page.goto(f"{base_url}/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


@dataclass
class LiveExam:
    base_url: str
    app: Flask
    exam_id: int


def _seed(app: Flask, **exam_settings) -> int:
    with app.app_context():
        db.upgrade(app.extensions["examapp.engine"])
    trainer = make_user(app, "trainer", TRAINER[0], full_name="Nguyễn Thị Lan", password=TRAINER[1])
    make_user(app, "candidate", CANDIDATE[0], full_name="Lê Hoàng Anh", password=CANDIDATE[1])
    make_user(app, "proctor", PROCTOR[0], full_name="Trần Văn Minh", password=PROCTOR[1])
    _, exam_id = make_party_exam(app, trainer, (CANDIDATE[0],), room_code=ROOM_CODE, **exam_settings)
    return exam_id


def serve(tmp_path, monkeypatch, **exam_settings) -> Iterator[LiveExam]:
    """Run the app in a thread on 127.0.0.1:<free port> over a fresh SQLite file."""
    monkeypatch.setenv("EXAMAPP_INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app({
        "DATABASE_URL": f"sqlite:///{tmp_path / 'browser.sqlite3'}", "SECRET_KEY": "browser-test",
        "REDIS_URL": None, "SWEEP_INTERVAL_SECONDS": 0,
    })
    exam_id = _seed(app, **exam_settings)
    for base_url in serving(app):
        yield LiveExam(base_url, app, exam_id)


def serving(app: Flask) -> Iterator[str]:
    """Serve `app` in a thread on 127.0.0.1:<free port> while the caller holds its address."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
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
