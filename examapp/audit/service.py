"""Recording privileged changes; callers commit together with the change itself."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from examapp.audit.models import AuditLog


def record(
    db: Session, actor_id: int | None, action: str, target: str = "", **details: Any
) -> AuditLog:
    entry = AuditLog(actor_id=actor_id, action=action, target=target, details=details)
    db.add(entry)
    return entry
