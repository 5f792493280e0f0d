"""While the server is behind, the login and start pages send their form again by themselves after
the server's Retry-After, say so, and end where a normal submit would."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import CANDIDATE, ROOM_CODE, LiveExam
from tests.exams.test_admission import Behind

pytestmark = pytest.mark.browser


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 390, "height": 800}, locale="en-GB")
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def test_a_refused_login_and_start_are_retried_and_then_succeed(page, live_exam: LiveExam):
    gauge = Behind(busy=2, wait=1)
    live_exam.app.extensions["examapp.admission"] = gauge
    page.goto(f"{live_exam.base_url}/login")
    page.get_by_label("Username").fill(CANDIDATE[0])
    page.get_by_label("Password").fill(CANDIDATE[1])
    page.get_by_role("button", name="Log in").click()
    status = page.locator("form[data-busy-retry] [data-busy-status]").first
    expect(status).to_be_visible()
    expect(status).to_contain_text(re.compile(r"busy.*Trying again in \d+ seconds"))
    expect(page.get_by_role("link", name="Log out").or_(page.get_by_role("button", name="Log out"))
           ).to_be_visible()
    assert gauge.busy == 0 and gauge.asked == 3  # two refusals, then the login

    gauge.busy = 1
    page.goto(f"{live_exam.base_url}/my-exams/{live_exam.exam_id}")
    page.get_by_label("Room code").fill(ROOM_CODE)
    page.get_by_role("button", name="Start").click()
    expect(page.locator("form[data-busy-retry] [data-busy-status]")).to_be_visible()
    page.wait_for_url(re.compile(r"/attempts/\d+$"))
    expect(page.locator(".question").first).to_be_attached()
    assert gauge.busy == 0


def test_a_wrong_password_after_a_busy_answer_shows_the_form_with_its_error(page, live_exam: LiveExam):
    live_exam.app.extensions["examapp.admission"] = Behind(busy=1, wait=1)
    page.goto(f"{live_exam.base_url}/login")
    page.get_by_label("Username").fill(CANDIDATE[0])
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text(re.compile("not correct|incorrect|wrong", re.I)).first).to_be_visible()
    expect(page.get_by_label("Password")).to_be_visible()
