"""The proctor's exam room in a real Chromium: the list refreshes itself; force submit asks first."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from examapp import db
from examapp.auth.models import User
from examapp.exams.models import Attempt
from tests.browser.conftest import CANDIDATE, PROCTOR, ROOM_CODE, log_in
from tests.factories import make_attempt

pytestmark = pytest.mark.browser


def test_room_refreshes_itself_and_force_submit_asks_first(browser, live_exam):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    context.set_default_timeout(10_000)
    page = context.new_page()
    log_in(page, live_exam.base_url, *PROCTOR)
    page.goto(f"{live_exam.base_url}/exams/{live_exam.exam_id}/room")
    expect(page.locator(".room-counts")).to_contain_text("Not started: 1")

    with live_exam.app.app_context():  # the candidate starts and answers on their own machine
        candidate = db.session().query(User).filter_by(username=CANDIDATE[0]).one()
        attempt_id = make_attempt(live_exam.app, live_exam.exam_id, candidate, room_code=ROOM_CODE,
                                  right=1).id
    expect(page.locator(".room-counts")).to_contain_text("In progress: 1", timeout=8_000)
    expect(page.locator("table.room")).to_contain_text("1/6")

    dialogs = []
    page.once("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name="Force submit").click()
    page.wait_for_timeout(300)
    assert dialogs and "Lê Hoàng Anh" in dialogs[0]
    with live_exam.app.app_context():
        assert db.session().get(Attempt, attempt_id).status == "in_progress"

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Force submit").click()
    expect(page.locator(".flash.success")).to_contain_text("attempt was submitted")
    expect(page.locator(".room-counts")).to_contain_text(re.compile("Submitted: 1"))
    with live_exam.app.app_context():
        attempt = db.session().get(Attempt, attempt_id)
        assert (attempt.status, attempt.finished_by) == ("submitted", "proctor")
    context.close()
