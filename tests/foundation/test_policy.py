"""One access policy: named checks that routes, services and the menu share, and the unit scope a
leader's view covers (their unit and everything below it)."""

from __future__ import annotations

import pytest
from flask import url_for

from examapp.auth import policy
from examapp.auth.models import User
from examapp.banks.service import create_bank
from examapp.navigation import MENU
from examapp.orgs.service import unit_by_code
from tests.factories import make_client, make_unit, make_user


def _units(app) -> None:
    make_unit(app, "TINH", "Đảng bộ Khối")
    make_unit(app, "CS1", "Chi bộ 1", parent="TINH")
    make_unit(app, "CS1A", "Tổ 1A", parent="CS1")
    make_unit(app, "CS2", "Chi bộ 2", parent="TINH")


def test_a_leader_sees_their_unit_and_everything_below_it(app, session):
    _units(app)
    leader = make_user(app, "leader", unit="CS1")
    ids = {code: unit_by_code(session, code).id for code in ("TINH", "CS1", "CS1A", "CS2")}
    scope = policy.units_in_scope(session, session.get(User, leader.id))
    assert scope == {ids["CS1"], ids["CS1A"]}
    reader = session.get(User, leader.id)
    assert policy.can_see_member(session, reader, ids["CS1A"])
    assert not policy.can_see_member(session, reader, ids["CS2"])
    assert not policy.can_see_member(session, reader, None)


@pytest.mark.parametrize("role, everything", [("admin", True), ("leader", True), ("trainer", False),
                                              ("proctor", False), ("candidate", False)])
def test_who_sees_every_unit(app, session, role, everything):
    user = session.get(User, make_user(app, role).id)
    scope = policy.units_in_scope(session, user)
    assert (scope is None) == everything and (everything or scope == set())


def test_the_accounts_list_of_a_leader_shows_their_units_people_only(app):
    _units(app)
    make_user(app, "candidate", full_name="Nguyễn Văn Một", unit="CS1A")
    make_user(app, "candidate", full_name="Trần Thị Hai", unit="CS2")
    leader = make_client(app, "leader", unit="CS1")
    page = leader.get("/users").get_data(as_text=True)
    assert "Nguyễn Văn Một" in page and "Trần Thị Hai" not in page
    names = {u["full_name"] for u in leader.get("/api/v1/users").get_json()["users"]}
    assert "Nguyễn Văn Một" in names and "Trần Thị Hai" not in names


def test_a_trainer_manages_only_their_own_banks(app, session):
    mine, other = make_user(app, "trainer"), make_user(app, "trainer")
    bank = create_bank(session, "Lý luận chính trị", mine.id)
    session.commit()
    admin = make_user(app, "admin")
    assert policy.can_manage_bank(session.get(User, mine.id), bank)
    assert not policy.can_manage_bank(session.get(User, other.id), bank)
    assert policy.can_manage_bank(session.get(User, admin.id), bank)


@pytest.mark.parametrize("role", ["admin", "trainer", "proctor", "leader", "candidate"])
def test_the_menu_shows_what_the_routes_let_each_role_open(app, role):
    """A menu item's check is the same check as its route's (or the route is open to every user)."""
    client = make_client(app, role)
    for item in MENU:
        rule = app.view_functions[item.endpoint].access
        with app.test_request_context():
            url = url_for(item.endpoint)
        opens = client.get(url).status_code == 200
        user = type("U", (), {"role": role, "id": 0, "unit_id": None})()
        if callable(rule):
            assert rule is item.shown_to, item.endpoint
        assert not item.shown_to(user) or opens, (item.endpoint, role)
