"""a question's topic is one of its bank's

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 15:00:00

The question's two keys (to the bank, to the topic) become one composite key to the topic's
(id, bank_id): the database now refuses a question whose topic belongs to another bank, and
checks one key per question instead of two. Deleting a bank deletes its topics, and with them
their questions, as before.
"""
from alembic import op


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('topic', schema=None) as batch_op:
        batch_op.create_unique_constraint(batch_op.f('uq_topic_id'), ['id', 'bank_id'])
    with op.batch_alter_table('question', schema=None) as batch_op:
        batch_op.drop_constraint('fk_question_bank_id_question_bank', type_='foreignkey')
        batch_op.drop_constraint('fk_question_topic_id_topic', type_='foreignkey')
        batch_op.create_foreign_key(batch_op.f('fk_question_topic_id_topic'), 'topic', ['topic_id', 'bank_id'],
                                    ['id', 'bank_id'], ondelete='CASCADE')


def downgrade() -> None:
    with op.batch_alter_table('question', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_question_topic_id_topic'), type_='foreignkey')
        batch_op.create_foreign_key('fk_question_topic_id_topic', 'topic', ['topic_id'], ['id'])
        batch_op.create_foreign_key('fk_question_bank_id_question_bank', 'question_bank', ['bank_id'], ['id'],
                                    ondelete='CASCADE')
    with op.batch_alter_table('topic', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_topic_id'), type_='unique')
