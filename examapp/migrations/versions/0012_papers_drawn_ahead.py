"""papers drawn ahead

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-11 10:00:00

A candidate's first paper is drawn when the candidate is assigned (and again when the blueprint
changes) and kept here until the start takes it. Exams assigned before this revision have none:
their starts draw as before, or `examapp exams papers EXAM_ID` draws them ahead.
"""
import sqlalchemy as sa
from alembic import op

from examapp.db import UTCDateTime

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "prepared_paper",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("exam_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("seed", sa.BigInteger(), nullable=False),
        sa.Column("max_score", sa.Numeric(10, 2), nullable=False),
        sa.Column("questions", sa.JSON(), nullable=False),
        sa.Column("prepared_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["exam_id"], ["exam.id"], name=op.f("fk_prepared_paper_exam_id_exam"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"],
                                name=op.f("fk_prepared_paper_user_id_user_account"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prepared_paper")),
        sa.UniqueConstraint("exam_id", "user_id", name=op.f("uq_prepared_paper_exam_id")),
    )
    op.create_index(op.f("ix_prepared_paper_user_id"), "prepared_paper", ["user_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_prepared_paper_user_id"), table_name="prepared_paper")
    op.drop_table("prepared_paper")
