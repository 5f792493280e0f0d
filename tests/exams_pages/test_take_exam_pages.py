"""Taking an exam without JavaScript: the paper is a plain form that saves, submits and shows a result."""

from __future__ import annotations

import re
from datetime import timedelta

from examapp import db
from examapp.db import utcnow
from examapp.exams.models import Attempt, AttemptQuestion
from tests.exams_pages.conftest import attempt_row, paper_of, start
from tests.factories import answer_key, change_exam, log_in, make_client


def _form_for(paper, choose: dict[int, list[int]], flagged: tuple[int, ...] = ()) -> dict:
    """What the browser posts: every question shown, the chosen options, the flags."""
    data: dict = {"shown": [str(q.id) for q in paper.questions]}
    for qid, options in choose.items():
        data[f"q{qid}"] = [str(o) for o in options]
    for qid in flagged:
        data[f"flag{qid}"] = "1"
    return data


def _first_options(paper, n: int) -> dict[int, list[int]]:
    return {q.id: [q.options[0].id] for q in paper.questions[:n]}


def test_my_exams_lists_the_assigned_exam_with_a_start_link(setup):
    page = setup.candidate.get("/my-exams").get_data(as_text=True)
    assert "Kiểm tra kiến thức Đảng" in page
    assert f"/my-exams/{setup.exam_id}" in page


def test_wrong_room_code_is_refused_with_a_message_and_starts_nothing(setup, app):
    response = setup.candidate.post(f"/my-exams/{setup.exam_id}", data={"room_code": "WRONG"})
    assert response.status_code == 403
    assert "The room code is not correct" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session().query(Attempt).count() == 0


def test_too_many_wrong_room_codes_are_refused_on_the_page(setup, app):
    app.config["EXAM_ROOM_CODE_MAX_FAILURES"] = 2
    for guess in ("WRONG1", "WRONG2"):
        setup.candidate.post(f"/my-exams/{setup.exam_id}", data={"room_code": guess})
    response = setup.candidate.post(f"/my-exams/{setup.exam_id}", data={"room_code": "p101"})
    assert response.status_code == 429 and int(response.headers["Retry-After"]) > 0
    assert "Too many wrong room codes" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session().query(Attempt).count() == 0


def test_start_opens_the_paper_and_the_same_attempt_is_resumed(setup, app):
    attempt_id = start(setup.candidate, setup.exam_id, room_code="p101")
    assert start(setup.candidate, setup.exam_id) == attempt_id
    page = setup.candidate.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert 'id="paper"' in page and 'method="post"' in page
    assert page.count('class="question"') == 6


def test_paper_holds_no_answer_key(setup, app):
    attempt_id = start(setup.candidate, setup.exam_id)
    page = setup.candidate.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert "is_correct" not in page
    assert "correct" not in page.lower()
    # The page is the same whichever options are correct: flip the key and compare.
    with app.app_context():
        s = db.session()
        for aq in s.query(AttemptQuestion).filter_by(attempt_id=attempt_id):
            aq.options = [{**o, "is_correct": not o["is_correct"]} for o in aq.options]
        s.commit()
    again = setup.candidate.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    # the server time and the CSRF token (signed with a timestamp) differ from second to second
    strip = re.compile(r'data-server-time="[^"]*"|content="\d+"|name="csrf_token" value="[^"]*"'
                       r'|name="csrf-token" content="[^"]*"')
    assert strip.sub("", again) == strip.sub("", page)


def test_resume_on_another_machine_shows_the_same_order_and_answers(setup, app):
    attempt_id = start(setup.candidate, setup.exam_id)
    paper = paper_of(app, attempt_id)
    setup.candidate.post(f"/attempts/{attempt_id}", data=_form_for(paper, _first_options(paper, 2)))
    other_machine = app.test_client()
    log_in(other_machine, setup.candidate.user.username)
    assert start(other_machine, setup.exam_id) == attempt_id
    first = setup.candidate.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    second = other_machine.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    order = re.compile(r'name="q(\d+)" value="(\d+)"( checked)?')
    assert order.findall(first) == order.findall(second)
    assert len([m for m in order.findall(second) if m[2]]) == 2


