"""`examapp users ...`: create accounts, issue tokens, list, import from a spreadsheet.

Services are imported inside the commands, so listing them and --help need no database code.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click
from flask.cli import with_appcontext

from examapp.auth.roles import ROLES
from examapp.console import EXIT_REJECTED, EXIT_USAGE, emit, fail, progress_bar

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from examapp.auth.models import User


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
    from examapp import db
    from examapp.auth.service import AccountError, NewUser, create_user

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
    from examapp import db
    from examapp.auth.service import issue_token

    s = db.session()
    user = _user(s, username)
    if user is None:
        fail(as_json, EXIT_REJECTED, f"no user named '{username}'")
    value = issue_token(s, user, label)
    s.commit()
    if as_json:
        emit(True, {"username": username, "token": value})
    else:
        click.echo(value)


@users.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Check the file; create nothing.")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def import_command(file, dry_run, as_json) -> None:
    """Create accounts from an xlsx/ods/csv file (username, full name, unit, role[, password])."""
    from examapp import db
    from examapp.users.importing import import_users
    from importers import ImportFileError

    try:
        with open(file, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        fail(as_json, EXIT_USAGE, f"cannot read {file}: {exc.strerror}")
    s = db.session()
    with progress_bar(not as_json, 0, "accounts") as bar:
        def advance(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        try:
            report = import_users(s, data, file, dry_run=dry_run, progress=advance)
        except ImportFileError as exc:
            fail(as_json, EXIT_USAGE, str(exc))
    if report.errors:
        s.rollback()
        emit(as_json, report.as_dict(), "\n".join(
            f"row {e.row}" + (f", column {e.column}" if e.column else "") + f": {e.message}"
            for e in report.errors) + "\nnothing was imported")
        sys.exit(EXIT_REJECTED)
    s.commit()
    lines = [f"{'checked' if dry_run else 'created'} accounts: {report.created}"]
    lines += [f"  {u}\t{p}" for u, p in report.passwords.items()]
    emit(as_json, report.as_dict(), "\n".join(lines))
    if report.passwords and not as_json:
        click.echo("Generated passwords are shown once; hand them out now.", err=True)


@users.command("revoke-tokens")
@click.argument("username")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def revoke_tokens_command(username, as_json) -> None:
    """Revoke every API token of USERNAME."""
    from examapp import db
    from examapp.auth.service import revoke_tokens

    s = db.session()
    user = _user(s, username)
    if user is None:
        fail(as_json, EXIT_REJECTED, f"no user named '{username}'")
    revoked = revoke_tokens(s, user)
    s.commit()
    emit(as_json, {"username": username, "revoked": revoked}, f"revoked {revoked} token(s) of {username}")


@users.command("list")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def list_command(as_json) -> None:
    """List accounts."""
    from examapp import db
    from examapp.users.service import list_users

    rows = list_users(db.session())
    if as_json:
        emit(True, {"users": rows})
        return
    for r in rows:
        click.echo(f"{r['username']:<20} {r['role']:<10} {r['unit'] or '-':<14} {r['full_name']}")


def _user(s: Session, username: str) -> User | None:
    from sqlalchemy import select

    from examapp.auth.models import User

    return s.scalar(select(User).where(User.username == username))


commands = [users]
