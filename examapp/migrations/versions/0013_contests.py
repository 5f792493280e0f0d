"""contests: rounds, units, participants, predictions, entries

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 21:00:00
"""
import sqlalchemy as sa
from alembic import op

from examapp.db import UTCDateTime

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def _fk(table: str, column: str, target: str, ondelete: str | None = "CASCADE"):
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"),
                                   ondelete=ondelete)


def upgrade() -> None:
    op.create_table(
        "contest",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("registration_opens_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("registration_closes_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("tries_per_round", sa.Integer(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("closed_units", sa.Boolean(), nullable=False),
        sa.Column("prediction_question", sa.Text(), nullable=True),
        sa.Column("prediction_target", sa.String(30), nullable=True),
        sa.Column("freeze_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("prizes", sa.Integer(), nullable=False),
        sa.Column("boards_stale_at", UTCDateTime(timezone=True), nullable=True),
        _fk("contest", "id", "exam"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contest")),
    )
    op.create_table(
        "contest_round",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contest_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("opens_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("closes_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("target_value", sa.BigInteger(), nullable=True),
        _fk("contest_round", "contest_id", "contest"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contest_round")),
        sa.UniqueConstraint("contest_id", "number", name=op.f("uq_contest_round_contest_id")),
    )
    op.create_table(
        "contest_unit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contest_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("quota", sa.Integer(), nullable=True),
        _fk("contest_unit", "contest_id", "contest"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contest_unit")),
        sa.UniqueConstraint("contest_id", "key", name=op.f("uq_contest_unit_contest_id")),
    )
    op.create_table(
        "contest_participant",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contest_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("phone", sa.String(20), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("return_code_hash", sa.String(64), nullable=True),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("registered_at", UTCDateTime(timezone=True), nullable=False),
        _fk("contest_participant", "contest_id", "contest"),
        _fk("contest_participant", "user_id", "user_account"),
        _fk("contest_participant", "unit_id", "contest_unit", ondelete=None),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contest_participant")),
        sa.UniqueConstraint("contest_id", "phone", name=op.f("uq_contest_participant_contest_id")),
        sa.UniqueConstraint("user_id", name=op.f("uq_contest_participant_user_id")),
    )
    op.create_index(op.f("ix_contest_participant_unit_id"), "contest_participant", ["unit_id"])
    op.create_table(
        "contest_prediction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.Column("given_at", UTCDateTime(timezone=True), nullable=False),
        _fk("contest_prediction", "participant_id", "contest_participant"),
        _fk("contest_prediction", "round_id", "contest_round"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contest_prediction")),
        sa.UniqueConstraint("participant_id", "round_id", name=op.f("uq_contest_prediction_participant_id")),
    )
    op.create_index(op.f("ix_contest_prediction_round_id"), "contest_prediction", ["round_id"])
    op.create_table(
        "contest_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Numeric(10, 2), nullable=False),
        sa.Column("all_correct", sa.Boolean(), nullable=False),
        sa.Column("time_ms", sa.BigInteger(), nullable=False),
        sa.Column("submitted_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("tries", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        _fk("contest_entry", "participant_id", "contest_participant"),
        _fk("contest_entry", "round_id", "contest_round"),
        _fk("contest_entry", "attempt_id", "attempt"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contest_entry")),
        sa.UniqueConstraint("participant_id", "round_id", name=op.f("uq_contest_entry_participant_id")),
    )
    op.create_index(op.f("ix_contest_entry_round_id"), "contest_entry", ["round_id"])
    op.create_table(
        "contest_result",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contest_id", sa.Integer(), nullable=False),
        sa.Column("round_number", sa.Integer(), nullable=True),
        sa.Column("published_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("published_by_id", sa.Integer(), nullable=True),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        _fk("contest_result", "contest_id", "contest"),
        _fk("contest_result", "published_by_id", "user_account", ondelete=None),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contest_result")),
        sa.UniqueConstraint("contest_id", "round_number", name=op.f("uq_contest_result_contest_id")),
    )


def downgrade() -> None:
    for table in ("contest_result", "contest_entry", "contest_prediction", "contest_participant", "contest_unit",
                  "contest_round", "contest"):
        op.drop_table(table)
