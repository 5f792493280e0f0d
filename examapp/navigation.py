"""The menu: which pages each role sees. Links only; access is still checked on each route."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: object
    roles: frozenset[str]


MENU = [
    NavItem("main.dashboard", _l("Administration"), frozenset({"admin"})),
    NavItem("orgs.units_page", _l("Organisation"), frozenset({"admin", "leader", "trainer", "proctor"})),
    NavItem("users.users_page", _l("Accounts"), frozenset({"admin", "leader"})),
    NavItem("banks.banks_page", _l("Question banks"), frozenset({"admin", "trainer"})),
    NavItem("exam_pages.exams_page", _l("Exams"), frozenset({"admin", "trainer", "proctor"})),
    NavItem("paper_pages.my_exams", _l("My exams"), frozenset({"candidate"})),
]

ROLE_LABELS = {
    "admin": _l("Administrator"), "trainer": _l("Trainer"), "proctor": _l("Proctor"),
    "leader": _l("Leader"), "candidate": _l("Candidate"),
}


def nav_items() -> list[dict]:
    if not current_user.is_authenticated:
        return []
    return [{"url": url_for(item.endpoint), "label": item.label}
            for item in MENU if current_user.role in item.roles]


def role_label(role: str) -> str:
    return str(ROLE_LABELS.get(role, role))


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(nav_items=nav_items, role_label=role_label)
