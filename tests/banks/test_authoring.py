"""Single questions written on the bank page or through POST /banks/{id}/questions: the same checks,
duplicate rule and bank lock as an edit; every question has its number in its bank."""

from __future__ import annotations

import threading
from decimal import Decimal
from html import unescape

import pytest
from sqlalchemy import func, select

from examapp import db
from examapp.audit.models import AuditLog
from examapp.banks.models import Question, QuestionBank, Topic
from examapp.banks.questions import QuestionDraft, add_question
from examapp.banks.service import QuestionDuplicate, QuestionError
from tests.banks.files import good_rows, row, xlsx_bytes
from tests.concurrency import held_import, second_waits_for_first
from tests.factories import import_rows, make_bank, make_client

VI = {"Accept-Language": "vi"}


def draft(text: str = "Đảng Cộng sản Việt Nam ra đời năm nào?", **changes) -> QuestionDraft:
    values = dict(text=text, type="single", options=(("1930", True), ("1945", False), ("", False)),
                  topic="Lịch sử Đảng", difficulty="easy", points=Decimal(1), explanation="Ngày 3/2/1930")
    values.update(changes)
    return QuestionDraft(**values)


def numbers(app, bank_id: int) -> list[tuple[int, str]]:
    """(number, text) of the bank's questions, in id order."""
    with app.app_context():
        return [tuple(r) for r in db.session().execute(
            select(Question.number, Question.text).where(Question.bank_id == bank_id).order_by(Question.id))]


def count(app, model=Question) -> int:
    with app.app_context():
        return db.session().scalar(select(func.count()).select_from(model))


def question_audits(app) -> list[str]:
    with app.app_context():
        return list(db.session().scalars(select(AuditLog.action).where(AuditLog.action.like("question.%"))))


@pytest.fixture
def trainer(app):
    return make_client(app, "trainer")


@pytest.fixture
def bank_id(app, trainer) -> int:
    return make_bank(app, {}, owner=trainer.user)


# ---- numbering -------------------------------------------------------------------------------


def test_questions_are_numbered_in_their_bank_in_the_order_they_were_added(app, bank_id):
    other = make_bank(app, {}, name="Pháp luật")
    import_rows(app, other, good_rows(2, prefix="Luật"))
    import_rows(app, bank_id, good_rows(3))
    with app.app_context():
        s = db.session()
        added = add_question(s, s.get(QuestionBank, bank_id), draft(), None)
        s.commit()
        assert added.number == 4
    import_rows(app, bank_id, [*good_rows(3), row("Câu cuối?")])  # three duplicates, one new
    assert [n for n, _ in numbers(app, bank_id)] == [1, 2, 3, 4, 5]
    assert numbers(app, bank_id)[-1] == (5, "Câu cuối?")
    assert [n for n, _ in numbers(app, other)] == [1, 2]


def test_an_import_numbers_its_questions_in_file_order(app, bank_id):
    rows = [row(f"Câu {i}: hỏi gì?") for i in range(1, 8)]
    import_rows(app, bank_id, rows)
    assert numbers(app, bank_id) == [(i, f"Câu {i}: hỏi gì?") for i in range(1, 8)]


def test_a_rejected_import_or_refused_question_uses_up_no_number(app, bank_id):
    import_rows(app, bank_id, good_rows(2))
    report = import_rows(app, bank_id, [row("Câu mới?"), row("", answer="A")])
    assert report.rejected
    with app.app_context():
        s = db.session()
        with pytest.raises(QuestionError):
            add_question(s, s.get(QuestionBank, bank_id), draft(points=Decimal(0)), None)
        s.rollback()
    import_rows(app, bank_id, [row("Câu mới?"), row("", answer="A")], skip_invalid=True)
    assert [n for n, _ in numbers(app, bank_id)] == [1, 2, 3]


# ---- the service -----------------------------------------------------------------------------


