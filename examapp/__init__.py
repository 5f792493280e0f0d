"""examapp: question banks, timed exam rooms and live contests for party training work."""

from __future__ import annotations

import logging
import os

from flask import Flask

__all__ = ["create_app"]


def create_app(test_config: dict | None = None) -> Flask:
    """Build the application; nothing connects or runs at import time."""
    from examapp import access, admission, api, cli, db, headers, i18n, inputs, navigation, store
    from examapp import config as settings
    from examapp.auth import login
    from examapp.contests import tries as contest_tries
    from examapp.exams import sweeper

    instance = os.environ.get("EXAMAPP_INSTANCE_PATH") or None
    app = Flask(__name__, instance_path=instance and os.path.abspath(instance),
                instance_relative_config=True)
    app.config.from_mapping(settings.load(app.instance_path, test_config))
    app.json.ensure_ascii = False  # Vietnamese stays readable in API responses
    if not app.debug and not app.testing:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    if app.config["TRUSTED_PROXIES"]:
        # Behind nginx/a load balancer: take the client's address from X-Forwarded-For,
        # so login limits count per candidate machine, not per proxy.
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)
    db.init_app(app)
    store.init_app(app)
    login.init_app(app)
    i18n.init_app(app)
    inputs.init_app(app)
    admission.init_app(app)
    api.init_app(app)
    access.init_app(app)
    navigation.init_app(app)
    headers.init_app(app)
    _register_blueprints(app)
    cli.init_app(app)
    sweeper.init_app(app)
    contest_tries.init_app(app)
    return app


def _register_blueprints(app: Flask) -> None:
    from examapp.api import views as api_views
    from examapp.auth import views as auth_views
    from examapp.banks import api as bank_api
    from examapp.banks import pages as bank_pages
    from examapp.contests import api as contest_api
    from examapp.contests import pages as contest_pages
    from examapp.exams import api as exam_api
    from examapp.exams import (
        attempt_api,
        candidate_pages,
        override_pages,
        paper_pages,
        room_pages,
        ticket_pages,
    )
    from examapp.exams import pages as exam_pages
    from examapp.main import views as main_views
    from examapp.orgs import views as org_views
    from examapp.users import pages as user_pages
    from examapp.users import views as user_views

    for module in (main_views, auth_views, org_views, user_pages, user_views, bank_pages, bank_api,
                   exam_pages, candidate_pages, paper_pages, room_pages, ticket_pages, override_pages,
                   exam_api, attempt_api, contest_api, contest_pages, api_views):
        for name in ("bp", "api"):
            blueprint = getattr(module, name, None)
            if blueprint is not None:
                app.register_blueprint(blueprint)
