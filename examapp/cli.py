"""The `examapp` command: `init-db`, `serve`, and the commands each feature defines in its own cli.py.

A feature takes part by listing its click groups as `commands` in examapp/<feature>/cli.py;
nothing here names a feature. Listing the commands and --help build no app (and import no
service), so they answer at once; a command builds the app when it runs (`with_appcontext`).
`init_app` attaches the same commands to `app.cli`, so `flask --app examapp ...` works too.
Output conventions and exit codes: examapp/console.py.
"""

from __future__ import annotations

import functools
import importlib
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import ScriptInfo, with_appcontext

from examapp.console import emit


@click.command("init-db")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@with_appcontext
def init_db_command(as_json: bool) -> None:
    """Create or migrate the database schema (safe to run again)."""
    from examapp import db

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
    from werkzeug.serving import run_simple

    from examapp import db
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
    run_simple(host, port, app, threaded=True)


@functools.cache
def commands() -> dict[str, click.Command]:
    """init-db, serve and every feature's commands, by name."""
    found: list[click.Command] = [init_db_command, serve_command]
    for path in sorted(Path(__file__).parent.glob("*/cli.py")):
        found += importlib.import_module(f"examapp.{path.parent.name}.cli").commands
    return {command.name: command for command in found}


def _create_app() -> Flask:
    from examapp import create_app

    return create_app()


class ExamappGroup(click.Group):
    """A plain click group (no Flask options); the app is built only when a command runs."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(commands())

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return commands().get(cmd_name)

    def make_context(self, info_name, args, parent=None, **extra) -> click.Context:
        extra.setdefault("obj", ScriptInfo(create_app=_create_app, set_debug_flag=False))
        return super().make_context(info_name, args, parent, **extra)


@click.group(cls=ExamappGroup)
def main() -> None:
    """examapp: question banks, exam rooms and contests."""


def init_app(app: Flask) -> None:
    """Attach every command to the app, so `examapp X` and `flask --app examapp X` both work."""
    for command in commands().values():
        app.cli.add_command(command)
