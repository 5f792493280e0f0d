"""Recording privileged changes; callers commit together with the change itself."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from examapp.audit.models import AuditLog

TARGET_LENGTH = AuditLog.target.type.length


def record(
    db: Session, actor_id: int | None, action: str, target: str = "", **details: Any
) -> AuditLog:
    """Add an entry; a target longer than its column is cut (callers keep long names in `details`)."""
    entry = AuditLog(actor_id=actor_id, action=action, target=target[:TARGET_LENGTH], details=details)
    db.add(entry)
    return entry


def record_refusal(
    db: Session, actor_id: int | None, action: str, target: str = "", **details: Any
) -> None:
    """Audit a refused privileged action in a transaction of its own, so that rolling back the
    refused request keeps the record. Call it before the request has written anything: SQLite
    has one writer at a time."""
    with Session(db.get_bind()) as own:
        own.add(AuditLog(actor_id=actor_id, action=action, target=target[:120], details=details))
        own.commit()
