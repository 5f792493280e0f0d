"""A candidate takes a timed exam in a real Chromium: clicks save at once, a reload keeps the paper,
a dropped network is retried, the summary counts, submitting shows the result, the deadline submits."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from examapp import db
from examapp.db import utcnow
from examapp.exams import attempts, room
from examapp.exams.models import Attempt
from tests.browser.conftest import CANDIDATE, ROOM_CODE, LiveExam, log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def context(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    context.set_default_timeout(10_000)
    yield context
    context.close()


def _start(page: Page, live: LiveExam) -> int:
    log_in(page, live.base_url, *CANDIDATE)
    page.goto(f"{live.base_url}/my-exams")
    page.get_by_role("link", name="Start").click()
    page.get_by_label("Room code").fill(ROOM_CODE)
    page.get_by_role("button", name="Start").click()
    page.wait_for_url(re.compile(r"/attempts/\d+$"))
    return int(page.url.rsplit("/", 1)[1])


def _layout(page: Page) -> list:
    """Question ids in paper order, each with its option ids in the order shown."""
    return page.eval_on_selector_all(".question", """qs => qs.map(q => [q.dataset.qid,
        [...q.querySelectorAll('.options input')].map(i => i.value)])""")


def _checked(page: Page) -> dict:
    return page.eval_on_selector_all(".question", """qs => Object.fromEntries(qs.map(q => [q.dataset.qid,
        [...q.querySelectorAll('.options input:checked')].map(i => Number(i.value))]))""")


def _saved(live: LiveExam, attempt_id: int) -> dict[str, list[int]]:
    with live.app.app_context():
        s = db.session()
        paper = attempts.attempt_paper(s, s.get(Attempt, attempt_id), utcnow())
        return {str(qid): a.options for qid, a in paper.answers.items()}


def _answer_current(page: Page, option: int = 0) -> None:
    current = page.locator(".question.current")
    current.locator(".options label").nth(option).click()
    expect(current.locator(".q-state")).to_have_text("Saved")


def _next(page: Page) -> None:
    page.get_by_role("button", name="Next →").click()


def test_take_an_exam_with_reload_summary_and_result(context, live_exam):
    page = context.new_page()
    attempt_id = _start(page, live_exam)
    expect(page.locator("#time-left")).to_have_text(re.compile(r"^(30:00|29:[0-5]\d)$"))
    first_reading = page.locator("#time-left").text_content()
    page.wait_for_timeout(1600)
    assert page.locator("#time-left").text_content() != first_reading, "the countdown does not move"

    layout = _layout(page)
    assert len(layout) == 6
    for _ in range(3):
        _answer_current(page)
        _next(page)
    expect(page.locator("#save-state")).to_have_text("All answers saved")
    expect(page.locator(".palette a.answered")).to_have_count(3)
    chosen = {qid: opts for qid, opts in _checked(page).items() if opts}
    assert chosen == _saved(live_exam, attempt_id)

    page.reload()
    assert _layout(page) == layout, "the paper changed order on reload"
    assert {qid: opts for qid, opts in _checked(page).items() if opts} == chosen
    expect(page.locator(".palette a.answered")).to_have_count(3)

    page.locator(".palette a").nth(3).click()
    expect(page.locator(".question.current")).to_have_attribute("data-qid", layout[3][0])
    _answer_current(page)
    page.locator(".question.current .flag input").check()
    expect(page.locator(".palette a.flagged")).to_have_count(1)
    _next(page)
    _answer_current(page)

    page.get_by_role("button", name="Submit…").click()
    summary = page.locator("#summary")
    expect(summary).to_be_visible()
    expect(summary.locator("#sum-answered")).to_have_text("5")
    expect(summary.locator("#sum-unanswered")).to_have_text("1")
    expect(summary.locator("#sum-flagged")).to_have_text("1")
    expect(summary.locator("#sum-open li")).to_have_count(2)  # the unanswered and the flagged one
    summary.locator("#sum-open button").last.click()  # back to the unanswered question
    expect(summary).to_be_hidden()
    expect(page.locator(".question.current")).to_have_attribute("data-qid", layout[5][0])
    _answer_current(page)

    page.get_by_role("button", name="Submit…").click()
    expect(summary.locator("#sum-unanswered")).to_have_text("0")
    summary.get_by_role("button", name="Submit now").click()
    page.wait_for_url(re.compile(rf"/attempts/{attempt_id}/result$"))
    expect(page.get_by_text("Your paper has been submitted.")).to_be_visible()
    expect(page.locator(".score")).to_contain_text("/ 6")
    with live_exam.app.app_context():
        attempt = db.session().get(Attempt, attempt_id)
        assert (attempt.status, attempt.finished_by) == ("submitted", "candidate")
    assert len([o for o in _saved(live_exam, attempt_id).values() if o]) == 6


def test_offline_answers_show_unsaved_and_are_saved_when_back_online(context, live_exam):
    page = context.new_page()
    attempt_id = _start(page, live_exam)
    _answer_current(page)
    _next(page)
    current = page.locator(".question.current")
    options = current.locator(".options input")
    if options.first.get_attribute("type") != "radio":  # one choice only: the second click replaces the first
        _next(page)
    qid = current.get_attribute("data-qid")
    latest = int(options.nth(1).get_attribute("value"))

    context.set_offline(True)
    current.locator(".options label").nth(0).click()
    expect(current.locator(".q-state")).to_have_text("Not saved — retrying")
    expect(page.locator("#retry-banner")).to_be_visible()
    expect(page.locator("#save-state")).to_have_text(re.compile("not saved", re.I))
    expect(page.locator(f'.palette a[data-qid="{qid}"]')).to_have_class(re.compile("unsaved"))
    current.locator(".options label").nth(1).click()  # changed while offline: this one must win
    page.wait_for_timeout(1500)
    assert qid not in _saved(live_exam, attempt_id)

    context.set_offline(False)
    expect(current.locator(".q-state")).to_have_text("Saved", timeout=20_000)
    expect(page.locator("#retry-banner")).to_be_hidden()
    expect(page.locator("#save-state")).to_have_text("All answers saved")
    assert _saved(live_exam, attempt_id)[qid] == [latest]


def test_countdown_follows_the_server_clock_not_the_computer_clock(context, live_exam):
    page = context.new_page()
    page.clock.install(time=time.time() + 2 * 3600)  # this computer's clock is two hours fast
    _start(page, live_exam)
    expect(page.locator("#time-left")).to_have_text(re.compile(r"^(30:00|29:[0-5]\d)$"))
    page.wait_for_timeout(1500)
    assert "/result" not in page.url


def test_the_page_submits_itself_at_the_deadline(context, short_exam):
    page = context.new_page()
    attempt_id = _start(page, short_exam)
    _answer_current(page)
    page.wait_for_url(re.compile(rf"/attempts/{attempt_id}/result$"), timeout=20_000)
    expect(page.get_by_text("Your paper has been submitted.")).to_be_visible()
    with short_exam.app.app_context():
        attempt = db.session().get(Attempt, attempt_id)
        assert attempt.status == "submitted"
        assert attempt.submitted_at <= attempt.deadline + timedelta(seconds=5)
    assert len([o for o in _saved(short_exam, attempt_id).values() if o]) == 1


def test_unsaved_choices_survive_a_reload_and_are_sent_afterwards(context, live_exam):
    page = context.new_page()
    attempt_id = _start(page, live_exam)
    page.route("**/answers/*", lambda route: route.abort())  # the server cannot be reached
    current = page.locator(".question.current")
    qid = current.get_attribute("data-qid")
    chosen = int(current.locator(".options input").nth(1).get_attribute("value"))
    current.locator(".options label").nth(1).click()
    expect(current.locator(".q-state")).to_have_text("Not saved — retrying")

    page.on("dialog", lambda dialog: dialog.accept())  # "leave the page with unsaved answers?"
    page.reload()
    assert _checked(page)[qid] == [chosen], "the unsaved choice was lost on reload"
    assert qid not in _saved(live_exam, attempt_id)
    page.unroute("**/answers/*")
    expect(page.locator(f'.question[data-qid="{qid}"] .q-state')).to_have_text("Saved", timeout=20_000)
    assert _saved(live_exam, attempt_id)[qid] == [chosen]


def test_extra_time_given_just_before_the_deadline_keeps_the_paper_open(context, short_exam):
    page = context.new_page()
    attempt_id = _start(page, short_exam)
    with short_exam.app.app_context():
        s = db.session()
        exam = s.get(Attempt, attempt_id).exam
        room.extend_time(s, exam, CANDIDATE[0], 1, None, utcnow())
        s.commit()
    page.wait_for_timeout(8000)  # past the first deadline
    assert page.url.endswith(f"/attempts/{attempt_id}")
    expect(page.locator("#time-left")).to_have_text(re.compile(r"^0:[3-5]\d$"))
    _answer_current(page)
