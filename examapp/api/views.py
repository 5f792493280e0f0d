"""API housekeeping: health and the OpenAPI document."""

from __future__ import annotations

from flask import Blueprint, current_app
from sqlalchemy import text

from examapp import access, db
from examapp.api.openapi import build_spec, documented

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.route("/health")
@access.public
@documented("Liveness and database reachability")
def health():
    db.session().execute(text("SELECT 1"))
    return {"status": "ok"}


@bp.route("/openapi.json")
@access.public
def openapi():
    return build_spec(current_app)
