"""`examapp users ...`: create accounts, issue tokens, list, import from a spreadsheet."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from examapp import db
from examapp.auth.models import ROLES, User
from examapp.auth.service import AccountError, NewUser, create_user, issue_token
from examapp.cli import EXIT_REJECTED, EXIT_USAGE, emit, fail


@click.group()
def users() -> None:
    """Manage accounts."""


@users.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--password", help="Initial password (prefer --password-stdin).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--name", default="", help="Full name.")
@click.option("--unit", default=None, help="Unit code.")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def create(username, role, password, password_stdin, name, unit, as_json) -> None:
    """Create an account."""
    if password and password_stdin:
        fail(as_json, EXIT_USAGE, "give --password or --password-stdin, not both")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        fail(as_json, EXIT_USAGE, "a password is needed: --password or --password-stdin")
    s = db.session()
    try:
        user = create_user(s, NewUser(username, role, name, unit, password))
    except AccountError as exc:
        fail(as_json, EXIT_REJECTED, str(exc))
    s.commit()
    emit(as_json, {"username": user.username, "role": user.role, "id": user.id},
         f"created {user.username} ({user.role})")


@users.command("token")
@click.argument("username")
@click.option("--label", default="cli")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def token(username, label, as_json) -> None:
    """Print a new API token for USERNAME (shown once)."""
    s = db.session()
    user = s.scalar(select(User).where(User.username == username))
    if user is None:
        fail(as_json, EXIT_REJECTED, f"no user named '{username}'")
    value = issue_token(s, user, label)
    s.commit()
    if as_json:
        emit(True, {"username": username, "token": value})
    else:
        click.echo(value)


@users.command("list")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def list_command(as_json) -> None:
    """List accounts."""
    from examapp.users.service import list_users

    rows = list_users(db.session())
    if as_json:
        emit(True, {"users": rows})
        return
    for r in rows:
        click.echo(f"{r['username']:<20} {r['role']:<10} {r['unit'] or '-':<14} {r['full_name']}")
