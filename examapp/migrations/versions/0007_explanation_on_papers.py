"""a paper keeps each question's explanation

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 14:10:00

The review after submission shows the explanation the question had when the paper was drawn, as
it shows the text and options frozen then. Papers drawn before keep none.
"""
import sqlalchemy as sa
from alembic import op


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('attempt_question', schema=None) as batch_op:
        batch_op.add_column(sa.Column('explanation', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('attempt_question', schema=None) as batch_op:
        batch_op.drop_column('explanation')