def test_a_written_question_is_stored_as_an_import_stores_it_and_audited(app, bank_id, trainer):
    with app.app_context():
        s = db.session()
        bank = s.get(QuestionBank, bank_id)
        question = add_question(s, bank, draft(text="  Đảng ra\u200b đời năm nào?  "), trainer.user.id)
        s.commit()
        assert (question.text, question.version, question.status, question.import_job_id) == (
            "Đảng ra đời năm nào?", 1, "active", None)
        assert [(o.text, o.correct) for o in question.options] == [("1930", True), ("1945", False)]
        assert (question.topic.name, question.explanation, question.search_text) == (
            "Lịch sử Đảng", "Ngày 3/2/1930", "dang ra doi nam nao?")
        entry = s.scalar(select(AuditLog).where(AuditLog.action == "question.create"))
        assert (entry.actor_id, entry.target, entry.details) == (
            trainer.user.id, str(question.id), {"bank_id": bank_id, "number": 1})


def test_a_true_false_question_and_the_default_topic(app, bank_id):
    with app.app_context():
        s = db.session()
        question = add_question(s, s.get(QuestionBank, bank_id),
                                draft("Đảng viên dự bị có quyền biểu quyết.", type="true_false", options=(),
                                      truth=False, topic=""), None)
        s.commit()
        assert [(o.text, o.correct) for o in question.options] == [("True", False), ("False", True)]
        assert question.topic.name == "General"


@pytest.mark.parametrize("changes,fields", [
    ({"text": " "}, {"text"}),
    ({"options": (("1930", True), ("1930", False))}, {"options"}),
    ({"options": (("1930", True), ("1945", True))}, {"options"}),
    ({"options": (("1930", False), ("1945", False))}, {"options"}),
    ({"options": (("1930", True),)}, {"options"}),
    ({"type": "true_false", "options": (), "truth": None}, {"options"}),
    ({"points": Decimal("0.001"), "difficulty": "extreme"}, {"points", "difficulty"}),
    ({"type": "essay"}, {"type"}),
])
def test_a_refused_question_names_every_problem_and_writes_nothing(app, bank_id, changes, fields):
    with app.app_context():
        s = db.session()
        with pytest.raises(QuestionError) as refused:
            add_question(s, s.get(QuestionBank, bank_id), draft(**changes), None)
        s.rollback()
        assert set(refused.value.problems) == fields
    assert (count(app), count(app, Topic), question_audits(app)) == (0, 0, [])


def test_a_question_the_bank_already_holds_is_a_duplicate(app, bank_id):
    import_rows(app, bank_id, [row("Thủ đô nước ta?", options=("Hà Nội", "Huế"), answer="A")])
    with app.app_context():
        s = db.session()
        copy = draft("thủ đô   nước ta?", options=(("HÀ NỘI", True), ("Huế", False)))
        with pytest.raises(QuestionDuplicate, match="already has this text"):
            add_question(s, s.get(QuestionBank, bank_id), copy, None)
        s.rollback()
    assert count(app) == 1


def test_a_question_written_during_an_import_waits_for_it_and_is_numbered_after(app, bank_id):
    if app.config["DATABASE_URL"].startswith("sqlite"):
        pytest.skip("SQLite has one writer at a time: the two cannot overlap there")
    import_rows(app, bank_id, good_rows(2))
    outcome: dict[str, object] = {}

    def writing() -> None:
        with app.app_context():
            s = db.session()
            outcome["number"] = add_question(s, s.get(QuestionBank, bank_id), draft(), None).number
            s.commit()

    second_waits_for_first(held_import(app, bank_id, xlsx_bytes([row("Nhập: câu 3?")])), writing)
    assert outcome["number"] == 4
    assert [n for n, _ in numbers(app, bank_id)] == [1, 2, 3, 4]


def test_questions_written_at_once_get_different_numbers(app, bank_id):
    start = threading.Barrier(4)
    failures: list[BaseException] = []

    def write(i: int) -> None:
        with app.app_context():
            s = db.session()
            start.wait()
            try:
                add_question(s, s.get(QuestionBank, bank_id), draft(f"Câu viết tay số {i}?"), None)
                s.commit()
            except BaseException as exc:  # noqa: BLE001 - reported below
                failures.append(exc)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert failures == []
    assert sorted(n for n, _ in numbers(app, bank_id)) == [1, 2, 3, 4]


