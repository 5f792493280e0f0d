"""Factories that make any state in one call, so a test reads like the user's steps.

Each takes the app first, makes its rows through the services that make them in use (questions
are written as an import writes them: numbers, search text, content hash), so audit rows and
deadlines come out as they would, and commits. Called inside an app context of that app (a test
holding `db.session()`), a factory works in that context's session, so what it returns is attached
where the test reads it; elsewhere it opens an app context of its own and returns rows detached
with their columns loaded. People come back as `User` rows, banks and exams as ids (what URLs and
services take), attempts as `Attempt` rows.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from flask import Flask, current_app, has_app_context
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from examapp import db
from examapp.auth.models import User
from examapp.auth.service import NewUser, create_user, issue_token
from examapp.banks.importing import ImportReport, import_questions
from examapp.banks.models import Question, QuestionBank
from examapp.banks.service import create_bank
from examapp.banks.writing import fold_text, topic_ids
from examapp.db import utcnow
from examapp.exams import answers, attempts, definitions, finalising, tickets
from examapp.exams import candidates as exam_candidates
from examapp.exams.definitions import ExamSpec, RuleSpec
from examapp.exams.models import Attempt, AttemptQuestion, Exam, ExamCandidate
from examapp.orgs.service import create_unit, unit_by_code
from importers import Option, content_key
from tests.banks.files import xlsx_bytes

PASSWORD = "Secret#2026"
GRACE = 5.0  # seconds, the app's default EXAMAPP_GRACE_SECONDS
_numbers = itertools.count(1)


@contextmanager
def _session(app: Flask) -> Iterator[Session]:
    """The session of the caller's app context when it is one of `app`, else of a new one; committed."""
    if has_app_context() and current_app._get_current_object() is app:
        s = db.session()
        yield s
        s.commit()
        return
    with app.app_context():
        s = db.session()
        yield s
        s.commit()


# ---------------------------------------------------------------- people


def make_unit(app: Flask, code: str, name: str | None = None, parent: str | None = None,
              kind: str = "other") -> str:
    """The unit `code` (made once: asking again for the same code changes nothing); its code."""
    with _session(app) as s:
        if unit_by_code(s, code) is None:
            create_unit(s, code, name or code, parent, kind)
    return code


def make_user(app: Flask, role: str = "candidate", username: str | None = None, unit: str | None = None,
              full_name: str = "", password: str | None = PASSWORD) -> User:
    """An account of `role`; the username is made up unless given, the full name is the username's."""
    username = username or f"{role}{next(_numbers)}"
    with _session(app) as s:
        return create_user(s, NewUser(username, role, full_name or username.title(), unit, password))


def make_token(app: Flask, username: str) -> str:
    """A new API token of the account."""
    with _session(app) as s:
        return issue_token(s, s.scalar(select(User).where(User.username == username)), "test")


def log_in(client: FlaskClient, username: str, password: str = PASSWORD) -> TestResponse:
    return client.post("/api/v1/auth/login", json={"username": username, "password": password})


def make_client(app: Flask, role: str = "candidate", **user) -> FlaskClient:
    """A new test client logged in (session cookie) as a new account of `role`, at `client.user`."""
    account = make_user(app, role, **user)
    client = app.test_client()
    response = log_in(client, account.username)
    assert response.status_code == 200, response.get_json()
    client.user = account
    return client


def bearer_headers(app: Flask, role: str = "candidate", **user) -> dict[str, str]:
    """Headers authenticating as a new account of `role` with an API token."""
    account = make_user(app, role, **user)
    return {"Authorization": f"Bearer {make_token(app, account.username)}"}


def csrf_token(page: str) -> str:
    """The CSRF token of the (first) form on an HTML page."""
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


# ---------------------------------------------------------------- banks


@dataclass(frozen=True)
class QuestionSpec:
    topic: str
    type: str
    text: str
    options: tuple[tuple[str, bool], ...]  # (text, correct) in order
    difficulty: str = "medium"
    points: Decimal = Decimal(1)


KINDS = ("single", "multiple", "true_false")
# 24 questions; DEFAULT_RULES draws 9 of them worth 11 points.
DEFAULT_LAYOUT = {"History": {"easy": 6, "medium": 6, "hard": 4}, "Party rules": {"medium": 8}}
DEFAULT_RULES = [RuleSpec(3, "History", "easy"), RuleSpec(2, "History", "hard", Decimal(2)),
                 RuleSpec(4, "Party rules")]
_KEYS = {"single": (("A", True), ("B", False), ("C", False), ("D", False)),
         "multiple": (("A", True), ("B", False), ("C", True), ("D", False)),
         "true_false": (("True", True), ("False", False))}