def test_posting_the_form_saves_changed_answers_and_flags(setup, app):
    attempt_id = start(setup.candidate, setup.exam_id)
    paper = paper_of(app, attempt_id)
    multiple = next(q for q in paper.questions if q.type == "multiple")
    choose = _first_options(paper, 3)
    choose[multiple.id] = [o.id for o in multiple.options[:2]]
    flag = paper.questions[-1].id
    response = setup.candidate.post(f"/attempts/{attempt_id}", data={
        **_form_for(paper, choose, flagged=(flag,)), "action": "save"})
    assert response.status_code == 303
    saved = paper_of(app, attempt_id).answers
    assert {qid: sorted(a.options) for qid, a in saved.items() if a.options} == {
        qid: sorted(o) for qid, o in choose.items()}
    assert saved[flag].flagged is True
    page = setup.candidate.get(response.headers["Location"]).get_data(as_text=True)
    assert "Answers saved" in page
    revisions = {qid: a.revision for qid, a in saved.items()}

    # Posting again with one change saves only that question.
    changed = paper.questions[0]
    choose[changed.id] = [changed.options[1].id]
    setup.candidate.post(f"/attempts/{attempt_id}", data=_form_for(paper, choose, flagged=(flag,)))
    after = paper_of(app, attempt_id).answers
    assert after[changed.id].options == [changed.options[1].id]
    assert {qid: a.revision for qid, a in after.items() if qid != changed.id} == {
        qid: r for qid, r in revisions.items() if qid != changed.id}

    # Unticking every box of the multiple-answer question clears it.
    del choose[multiple.id]
    setup.candidate.post(f"/attempts/{attempt_id}", data=_form_for(paper, choose, flagged=(flag,)))
    assert paper_of(app, attempt_id).answers[multiple.id].options == []


def test_an_option_of_another_question_is_refused_and_nothing_saved(setup, app):
    attempt_id = start(setup.candidate, setup.exam_id)
    paper = paper_of(app, attempt_id)
    first, second = paper.questions[:2]
    response = setup.candidate.post(f"/attempts/{attempt_id}", data=_form_for(
        paper, {first.id: [second.options[0].id]}))
    assert response.status_code == 422
    assert "do not belong" in response.get_data(as_text=True)
    assert paper_of(app, attempt_id).answers == {}
    bad = setup.candidate.post(f"/attempts/{attempt_id}", data={"shown": ["999999"]})
    assert bad.status_code == 400


def test_submit_without_javascript_asks_then_shows_the_score(setup, app):
    attempt_id = start(setup.candidate, setup.exam_id)
    paper = paper_of(app, attempt_id)
    response = setup.candidate.post(f"/attempts/{attempt_id}", data={
        **_form_for(paper, _first_options(paper, 4), flagged=(paper.questions[0].id,)),
        "action": "submit"})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/{attempt_id}/submit")
    summary = setup.candidate.get(f"/attempts/{attempt_id}/submit").get_data(as_text=True)
    assert re.search(r"Answered</dt><dd>4<", summary)
    assert re.search(r"Not answered</dt><dd>2<", summary)
    assert re.search(r"Flagged for review</dt><dd>1<", summary)
    assert attempt_row(app, attempt_id).status == "in_progress"

    done = setup.candidate.post(f"/attempts/{attempt_id}/submit", data={"confirmed": "y"})
    assert done.status_code == 303 and done.headers["Location"].endswith(f"/{attempt_id}/result")
    attempt = attempt_row(app, attempt_id)
    assert attempt.status == "submitted" and attempt.finished_by == "candidate"
    result = setup.candidate.get(f"/attempts/{attempt_id}/result").get_data(as_text=True)
    assert f"<strong>{float(attempt.score):g}</strong> / 6" in result
    # The paper now leads to the result; answers are no longer taken.
    assert setup.candidate.get(f"/attempts/{attempt_id}").headers["Location"].endswith("/result")
    late = setup.candidate.post(f"/attempts/{attempt_id}", data=_form_for(paper, _first_options(paper, 6)))
    assert late.status_code == 302
    assert paper_of(app, attempt_id).answers.keys() == _first_options(paper, 4).keys()


def test_answers_after_the_deadline_are_refused_and_the_paper_is_graded(setup, app):
    attempt_id = start(setup.candidate, setup.exam_id)
    paper = paper_of(app, attempt_id)
    setup.candidate.post(f"/attempts/{attempt_id}", data=_form_for(paper, _first_options(paper, 1)))
    with app.app_context():
        s = db.session()
        s.get(Attempt, attempt_id).deadline -= timedelta(hours=1)
        s.commit()
    response = setup.candidate.post(f"/attempts/{attempt_id}",
                                    data=_form_for(paper, _first_options(paper, 3)))
    assert response.headers["Location"].endswith("/result")
    attempt = attempt_row(app, attempt_id)
    assert attempt.status == "submitted" and attempt.finished_by == "deadline"
    assert len([a for a in paper_of(app, attempt_id).answers.values() if a.options]) == 1


def _submit_all_correct(setup, app) -> int:
    attempt_id = start(setup.candidate, setup.exam_id)
    with app.app_context():
        key = {aq.question_id: answer_key(aq)
               for aq in db.session().query(AttemptQuestion).filter_by(attempt_id=attempt_id)}
    paper = paper_of(app, attempt_id)
    setup.candidate.post(f"/attempts/{attempt_id}", data=_form_for(paper, key))
    setup.candidate.post(f"/attempts/{attempt_id}/submit", data={"confirmed": "y"})
    return attempt_id


