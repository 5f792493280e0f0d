"""The menu: each item is shown to the users a named check of auth.policy lets open it. Links only;
access is still checked on each route."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from examapp.auth import policy


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: object
    shown_to: Callable[[object], bool]


MENU = [
    NavItem("main.dashboard", _l("Administration"), policy.can_administer),
    NavItem("orgs.units_page", _l("Organisation"), policy.can_see_units),
    NavItem("users.users_page", _l("Accounts"), policy.can_see_accounts),
    NavItem("banks.banks_page", _l("Question banks"), policy.can_manage_banks),
    NavItem("exam_pages.exams_page", _l("Exams"), policy.can_see_exams),
    NavItem("paper_pages.my_exams", _l("My exams"), policy.sits_exams),
]

ROLE_LABELS = {
    "admin": _l("Administrator"), "trainer": _l("Trainer"), "proctor": _l("Proctor"),
    "leader": _l("Leader"), "candidate": _l("Candidate"),
}


def nav_items() -> list[dict]:
    if not current_user.is_authenticated:
        return []
    return [{"url": url_for(item.endpoint), "label": item.label}
            for item in MENU if item.shown_to(current_user)]


def role_label(role: str) -> str:
    return str(ROLE_LABELS.get(role, role))


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(nav_items=nav_items, role_label=role_label)
