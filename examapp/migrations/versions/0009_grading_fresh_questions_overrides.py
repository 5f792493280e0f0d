"""grading across attempts, fresh questions, and a candidate's own window and attempts

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 09:20:00

An exam says how a candidate's attempts make their result (highest, last, first, average) and
whether later attempts draw questions the candidate has not seen. A candidate of an exam may have
a proctor's override: their own opening and closing time and attempts beyond the exam's. Existing
exams keep what they did: the highest attempt counts, questions are drawn as before.
"""
import sqlalchemy as sa
from alembic import op

import examapp.db


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('exam', schema=None) as batch_op:
        batch_op.add_column(sa.Column('grading', sa.String(length=10), nullable=False,
                                      server_default='highest'))
        batch_op.add_column(sa.Column('fresh_questions', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    with op.batch_alter_table('exam_candidate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('opens_at', examapp.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('closes_at', examapp.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('extra_attempts', sa.Integer(), nullable=False, server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('exam_candidate', schema=None) as batch_op:
        batch_op.drop_column('extra_attempts')
        batch_op.drop_column('closes_at')
        batch_op.drop_column('opens_at')
    with op.batch_alter_table('exam', schema=None) as batch_op:
        batch_op.drop_column('fresh_questions')
        batch_op.drop_column('grading')
