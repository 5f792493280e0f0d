"""an import's error count

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 15:00:00

An import keeps its first errors (importers.limits.MAX_ERRORS) and the count of all of them, so
a file with an error on each of 50,000 rows no longer stores every one. Earlier imports kept
every error: their count is the length of their list.
"""
import sqlalchemy as sa
from alembic import op


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('import_job', schema=None) as batch_op:
        batch_op.add_column(sa.Column('error_count', sa.Integer(), nullable=False, server_default='0'))
    op.execute("UPDATE import_job SET error_count = json_array_length(errors)")


def downgrade() -> None:
    with op.batch_alter_table('import_job', schema=None) as batch_op:
        batch_op.drop_column('error_count')
