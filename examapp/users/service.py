"""Listing accounts and bulk-importing them from a spreadsheet, all or nothing."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from examapp.auth.models import User
from examapp.text import vi_sort_key


def user_dict(user: User) -> dict:
    return {"id": user.id, "username": user.username, "full_name": user.full_name,
            "role": user.role, "unit": user.unit.code if user.unit else None,
            "active": user.active}


def list_users(db: Session, role: str | None = None, unit_ids: list[int] | None = None) -> list[dict]:
    query = select(User).options(joinedload(User.unit))
    if role:
        query = query.where(User.role == role)
    if unit_ids is not None:
        query = query.where(User.unit_id.in_(unit_ids))
    users = db.scalars(query).all()
    return [user_dict(u) for u in sorted(users, key=lambda u: (vi_sort_key(u.full_name), u.username))]