# Six questions a trainer would write, worth a point each: three a topic, two of each type.
PARTY_QUESTIONS = (
    QuestionSpec("Lịch sử Đảng", "single", "Đảng Cộng sản Việt Nam được thành lập năm nào?",
                 (("1925", False), ("1930", True), ("1945", False), ("1954", False))),
    QuestionSpec("Lịch sử Đảng", "single", "Ai là Tổng Bí thư đầu tiên của Đảng?",
                 (("Trần Phú", True), ("Lê Hồng Phong", False), ("Hà Huy Tập", False))),
    QuestionSpec("Lịch sử Đảng", "true_false", "Cách mạng Tháng Tám thành công năm 1945.",
                 (("True", True), ("False", False))),
    QuestionSpec("Điều lệ Đảng", "multiple",
                 "Những nguyên tắc nào là nguyên tắc tổ chức và hoạt động của Đảng?",
                 (("Tập trung dân chủ", True), ("Tự phê bình và phê bình", True),
                  ("Tam quyền phân lập", False))),
    QuestionSpec("Điều lệ Đảng", "single", "Thời gian dự bị của đảng viên là bao lâu?",
                 (("6 tháng", False), ("12 tháng", True), ("18 tháng", False))),
    QuestionSpec("Điều lệ Đảng", "true_false", "Đảng viên dự bị có quyền biểu quyết.",
                 (("True", False), ("False", True))),
)


def layout_questions(layout: dict[str, dict[str, int]], kinds: Sequence[str] = KINDS,
                     points: Decimal | int = 1) -> list[QuestionSpec]:
    """`layout[topic][difficulty]` questions, types cycling through `kinds`, with known keys:
    single A (of A-D), multiple A and C (of A-D), true_false True."""
    cycle = itertools.cycle(kinds)
    return [QuestionSpec(topic, kind, f"{kind} question {next(_numbers)}", _KEYS[kind], difficulty,
                         Decimal(points))
            for topic, by_difficulty in layout.items()
            for difficulty, count in by_difficulty.items()
            for kind in itertools.islice(cycle, count)]


def make_bank(app: Flask, layout: dict[str, dict[str, int]] | None = None, *,
              questions: Sequence[QuestionSpec] | None = None, owner: User | None = None,
              name: str | None = None, kinds: Sequence[str] = KINDS, points: Decimal | int = 1) -> int:
    """A bank holding `questions`, or else the active questions of `layout` (default DEFAULT_LAYOUT;
    `{}` makes an empty bank), numbered 1, 2, ... and stored as an import stores them."""
    if questions is None:
        questions = layout_questions(DEFAULT_LAYOUT if layout is None else layout, kinds, points)
    with _session(app) as s:
        bank = create_bank(s, name or f"Bank {next(_numbers)}", owner.id if owner else None)
        topics = topic_ids(s, bank, [q.topic for q in questions])
        s.add_all(Question(
            bank_id=bank.id, topic_id=topics[q.topic], number=number, type=q.type, text=q.text,
            search_text=fold_text(q.text), difficulty=q.difficulty, points=q.points,
            content_hash=content_key(q.text, [text for text, _ in q.options]),
            options=tuple(Option(text, correct) for text, correct in q.options),
        ) for number, q in enumerate(questions, start=1))
        return bank.id


def import_rows(app: Flask, bank_id: int, rows: list[list], **options) -> ImportReport:
    """Import spreadsheet `rows` (tests/banks/files.py) into the bank as an uploaded xlsx file."""
    with _session(app) as s:
        return import_questions(s, s.get(QuestionBank, bank_id), xlsx_bytes(rows), "bank.xlsx", **options)


# ---------------------------------------------------------------- exams


def make_exam(app: Flask, bank_id: int, candidates: Sequence[str] = (), *, author: User | None = None,
              **settings) -> int:
    """An exam over the bank defined by `author` (default: an admin), its candidates assigned by
    username. The defaults suit DEFAULT_LAYOUT: "Party rules test", DEFAULT_RULES, 30 minutes, pass at
    50%, one attempt, no window, no room code; `settings` override ExamSpec fields."""
    spec = ExamSpec(**{"title": "Party rules test", "bank_id": bank_id, "rules": DEFAULT_RULES,
                       "duration_minutes": 30.0, "pass_percent": Decimal(50), **settings})
    with _session(app) as s:
        author = author or s.scalar(select(User).where(User.role == "admin")) or create_user(
            s, NewUser(f"examadmin{next(_numbers)}", "admin", "Exam Admin", None, None))
        exam = definitions.create_exam(s, spec, author)
        if candidates:
            _assign(s, exam, candidates, None, author.id)
        return exam.id


def make_party_exam(app: Flask, owner: User, candidates: Sequence[str] = (),
                    **settings) -> tuple[int, int]:
    """(bank id, exam id): `owner`'s bank of PARTY_QUESTIONS and an exam of all six, open from five
    minutes ago for two hours, as a trainer sets one up for a room; `settings` as make_exam's."""
    bank_id = make_bank(app, questions=PARTY_QUESTIONS, owner=owner, name="Ngân hàng câu hỏi")
    settings = {"title": "Kiểm tra kiến thức Đảng", "rules": [RuleSpec(6)],
                "opens_at": utcnow() - timedelta(minutes=5), "closes_at": utcnow() + timedelta(hours=2),
                **settings}
    return bank_id, make_exam(app, bank_id, candidates, author=owner, **settings)


