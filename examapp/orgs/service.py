"""The organisation tree: adding units, reading the tree, a unit's sub-units."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from examapp.audit.service import record
from examapp.errors import Refusal
from examapp.messages import msg, msg_join
from examapp.orgs.models import UNIT_KINDS, OrgUnit
from examapp.text import vi_sort_key
from importers.normalise import clean_text

CODE_RE = re.compile(r"^[A-Za-z0-9_.-]{1,40}$")


class UnitError(Refusal):
    """A unit the rules refuse; the message says what to fix."""


class UnitExists(UnitError):
    """The code is taken: a conflict rather than bad input."""

    status = 409


@dataclass
class UnitNode:
    code: str
    name: str
    kind: str
    children: list[UnitNode] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"code": self.code, "name": self.name, "kind": self.kind,
                "children": [c.as_dict() for c in self.children]}


def unit_by_code(db: Session, code: str) -> OrgUnit | None:
    return db.scalar(select(OrgUnit).where(OrgUnit.code == code))


def create_unit(db: Session, code: str, name: str, parent_code: str | None = None,
                kind: str = "other", actor_id: int | None = None) -> OrgUnit:
    problems = []
    name = clean_text(name or "")
    if not CODE_RE.match(code or ""):
        problems.append(msg("code must be 1-40 letters, digits or . _ - (no spaces)"))
    elif unit_by_code(db, code) is not None:
        raise UnitExists(msg("unit code '%(code)s' already exists", code=code))
    if not (name or "").strip():
        problems.append(msg("name is required"))
    if kind not in UNIT_KINDS:
        problems.append(msg("unknown kind '%(kind)s'; use one of %(kinds)s", kind=kind,
                            kinds=", ".join(UNIT_KINDS)))
    parent = None
    if parent_code:
        parent = unit_by_code(db, parent_code)
        if parent is None:
            problems.append(msg("unknown parent unit code '%(code)s'", code=parent_code))
    if problems:
        raise UnitError(msg_join(problems))
    unit = OrgUnit(code=code, name=name, kind=kind, parent=parent)
    db.add(unit)
    db.flush()
    record(db, actor_id, "unit.create", code, parent=parent_code)
    return unit


def unit_tree(db: Session) -> list[UnitNode]:
    """All units as a forest, children sorted by name the way Vietnamese readers expect."""
    units = db.scalars(select(OrgUnit)).all()
    nodes = {u.id: UnitNode(u.code, u.name, u.kind) for u in units}
    roots = []
    for u in units:
        (nodes[u.parent_id].children if u.parent_id in nodes else roots).append(nodes[u.id])
    for node in nodes.values():
        node.children.sort(key=lambda n: vi_sort_key(n.name))
    return sorted(roots, key=lambda n: vi_sort_key(n.name))


def unit_choices(db: Session) -> list[tuple[str, str]]:
    """(code, name) of every unit, in Vietnamese order, for select boxes."""
    rows = db.execute(select(OrgUnit.code, OrgUnit.name)).all()
    return sorted(((c, n) for c, n in rows), key=lambda r: vi_sort_key(r[1]))


def unit_and_descendant_ids(db: Session, unit: OrgUnit) -> list[int]:
    """The unit and every unit below it (for 'all members of a unit and its sub-units')."""
    pairs = db.execute(select(OrgUnit.id, OrgUnit.parent_id)).all()
    children: dict[int | None, list[int]] = {}
    for uid, parent in pairs:
        children.setdefault(parent, []).append(uid)
    found, stack = [], [unit.id]
    while stack:
        uid = stack.pop()
        found.append(uid)
        stack.extend(children.get(uid, []))
    return found
