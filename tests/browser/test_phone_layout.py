"""On a 390 px phone, the lists staff and candidates use fit the screen: no sideways scrolling."""

from __future__ import annotations

import pytest

from examapp import db
from examapp.exams.models import Exam
from tests.browser.conftest import CANDIDATE, TRAINER, log_in

pytestmark = pytest.mark.browser


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_staff_and_candidate_lists_fit_a_phone(browser, live_exam):
    with live_exam.app.app_context():
        bank_id = db.session().get(Exam, live_exam.exam_id).bank_id
    for (username, password), paths in (
            (TRAINER, ("/exams", "/banks", f"/banks/{bank_id}", f"/exams/{live_exam.exam_id}/candidates")),
            (CANDIDATE, ("/my-exams", f"/my-exams/{live_exam.exam_id}"))):
        context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-GB")
        page = context.new_page()
        log_in(page, live_exam.base_url, username, password)
        for path in paths:
            page.goto(f"{live_exam.base_url}{path}")
            assert fits(page), f"{path} scrolls sideways at 390 px"
        context.close()


def test_the_upload_preview_stays_on_screen_with_its_result_column(browser, live_exam):
    from pathlib import Path

    sample = Path(__file__).parents[2] / "question_banks" / "sample_vi.xlsx"
    with live_exam.app.app_context():
        bank_id = db.session().get(Exam, live_exam.exam_id).bank_id
    for width in (1280, 390):
        context = browser.new_context(viewport={"width": width, "height": 900}, locale="en-GB")
        page = context.new_page()
        log_in(page, live_exam.base_url, *TRAINER)
        page.goto(f"{live_exam.base_url}/banks/{bank_id}/import")
        page.set_input_files("input[type=file]", str(sample))
        page.locator("main form [type=submit]").first.click()
        page.wait_for_selector("table.sheet")
        assert fits(page), f"the preview scrolls sideways at {width} px"
        if width == 1280:
            box = page.locator("table.sheet th", has_text="Result").bounding_box()
            assert box["x"] + box["width"] <= width, "the result column is off-screen"
            assert page.evaluate("document.documentElement.scrollHeight") < 72 * 160, "rows stay compact"
        context.close()
