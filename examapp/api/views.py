"""API housekeeping: health and the OpenAPI document."""

from __future__ import annotations

from flask import Blueprint, current_app
from sqlalchemy import text

from examapp import access, db
from examapp.api.openapi import Reply, build_spec, documented

bp = Blueprint("api", __name__, url_prefix="/api/v1")


class Health(Reply):
    status: str


@bp.route("/health")
@access.public
@documented("Liveness and database reachability", response=Health)
def health():
    db.session().execute(text("SELECT 1"))
    return {"status": "ok"}


@bp.route("/openapi.json")
@access.public
def openapi():
    return build_spec(current_app)
