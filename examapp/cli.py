"""The `examapp` command. Exit codes: 0 done, 1 input understood but rejected, 2 usage or unreadable input."""

from __future__ import annotations

import json
import sys
from typing import Any

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from examapp import create_app, db

EXIT_REJECTED = 1
EXIT_USAGE = 2


def emit(as_json: bool, document: Any, human: str | None = None) -> None:
    """One JSON document on stdout with --json; otherwise the human text on stderr."""
    if as_json:
        click.echo(json.dumps(document, ensure_ascii=False, default=str))
    elif human:
        click.echo(human, err=True)


def fail(as_json: bool, code: int, message: str, **extra: Any) -> None:
    emit(as_json, {"error": message, **extra}, f"error: {message}")
    sys.exit(code)


def progress_bar(enabled: bool, total: int, label: str):
    """A tqdm bar on a terminal; nothing when piped or with --json."""
    from tqdm import tqdm

    return tqdm(total=total, desc=label, unit="row", disable=not enabled or not sys.stderr.isatty(),
                file=sys.stderr, leave=False)


@click.group(cls=FlaskGroup, create_app=create_app, add_default_commands=False,
             add_version_option=False)
def main() -> None:
    """examapp: question banks, exam rooms and contests."""


@click.command("init-db")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@with_appcontext
def init_db_command(as_json: bool) -> None:
    """Create or migrate the database schema (safe to run again)."""
    engine = current_app.extensions["examapp.engine"]
    db.upgrade(engine)
    emit(as_json, {"database": engine.url.render_as_string(hide_password=True), "status": "ok"},
         f"database ready: {engine.url.render_as_string(hide_password=True)}")


@click.command("serve")
@click.option("--demo", is_flag=True, help="Create the schema and load demo data once.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@with_appcontext
def serve_command(demo: bool, host: str, port: int) -> None:
    """Serve the app with the built-in server (use gunicorn in production)."""
    from examapp import demo as demo_data

    app = current_app._get_current_object()
    if demo:
        db.upgrade(app.extensions["examapp.engine"])
        logins = demo_data.seed(db.session())
        click.echo("Demo accounts (username / password / role):", err=True)
        for username, password, role in logins:
            click.echo(f"  {username:<12} {password:<16} {role}", err=True)
    click.echo(f"Serving on http://{host}:{port}", err=True)
    # app.run() refuses to start inside a Flask CLI command; werkzeug's server is what it wraps.
    from werkzeug.serving import run_simple

    run_simple(host, port, app, threaded=True)


def init_app(app) -> None:
    """Attach every command to the app, so `examapp X` and `flask --app examapp X` both work."""
    from examapp.banks.cli import banks
    from examapp.exams.cli import exams
    from examapp.users.cli import users

    for command in (init_db_command, serve_command, users, banks, exams):
        app.cli.add_command(command)