# ---- the page --------------------------------------------------------------------------------


def form(**changes) -> dict:
    values = {"text": "Đảng Cộng sản Việt Nam ra đời năm nào?", "type": "single",
              "options-0-text": "1930", "options-0-correct": "y", "options-1-text": "1945",
              "truth": "", "topic": "Lịch sử Đảng", "difficulty": "medium", "points": "1.5",
              "explanation": ""}
    values.update(changes)
    return {k: v for k, v in values.items() if v is not None}


def test_a_trainer_writes_a_question_on_the_bank_page_and_reads_its_number(app, bank_id, trainer):
    import_rows(app, bank_id, good_rows(2))
    page = trainer.get(f"/banks/{bank_id}/questions/new")
    assert page.status_code == 200 and 'aria-current="page">New question' in page.get_data(as_text=True)
    response = trainer.post(f"/banks/{bank_id}/questions/new", data=form())
    assert response.status_code == 302
    shown = unescape(trainer.get(response.headers["Location"]).get_data(as_text=True))
    assert "Question 3 added." in shown and "<h1>Question 3 <" in shown and "Written on this site" in shown
    listing = trainer.get(f"/banks/{bank_id}").get_data(as_text=True)
    assert '<td class="num" data-label="#">3</td>' in listing
    with app.app_context():
        question = db.session().scalar(select(Question).where(Question.number == 3))
        assert (question.points, question.difficulty) == (Decimal("1.5"), "medium")


def test_question_pages_show_the_banks_number_not_the_database_id(app, bank_id, trainer):
    other = make_bank(app, {}, name="Pháp luật", owner=trainer.user)
    import_rows(app, other, good_rows(5, prefix="Luật"))
    import_rows(app, bank_id, good_rows(1))
    with app.app_context():
        question = db.session().scalar(select(Question).where(Question.bank_id == bank_id))
        assert question.id == 6
    page = trainer.get(f"/banks/{bank_id}/questions/6").get_data(as_text=True)
    assert "<h1>Question 1 <" in page
    edit = trainer.get(f"/banks/{bank_id}/questions/6/edit").get_data(as_text=True)
    assert "<h1>Edit question 1</h1>" in edit


@pytest.mark.parametrize("changes,words", [
    ({"text": ""}, "This field is required"),
    ({"options-1-text": "", "options-1-correct": None}, "give at least two options"),
    ({"options-1-correct": "y"}, "exactly one correct option"),
    ({"points": "-1"}, "Number must be between 0.01 and 1000"),
    ({"points": "1.005"}, "at most two decimals"),
    ({"type": "true_false", "truth": ""}, "say whether the statement is true or false"),
])
def test_a_refused_question_on_the_page_says_why_and_writes_nothing(app, bank_id, trainer, changes, words):
    response = trainer.post(f"/banks/{bank_id}/questions/new", data=form(**changes))
    assert response.status_code == 400 and words.lower() in unescape(response.get_data(as_text=True)).lower()
    assert count(app) == 0


def test_a_duplicate_on_the_page_is_refused_in_vietnamese(app, bank_id, trainer):
    trainer.post(f"/banks/{bank_id}/questions/new", data=form())
    again = trainer.post(f"/banks/{bank_id}/questions/new", data=form(), headers=VI)
    assert again.status_code == 400 and "đã có một câu hỏi khác" in unescape(again.get_data(as_text=True))
    assert count(app) == 1


def test_writing_into_another_trainers_bank_is_refused(app, bank_id):
    intruder = make_client(app, "trainer")
    assert intruder.get(f"/banks/{bank_id}/questions/new").status_code == 403
    assert intruder.post(f"/banks/{bank_id}/questions/new", data=form()).status_code == 403
    assert make_client(app, "proctor").post(f"/banks/{bank_id}/questions/new", data=form()).status_code == 403
    assert intruder.post(f"/api/v1/banks/{bank_id}/questions", json={
        "text": "Câu?", "options": [{"text": "A", "is_correct": True}, {"text": "B"}]}).status_code == 403
    assert intruder.post("/banks/999999/questions/new", data=form()).status_code == 404
    assert count(app) == 0


