"""options in the question's row

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 14:05:00

A question's options move from the option table into a JSON list in the question's row,
[{"text", "correct"}] in position order. Papers already drawn hold their own copy of the
options, with the ids they had, so attempts in progress are not affected.
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

OPTIONS = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
question = sa.table("question", sa.column("id", sa.Integer), sa.column("options", OPTIONS))
option = sa.table("option", sa.column("id", sa.Integer), sa.column("question_id", sa.Integer),
                  sa.column("position", sa.Integer), sa.column("text", sa.Text),
                  sa.column("is_correct", sa.Boolean))


def upgrade() -> None:
    with op.batch_alter_table('question', schema=None) as batch_op:
        batch_op.add_column(sa.Column('options', OPTIONS, nullable=True))
    conn = op.get_bind()
    grouped: dict[int, list[dict]] = {}
    for question_id, text, correct in conn.execute(
            sa.select(option.c.question_id, option.c.text, option.c.is_correct)
            .order_by(option.c.question_id, option.c.position, option.c.id)):
        grouped.setdefault(question_id, []).append({"text": text, "correct": bool(correct)})
    conn.execute(question.update().values(options=[]))
    if grouped:
        conn.execute(question.update().where(question.c.id == sa.bindparam("qid"))
                     .values(options=sa.bindparam("opts", type_=OPTIONS)),
                     [{"qid": qid, "opts": opts} for qid, opts in grouped.items()])
    with op.batch_alter_table('question', schema=None) as batch_op:
        batch_op.alter_column('options', existing_type=OPTIONS, nullable=False)
    with op.batch_alter_table('option', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_option_question_id'))
    op.drop_table('option')


def downgrade() -> None:
    conn = op.get_bind()
    rows = [{"question_id": question_id, "position": position, "text": o["text"], "is_correct": o["correct"]}
            for question_id, options in conn.execute(sa.select(question.c.id, question.c.options))
            for position, o in enumerate(options or [])]
    with op.batch_alter_table('question', schema=None) as batch_op:
        batch_op.drop_column('options')
    op.create_table('option',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('is_correct', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['question_id'], ['question.id'], name=op.f('fk_option_question_id_question'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_option'))
    )
    with op.batch_alter_table('option', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_option_question_id'), ['question_id'], unique=False)
    if rows:
        conn.execute(option.insert(), rows)
