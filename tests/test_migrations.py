"""The Alembic migrations build exactly the schema the models describe, keep the data, and re-run safely."""

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

from examapp.db import Base, alembic_config, make_engine, normalise_url, upgrade
from tests.conftest import BACKENDS, PG_ADMIN_URL


def test_migrations_match_the_models(app):
    engine = app.extensions["examapp.engine"]
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    assert diff == [], f"models and migrations differ; add a migration: {diff}"


def test_init_db_twice_changes_nothing(runner, app):
    first = runner.invoke(args=["init-db", "--json"])
    second = runner.invoke(args=["init-db", "--json"])
    assert first.exit_code == 0 and second.exit_code == 0, second.output
    engine = app.extensions["examapp.engine"]
    upgrade(engine)
    with engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() is not None


@pytest.fixture(params=BACKENDS)
def empty_engine(request, tmp_path) -> Iterator[Engine]:
    """An engine on an empty database, to migrate step by step."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'steps.sqlite3'}")
        yield engine
        engine.dispose()
        return
    admin_url = make_url(normalise_url(PG_ADMIN_URL))
    name = f"examapp_steps_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(admin_url.set(database=name).render_as_string(hide_password=False))
    yield engine
    engine.dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_options_move_into_their_question_row_in_order_and_back(empty_engine):
    config = alembic_config(empty_engine)
    command.upgrade(config, "0003")
    now = datetime(2026, 11, 1, tzinfo=UTC)
    with empty_engine.begin() as conn:
        conn.execute(text("INSERT INTO question_bank (id, name, description, created_at) "
                          "VALUES (1, 'Lịch sử', '', :now)"), {"now": now})
        conn.execute(text("INSERT INTO topic (id, bank_id, name) VALUES (1, 1, 'Chung')"))
        for qid in (1, 2, 3):
            conn.execute(text(
                "INSERT INTO question (id, bank_id, topic_id, type, text, search_text, difficulty, points, "
                "content_hash, status, version, created_at, updated_at) VALUES (:id, 1, 1, 'single', "
                ":text, '', 'medium', 1, :hash, 'active', 1, :now, :now)"),
                {"id": qid, "text": f"Câu {qid}?", "hash": f"h{qid}", "now": now})
        # Written out of order, as edits leave them: the position decides.
        conn.execute(text("INSERT INTO option (question_id, position, text, is_correct) VALUES "
                          "(1, 2, 'Năm 1945', false), (1, 0, 'Năm 1930', true), (1, 1, 'Năm 1941', false), "
                          "(2, 0, 'True', false), (2, 1, 'False', true)"))
        # Rows referring to the question survive the change to its table (SQLite rebuilds it).
        conn.execute(text("INSERT INTO question_revision (question_id, version, snapshot, edited_at) "
                          "VALUES (1, 1, '{}', :now)"), {"now": now})
    command.upgrade(config, "head")
    with empty_engine.connect() as conn:
        stored = {qid: json.loads(options) if isinstance(options, str) else options for qid, options in
                  conn.execute(text("SELECT id, options FROM question ORDER BY id"))}
        assert "option" not in inspect(conn).get_table_names()
        assert conn.execute(text("SELECT question_id FROM question_revision")).scalars().all() == [1]
    assert stored == {
        1: [{"text": "Năm 1930", "correct": True}, {"text": "Năm 1941", "correct": False},
            {"text": "Năm 1945", "correct": False}],
        2: [{"text": "True", "correct": False}, {"text": "False", "correct": True}],
        3: [],
    }
    command.downgrade(config, "0003")
    with empty_engine.connect() as conn:
        rows = conn.execute(text("SELECT question_id, position, text, is_correct FROM option "
                                 "ORDER BY question_id, position")).all()
    assert [tuple(r) for r in rows] == [(1, 0, "Năm 1930", True), (1, 1, "Năm 1941", False),
                                        (1, 2, "Năm 1945", False), (2, 0, "True", False),
                                        (2, 1, "False", True)]


def test_earlier_imports_get_the_count_of_the_errors_they_kept(empty_engine):
    config = alembic_config(empty_engine)
    command.upgrade(config, "0007")
    now = datetime(2026, 11, 1, tzinfo=UTC)
    errors = [{"row": r, "column": "answer", "message": "answer is empty"} for r in (2, 3, 7)]
    with empty_engine.begin() as conn:
        conn.execute(text("INSERT INTO question_bank (id, name, description, created_at) "
                          "VALUES (1, 'Lịch sử', '', :now)"), {"now": now})
        for job, kept in ((1, errors), (2, [])):
            conn.execute(text(
                "INSERT INTO import_job (id, bank_id, filename, format, created_at, dry_run, imported, "
                "duplicates, skipped, rows_read, errors, status) VALUES (:id, 1, 'a.xlsx', 'xlsx', :now, "
                "false, 0, 0, 3, 5, :errors, 'rejected')"),
                {"id": job, "now": now, "errors": json.dumps(kept)})
    command.upgrade(config, "head")
    with empty_engine.connect() as conn:
        counts = conn.execute(text("SELECT id, error_count FROM import_job ORDER BY id")).all()
    assert [tuple(c) for c in counts] == [(1, 3), (2, 0)]
    command.downgrade(config, "0007")
    with empty_engine.connect() as conn:
        assert "error_count" not in {c["name"] for c in inspect(conn).get_columns("import_job")}


def test_exams_and_candidates_from_before_0009_keep_what_they_did(empty_engine):
    config = alembic_config(empty_engine)
    command.upgrade(config, "0008")
    now = datetime(2026, 11, 1, tzinfo=UTC)
    with empty_engine.begin() as conn:
        conn.execute(text("INSERT INTO question_bank (id, name, description, created_at) "
                          "VALUES (1, 'Lịch sử', '', :now)"), {"now": now})
        conn.execute(text("INSERT INTO user_account (id, username, full_name, role, active, created_at) "
                          "VALUES (1, 'lan', 'Lan', 'candidate', true, :now)"), {"now": now})
        conn.execute(text(
            "INSERT INTO exam (id, kind, title, bank_id, duration_minutes, pass_percent, max_attempts, "
            "shuffle_questions, shuffle_options, review_policy, certificate, partial_credit, created_at) "
            "VALUES (1, 'exam', 'Kỳ thi', 1, 30, 50, 2, true, true, 'score', false, false, :now)"),
            {"now": now})
        conn.execute(text("INSERT INTO exam_candidate (id, exam_id, user_id, extra_minutes, added_at) "
                          "VALUES (1, 1, 1, 5, :now)"), {"now": now})
    command.upgrade(config, "head")
    with empty_engine.connect() as conn:
        exam = conn.execute(text("SELECT grading, fresh_questions FROM exam")).one()
        candidate = conn.execute(text("SELECT opens_at, closes_at, extra_minutes, extra_attempts "
                                      "FROM exam_candidate")).one()
    assert (exam.grading, bool(exam.fresh_questions)) == ("highest", False)
    assert tuple(candidate) == (None, None, 5, 0)
    command.downgrade(config, "0008")
    with empty_engine.connect() as conn:
        assert conn.execute(text("SELECT extra_minutes FROM exam_candidate")).scalar() == 5
        assert "grading" not in {c["name"] for c in inspect(conn).get_columns("exam")}


def test_existing_questions_are_numbered_per_bank_in_the_order_they_were_added(empty_engine):
    config = alembic_config(empty_engine)
    command.upgrade(config, "0009")
    now = datetime(2026, 12, 1, tzinfo=UTC)
    with empty_engine.begin() as conn:
        for bank_id, name in ((1, "Lịch sử"), (2, "Pháp luật"), (3, "Trống")):
            conn.execute(text("INSERT INTO question_bank (id, name, description, created_at) "
                              "VALUES (:id, :name, '', :now)"), {"id": bank_id, "name": name, "now": now})
            conn.execute(text("INSERT INTO topic (id, bank_id, name) VALUES (:id, :id, 'Chung')"),
                         {"id": bank_id})
        # The banks' questions interleave, as imports into two banks on one day leave them.
        for qid, bank_id in ((4, 1), (5, 2), (7, 1), (8, 1), (9, 2), (12, 1)):
            conn.execute(text(
                "INSERT INTO question (id, bank_id, topic_id, type, text, search_text, difficulty, points, "
                "options, content_hash, status, version, created_at, updated_at) VALUES (:id, :bank, :bank, "
                "'single', :text, '', 'medium', 1, '[]', :hash, 'active', 1, :now, :now)"),
                {"id": qid, "bank": bank_id, "text": f"Câu {qid}?", "hash": f"h{qid}", "now": now})
    command.upgrade(config, "head")
    with empty_engine.connect() as conn:
        numbered = conn.execute(text("SELECT id, bank_id, number FROM question ORDER BY id")).all()
        assert [tuple(r) for r in numbered] == [(4, 1, 1), (5, 2, 1), (7, 1, 2), (8, 1, 3), (9, 2, 2),
                                                (12, 1, 4)]
    with pytest.raises(IntegrityError), empty_engine.begin() as conn:
        conn.execute(text("UPDATE question SET number = 1 WHERE id = 7"))
    command.downgrade(config, "0009")
    with empty_engine.connect() as conn:
        assert "number" not in {c["name"] for c in inspect(conn).get_columns("question")}


def test_unused_tickets_from_before_keyed_digests_are_removed_and_used_ones_kept(empty_engine):
    """Their codes are unknown, so they cannot be rehashed; each way, unused tickets go."""
    config = alembic_config(empty_engine)
    command.upgrade(config, "0010")
    now = datetime(2026, 12, 5, tzinfo=UTC)

    def add_tickets(conn, first_id: int) -> None:
        for n, used_at in ((0, None), (1, now)):
            conn.execute(text("INSERT INTO exam_ticket (id, exam_id, user_id, ticket_hash, issued_at, "
                              "used_at) VALUES (:id, 1, :user, :hash, :now, :used)"),
                         {"id": first_id + n, "user": n + 1, "hash": f"{first_id + n:064x}", "now": now,
                          "used": used_at})

    with empty_engine.begin() as conn:
        conn.execute(text("INSERT INTO question_bank (id, name, description, created_at) "
                          "VALUES (1, 'Lịch sử', '', :now)"), {"now": now})
        for user_id in (1, 2):
            conn.execute(text("INSERT INTO user_account (id, username, full_name, role, active, created_at) "
                              "VALUES (:id, :name, 'Lan', 'candidate', true, :now)"),
                         {"id": user_id, "name": f"lan{user_id}", "now": now})
        conn.execute(text(
            "INSERT INTO exam (id, kind, title, bank_id, duration_minutes, pass_percent, max_attempts, "
            "shuffle_questions, shuffle_options, review_policy, certificate, partial_credit, created_at) "
            "VALUES (1, 'exam', 'Kỳ thi', 1, 30, 50, 2, true, true, 'score', false, false, :now)"),
            {"now": now})
        add_tickets(conn, 1)
    command.upgrade(config, "0011")
    with empty_engine.begin() as conn:
        assert conn.execute(text("SELECT id FROM exam_ticket")).scalars().all() == [2]
        conn.execute(text("DELETE FROM exam_ticket"))
        add_tickets(conn, 11)
    command.downgrade(config, "0010")
    with empty_engine.connect() as conn:
        assert conn.execute(text("SELECT id FROM exam_ticket")).scalars().all() == [12]
