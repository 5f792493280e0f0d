"""The organisation tree: a page and the /api/v1/units routes."""

from __future__ import annotations

from typing import Literal

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from pydantic import Field

from examapp import access, db
from examapp.api.errors import ApiError
from examapp.api.openapi import Body, documented
from examapp.auth import policy
from examapp.messages import translated
from examapp.orgs.forms import KIND_LABELS, UnitForm
from examapp.orgs.responses import NewUnit, UnitTree
from examapp.orgs.service import CODE_RE, UnitError, UnitExists, create_unit, unit_choices, unit_tree

bp = Blueprint("orgs", __name__)
api = Blueprint("orgs_api", __name__, url_prefix="/api/v1")


@bp.route("/units", methods=["GET", "POST"])
@access.allow(policy.can_see_units)
def units_page():
    s = db.session()
    form = UnitForm() if policy.can_manage_units(current_user) else None
    if form is not None:
        form.parent.choices = [("", "—")] + [(code, f"{code} · {name}") for code, name in unit_choices(s)]
        if form.validate_on_submit():
            try:
                create_unit(s, form.code.data.strip(), form.name.data, form.parent.data or None,
                            form.kind.data, current_user.id)
            except UnitError as exc:
                db.settle(exc)
                form.code.errors.append(translated(exc))
            else:
                flash(_("Unit %(code)s added.", code=form.code.data.strip()), "success")
                return redirect(url_for("orgs.units_page"))
    elif request.method == "POST":
        abort(403)
    return render_template("orgs/units.html", tree=unit_tree(s), form=form, kind_labels=KIND_LABELS)


class UnitBody(Body):
    code: str = Field(min_length=1, max_length=40, json_schema_extra={"pattern": CODE_RE.pattern})
    name: str = Field(min_length=1, max_length=200)
    parent: str | None = Field(default=None, max_length=40)
    kind: Literal["committee", "grassroots", "cell", "branch", "company", "park", "other"] = "other"


@api.route("/units", methods=["GET"])
@access.authenticated
@documented("The organisation tree", response=UnitTree)
def list_units():
    return {"units": [n.as_dict() for n in unit_tree(db.session())]}


@api.route("/units", methods=["POST"])
@access.allow(policy.can_manage_units)
@documented("Add a unit to the tree", body=UnitBody, response=NewUnit, status=201,
            errors={409: "the code is taken"})
def add_unit(body: UnitBody):
    s = db.session()
    try:
        unit = create_unit(s, body.code, body.name, body.parent, body.kind, current_user.id)
    except UnitError as exc:
        db.settle(exc)
        raise ApiError(409 if isinstance(exc, UnitExists) else 400, str(exc)) from None
    return {"code": unit.code, "name": unit.name, "kind": unit.kind, "parent": body.parent}, 201