def test_the_result_page_gives_the_pass_mark_who_submitted_and_the_attempts_left(setup, app):
    change_exam(app, setup.exam_id, max_attempts=2, pass_percent=60)
    attempt_id = _submit_all_correct(setup, app)
    page = setup.candidate.get(f"/attempts/{attempt_id}/result").get_data(as_text=True)
    assert "Pass mark: 60%" in page and "submitted by you" in page
    assert "You have 1 attempt left." in page and f'href="/my-exams/{setup.exam_id}"' in page
    second = _submit_all_correct(setup, app)
    last = setup.candidate.get(f"/attempts/{second}/result").get_data(as_text=True)
    assert "You have used every attempt of this exam." in last and "Try again" not in last


def test_review_policy_none_shows_no_score(setup, app):
    change_exam(app, setup.exam_id, review_policy="none")
    attempt_id = _submit_all_correct(setup, app)
    page = setup.candidate.get(f"/attempts/{attempt_id}/result").get_data(as_text=True)
    assert "Your paper has been submitted" in page
    assert "/ 6" not in page and "Passed" not in page


def test_review_policy_answers_after_close_shows_the_key_only_after_closing(setup, app):
    change_exam(app, setup.exam_id, review_policy="answers_after_close")
    attempt_id = _submit_all_correct(setup, app)
    before = setup.candidate.get(f"/attempts/{attempt_id}/result").get_data(as_text=True)
    assert "<strong>6</strong> / 6" in before and "Passed" in before
    assert "The correct answers are shown here after the exam closes." in before
    assert ">correct answer<" not in before and ">your answer<" not in before
    change_exam(app, setup.exam_id, closes_at=utcnow() - timedelta(seconds=1))
    after = setup.candidate.get(f"/attempts/{attempt_id}/result").get_data(as_text=True)
    assert after.count(">correct answer<") == 7  # one per correct option; the multiple has two
    assert after.count(">your answer<") == 7


def test_the_review_shows_each_questions_explanation_after_closing_and_never_before(setup, app):
    from examapp.banks.models import Question

    with app.app_context():
        s = db.session()
        for q in s.query(Question):
            q.explanation = f"Because of article {q.id}."
            q.version += 1  # as an edit does: a paper drawn ahead before it is drawn again
        s.commit()
    change_exam(app, setup.exam_id, review_policy="answers_after_close")
    attempt_id = start(setup.candidate, setup.exam_id)
    assert "Because of article" not in setup.candidate.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    setup.candidate.post(f"/attempts/{attempt_id}/submit", data={"confirmed": "y"})
    before = setup.candidate.get(f"/attempts/{attempt_id}/result")
    assert before.status_code == 200 and "Because of article" not in before.get_data(as_text=True)
    change_exam(app, setup.exam_id, closes_at=utcnow() - timedelta(seconds=1))
    after = setup.candidate.get(f"/attempts/{attempt_id}/result").get_data(as_text=True)
    assert after.count("Because of article") == 6
    review = setup.candidate.get(f"/api/v1/attempts/{attempt_id}").get_json()["review"]
    assert all(q["explanation"].startswith("Because of article") for q in review)


def test_true_false_options_are_shown_in_the_readers_language(setup, app):
    attempt_id = start(setup.candidate, setup.exam_id)
    english = setup.candidate.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert english.count("<span>True</span>") == 2 and english.count("<span>False</span>") == 2
    vietnamese = setup.candidate.get(f"/attempts/{attempt_id}", headers={"Accept-Language": "vi"})
    html = vietnamese.get_data(as_text=True)
    assert html.count("<span>Đúng</span>") == 2 and html.count("<span>Sai</span>") == 2
    assert "Câu 1/6" in html


def test_another_candidates_attempt_is_not_found(setup, app):
    attempt_id = start(setup.candidate, setup.exam_id)
    stranger = make_client(app, "candidate")
    for suffix in ("", "/submit", "/result"):
        assert stranger.get(f"/attempts/{attempt_id}{suffix}").status_code == 404, suffix
    paper = paper_of(app, attempt_id)
    posted = stranger.post(f"/attempts/{attempt_id}", data=_form_for(paper, _first_options(paper, 1)))
    assert posted.status_code == 404
    assert stranger.post(f"/attempts/{attempt_id}/submit", data={"confirmed": "y"}).status_code == 404
    assert paper_of(app, attempt_id).answers == {}
    assert stranger.get(f"/my-exams/{setup.exam_id}").status_code == 404
