"""an account's session version

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 13:30:00

Each session cookie carries the version its account had at login; logging out, changing the
password or revoking moves the version on, which ends every other session of the account.
"""
import sqlalchemy as sa
from alembic import op


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), nullable=False, server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('session_version')
