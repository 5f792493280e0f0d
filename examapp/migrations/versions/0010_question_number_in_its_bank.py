"""a question's number in its bank

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 15:00:00

Pages and the API show a question by its number within its bank (1, 2, 3 ... in the order the
questions were added) instead of the database id, which counts across every bank. Existing
questions are numbered per bank in id order, which is the order they were added.
"""
import sqlalchemy as sa
from alembic import op


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

question = sa.table("question", sa.column("id", sa.Integer), sa.column("bank_id", sa.Integer),
                    sa.column("number", sa.Integer))


def upgrade() -> None:
    with op.batch_alter_table('question', schema=None) as batch_op:
        batch_op.add_column(sa.Column('number', sa.Integer(), nullable=True))
    conn = op.get_bind()
    numbers, counts = [], {}
    for question_id, bank_id in conn.execute(sa.select(question.c.id, question.c.bank_id)
                                             .order_by(question.c.bank_id, question.c.id)):
        counts[bank_id] = counts.get(bank_id, 0) + 1
        numbers.append({"qid": question_id, "n": counts[bank_id]})
    if numbers:
        conn.execute(question.update().where(question.c.id == sa.bindparam("qid"))
                     .values(number=sa.bindparam("n")), numbers)
    with op.batch_alter_table('question', schema=None) as batch_op:
        batch_op.alter_column('number', existing_type=sa.Integer(), nullable=False)
        batch_op.create_index('ix_question_bank_number', ['bank_id', 'number'], unique=True)


def downgrade() -> None:
    with op.batch_alter_table('question', schema=None) as batch_op:
        batch_op.drop_index('ix_question_bank_number')
        batch_op.drop_column('number')
