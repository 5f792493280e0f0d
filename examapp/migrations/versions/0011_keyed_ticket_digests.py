"""tickets stored as keyed digests

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-10 10:00:00

A ticket is now stored as HMAC-SHA256 of its code under a key derived from EXAMAPP_SECRET_KEY
instead of its plain SHA-256. The codes are not kept, so the old digests cannot be converted and
no unused ticket issued before this revision can log in again: they are removed, and the tickets
page shows those candidates without a ticket, to be issued again. Used tickets stay, for the
record of when they were used. The way back does the same to the tickets issued since.
"""
import sqlalchemy as sa
from alembic import op


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

exam_ticket = sa.table("exam_ticket", sa.column("used_at", sa.DateTime))


def _remove_unused_tickets() -> None:
    op.get_bind().execute(exam_ticket.delete().where(exam_ticket.c.used_at.is_(None)))


def upgrade() -> None:
    _remove_unused_tickets()


def downgrade() -> None:
    _remove_unused_tickets()