# ---- the API ---------------------------------------------------------------------------------


def body(**changes) -> dict:
    values = {"text": "Đảng Cộng sản Việt Nam ra đời năm nào?", "type": "single",
              "options": [{"text": "1930", "is_correct": True}, {"text": "1945"}],
              "topic": "Lịch sử Đảng", "difficulty": "hard", "points": 2, "explanation": "Năm 1930"}
    values.update(changes)
    return {k: v for k, v in values.items() if v is not None}


def test_the_api_adds_a_question_with_its_number_and_lists_it(app, bank_id, trainer):
    import_rows(app, bank_id, good_rows(2))
    response = trainer.post(f"/api/v1/banks/{bank_id}/questions", json=body())
    assert response.status_code == 201, response.get_json()
    added = response.get_json()
    assert (added["number"], added["text"], added["points"], added["difficulty"]) == (
        3, "Đảng Cộng sản Việt Nam ra đời năm nào?", "2", "hard")
    assert [(o["text"], o["is_correct"]) for o in added["options"]] == [("1930", True), ("1945", False)]
    listed = trainer.get(f"/api/v1/banks/{bank_id}/questions").get_json()["questions"]
    assert [q["number"] for q in listed] == [1, 2, 3] and listed[-1] == added


def test_the_api_adds_a_true_false_question(trainer, bank_id):
    response = trainer.post(f"/api/v1/banks/{bank_id}/questions",
                            json={"text": "Đảng viên dự bị có quyền biểu quyết.", "type": "true_false",
                                  "truth": False})
    assert response.status_code == 201, response.get_json()
    assert [(o["text"], o["is_correct"]) for o in response.get_json()["options"]] == [
        ("True", False), ("False", True)]


@pytest.mark.parametrize("changes,words", [
    ({"text": None}, "field 'text' is required"),
    ({"options": [{"text": "1930", "is_correct": True}]}, "field 'options': give at least two options"),
    ({"options": [{"text": "1930", "is_correct": True}, {"text": "1930"}]}, "two options have the same text"),
    ({"options": [{"text": "1930"}, {"text": "1945"}]}, "mark the correct option"),
    ({"points": 0}, "field 'points': points must be greater than 0"),
    ({"points": 1.005}, "at most two decimals"),
    ({"points": "2"}, "field 'points'"),
    ({"difficulty": "extreme"}, "field 'difficulty'"),
    ({"type": "true_false"}, "field 'options': a true_false question takes 'truth'"),
    ({"type": "true_false", "options": None}, "field 'truth': say whether the statement is true"),
    ({"truth": True}, "field 'truth': only a true_false question"),
    ({"colour": "red"}, "unknown field 'colour'"),
    ({"options": [{"text": f"{i}", "is_correct": i == 1} for i in range(9)]}, "field 'options'"),
])
def test_a_refused_question_from_the_api_names_the_field_and_writes_nothing(app, trainer, bank_id, changes,
                                                                            words):
    response = trainer.post(f"/api/v1/banks/{bank_id}/questions", json=body(**changes))
    assert response.status_code == 400 and words in response.get_json()["error"]["message"]
    assert count(app) == 0


def test_a_duplicate_from_the_api_is_a_conflict(app, trainer, bank_id):
    assert trainer.post(f"/api/v1/banks/{bank_id}/questions", json=body()).status_code == 201
    shouting = body(text="ĐẢNG CỘNG SẢN VIỆT NAM RA ĐỜI NĂM NÀO?")
    again = trainer.post(f"/api/v1/banks/{bank_id}/questions", json=shouting)
    assert again.status_code == 409 and "already has this text" in again.get_json()["error"]["message"]
    assert count(app) == 1


def test_the_api_refuses_an_unknown_bank_and_other_roles(app, trainer):
    assert trainer.post("/api/v1/banks/999999/questions", json=body()).status_code == 404
    candidate = make_client(app, "candidate")
    assert candidate.post("/api/v1/banks/999999/questions", json=body()).status_code == 403