def add_candidates(app: Flask, exam_id: int, usernames: Sequence[str],
                   extra_minutes: float | None = None) -> None:
    """Assign more candidates to the exam (with extra time), as a proctor would."""
    with _session(app) as s:
        _assign(s, s.get(Exam, exam_id), usernames, extra_minutes, None)


def _assign(s: Session, exam: Exam, usernames: Sequence[str], extra_minutes: float | None,
            actor_id: int | None) -> None:
    rows = [exam_candidates.CandidateRow(u, extra_minutes) for u in usernames]
    exam_candidates.assign_candidates(s, exam, rows, actor_id)


def change_exam(app: Flask, exam_id: int, **columns) -> None:
    """Set the exam's stored columns as given, past the service's checks: a state time or an old
    version would have left (a close in the past, settings no edit would allow)."""
    with _session(app) as s:
        exam = s.get(Exam, exam_id)
        for name, value in columns.items():
            setattr(exam, name, value)


def make_tickets(app: Flask, exam_id: int, usernames: Sequence[str] | None = None) -> dict[str, str]:
    """Fresh tickets for the exam's candidates (or the named ones): {username: ticket}."""
    with _session(app) as s:
        issued = tickets.issue_tickets(s, s.get(Exam, exam_id), None,
                                       None if usernames is None else list(usernames),
                                       key=tickets.ticket_key(app.config["SECRET_KEY"]))
        return {t.username: t.ticket for t in issued}


def answer_key(question: AttemptQuestion) -> list[int]:
    """The option ids a frozen paper question counts as right."""
    return [o["id"] for o in question.options if o["is_correct"]]


def make_attempt(app: Flask, exam_id: int, user: User, now: datetime | None = None, *,
                 room_code: str | None = None, right: int = 0, submitted_at: datetime | None = None,
                 grace: float = GRACE) -> Attempt:
    """`user`'s attempt started at `now` (default: the present; assigned first if they were not),
    the first `right` questions of the paper answered with the key then, submitted by the candidate
    at `submitted_at` if given."""
    now = now or utcnow()
    with _session(app) as s:
        assigned = s.scalar(select(ExamCandidate.id).where(ExamCandidate.exam_id == exam_id,
                                                           ExamCandidate.user_id == user.id))
        if assigned is None:
            _assign(s, s.get(Exam, exam_id), [user.username], None, None)
        attempt, _ = attempts.start_attempt(s, exam_id, user, now, room_code, grace)
        paper = s.scalars(select(AttemptQuestion).where(AttemptQuestion.attempt_id == attempt.id)
                          .order_by(AttemptQuestion.position)).all()
        for question in paper[:right]:
            answers.save_answer(s, attempt.id, user.id, question.question_id, now, grace,
                                 answer_key(question))
        if submitted_at is not None:
            attempt = finalising.submit_attempt(s, attempt.id, user.id, submitted_at, grace)
        return attempt


# ---------------------------------------------------------------- a clock tests control


T0 = utcnow().replace(microsecond=0)


def at(minutes: float = 0.0, seconds: float = 0.0, base: datetime | None = None) -> datetime:
    """A moment relative to a fixed start, for the services' `now`."""
    return (base or T0) + timedelta(minutes=minutes, seconds=seconds)


# ---------------------------------------------------------------- contests


def make_contest(app: Flask, bank_id: int, *, rounds: Sequence[tuple[datetime, datetime]] | None = None,
                 **settings) -> int:
    """A contest over the bank (by an admin): DEFAULT_RULES, 10 minutes a try, one round open from
    an hour ago for a day unless `rounds` gives (opens, closes) pairs; `settings` override
    ContestSpec fields."""
    from examapp.contests.definitions import ContestSpec, RoundSpec, create_contest

    now = utcnow()
    spans = rounds or [(now - timedelta(hours=1), now + timedelta(days=1))]
    exam = ExamSpec(title="Hội thi tìm hiểu pháp luật", bank_id=bank_id, rules=DEFAULT_RULES,
                    duration_minutes=10.0, pass_percent=Decimal(0))
    spec = ContestSpec(exam=exam, rounds=[RoundSpec(f"Tuần {n}", o, c) for n, (o, c) in
                                          enumerate(spans, start=1)], **settings)
    with _session(app) as s:
        author = s.scalar(select(User).where(User.role == "admin")) or create_user(
            s, NewUser(f"contestadmin{next(_numbers)}", "admin", "Contest Admin", None, None))
        return create_contest(s, spec, author).id


def register_participant(client: FlaskClient, contest_id: int, phone: str | None = None,
                         unit: str = "Công ty A", name: str = "Nguyễn Văn An", **fields) -> dict:
    """Register through the API; the answer with `headers` (bearer) added."""
    phone = phone or f"09{next(_numbers) % 10**8:08d}"
    response = client.post(f"/api/v1/contests/{contest_id}/register",
                           json={"name": name, "phone": phone, "unit": unit, **fields})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    body["headers"] = {"Authorization": f"Bearer {body['token']}"}
    body["phone"] = phone
    return body
