"""On a phone-sized screen a worker registers for a contest, gives the round's prediction, answers,
and a board open on another phone moves by itself (the stream) to show the new entry."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from examapp import create_app, db
from tests.browser.conftest import LiveExam, serving
from tests.factories import make_bank, make_contest

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def live_contest(tmp_path, monkeypatch) -> Iterator[LiveExam]:
    monkeypatch.setenv("EXAMAPP_INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'contest.sqlite3'}", "SECRET_KEY": "browser",
                      "REDIS_URL": None, "SWEEP_INTERVAL_SECONDS": 0, "STREAM_SECONDS": 30})
    with app.app_context():
        db.upgrade(app.extensions["examapp.engine"])
    contest_id = make_contest(app, make_bank(app), prediction_question="Bao nhiêu bài đúng hết?",
                              prediction_target="all_correct_entries")
    for base_url in serving(app):
        yield LiveExam(base_url, app, contest_id)


def test_register_predict_answer_and_watch_the_board_move(browser, live_contest):
    base, contest_id = live_contest.base_url, live_contest.exam_id
    watcher = browser.new_context(viewport=PHONE, locale="en-GB").new_page()
    watcher.goto(f"{base}/contests/{contest_id}/board")
    expect(watcher.locator("[data-board] tbody")).to_contain_text("No entries yet.")

    context = browser.new_context(viewport=PHONE, locale="en-GB")
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(f"{base}/contests/{contest_id}")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.get_by_role("link", name="Register", exact=True).click()
    page.get_by_label("Full name").fill("Trần Thị Bình")
    page.get_by_label("Phone number").fill("0987 654 321")
    page.get_by_label("Unit").fill("Công ty Giày Thái Bình")
    page.get_by_role("button", name="Register").click()
    expect(page.locator(".ticket-code strong")).to_have_text(re.compile(r"^[A-Z0-9]{4}-[A-Z0-9]{4}$"))
    page.get_by_role("link", name="Take part").click()
    page.get_by_label("Your prediction").fill("3")
    page.get_by_role("button", name="Give my prediction").click()
    page.get_by_role("button", name="Start").click()
    page.wait_for_url(re.compile(r"/attempts/\d+$"))
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    for n in range(page.locator(".question").count()):
        current = page.locator(".question.current")
        current.locator(".options label").first.click()
        expect(current.locator(".q-state")).to_have_text("Saved")
        if n < page.locator(".question").count() - 1:
            page.get_by_role("button", name="Next →").click()
    page.get_by_role("button", name="Submit…").click()
    page.locator("#summary").get_by_role("button", name="Submit now").click()
    page.wait_for_url(re.compile(r"/result$"))

    expect(watcher.locator("[data-board] tbody")).to_contain_text("Trần Thị Bình", timeout=10_000)
    expect(watcher.locator("[data-board] tbody")).to_contain_text("Công ty Giày Thái Bình")
    page.goto(f"{base}/contests/{contest_id}/board")
    expect(page.locator("[data-board] tr.me")).to_contain_text("Trần Thị Bình")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
