"""What the units API answers, as pydantic models the document declares."""

from __future__ import annotations

from pydantic import Field

from examapp.api.openapi import Reply


class UnitBranch(Reply):
    """A unit and, under it, its sub-units."""

    code: str
    name: str
    kind: str
    children: list[UnitBranch]


class UnitTree(Reply):
    units: list[UnitBranch] = Field(description="the units at the top of the tree")


class NewUnit(Reply):
    code: str
    name: str
    kind: str
    parent: str | None = Field(description="the parent unit's code")
