"""`examapp banks ...`: import question files, list banks, export a bank to xlsx.

Services are imported inside the commands, so listing them and --help need no database code.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import click
from flask.cli import with_appcontext

from examapp.console import EXIT_REJECTED, EXIT_USAGE, emit, fail, progress_bar
from importers import SUPPORTED_FORMATS

if TYPE_CHECKING:
    from examapp.banks.importing import ImportReport


@click.group()
def banks() -> None:
    """Question banks."""


@banks.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--bank", "bank_name", required=True, help="Bank to import into (created if missing).")
@click.option("--format", "fmt", type=click.Choice(("auto", *SUPPORTED_FORMATS)), default="auto",
              show_default=True)
@click.option("--dry-run", is_flag=True, help="Check the file and report; write no questions.")
@click.option("--skip-invalid", is_flag=True, help="Import the valid rows and skip the invalid ones.")
@click.option("--owner", default=None, help="Trainer (or admin) owning the bank when it is created.")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def import_command(file: Path, bank_name: str, fmt: str, dry_run: bool, skip_invalid: bool,
                   owner: str | None, as_json: bool) -> None:
    """Import FILE into a bank: all or nothing unless --skip-invalid."""
    from sqlalchemy import select

    from examapp import db
    from examapp.auth import policy
    from examapp.auth.models import User
    from examapp.banks.importing import import_questions
    from examapp.banks.service import BankError, bank_by_name, create_bank

    empty = {"bank": bank_name, "imported": 0, "duplicates": 0, "skipped": 0}
    if not os.access(file, os.R_OK) or not file.is_file():
        message = f"cannot read {file}: no such file or not readable"
        fail(as_json, EXIT_USAGE, message, **empty,
             errors=[{"row": None, "column": None, "message": message}], error_count=1)
    s = db.session()
    owner_id = None
    if owner:
        user = s.scalar(select(User).where(User.username == owner))
        if user is None:
            fail(as_json, EXIT_REJECTED, f"no user named '{owner}'", **empty, errors=[], error_count=0)
        if not policy.can_manage_banks(user):
            fail(as_json, EXIT_REJECTED, f"'{owner}' is a {user.role}: a bank's owner must be a trainer "
                 "or an admin", **empty, errors=[], error_count=0)
        owner_id = user.id
    bank = bank_by_name(s, bank_name)
    # A dry run into a missing bank checks against a new empty one and then drops it (job too).
    keep = bank is not None or not dry_run
    if bank is None:
        try:
            bank = create_bank(s, bank_name, owner_id=owner_id)
        except BankError as exc:
            fail(as_json, EXIT_REJECTED, str(exc), **empty, errors=[], error_count=0)
    with progress_bar(not as_json, 0, "Reading") as bar:
        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        report = import_questions(s, bank, file, file.name, format=fmt, dry_run=dry_run,
                                  skip_invalid=skip_invalid, progress=progress)
    if keep:
        s.commit()
    else:
        s.rollback()
    _report(report, as_json, dry_run)


def _report(report: ImportReport, as_json: bool, dry_run: bool) -> None:
    lines = [
        f"row {e.row if e.row is not None else '-'}"
        + (f", column {e.column}" if e.column else "") + f": {e.message}"
        for e in report.errors
    ]
    if report.error_count > len(report.errors):
        lines.append(f"... and {report.error_count - len(report.errors)} more error(s), not listed")
    if report.file_error:
        fail(as_json, EXIT_USAGE, report.file_error, **report.as_dict())
    if report.rejected:
        verb = "would be rejected" if dry_run else "rejected"
        summary = (f"{report.bank}: {verb}, nothing imported; {report.error_count} error(s) in "
                   f"{report.skipped or 1} row(s); fix them or use --skip-invalid")
        emit(as_json, report.as_dict(), "\n".join([*lines, summary]))
        raise SystemExit(EXIT_REJECTED)
    verb = "would import" if dry_run else "imported"
    summary = (f"{report.bank}: {verb} {report.imported}, {report.duplicates} duplicate(s) already in "
               f"the bank, {report.skipped} invalid row(s) skipped")
    emit(as_json, report.as_dict(), "\n".join([*lines, summary]))


@banks.command("list")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def list_command(as_json: bool) -> None:
    """List banks with their question counts."""
    from examapp import db
    from examapp.banks.service import list_banks

    rows = list_banks(db.session())
    if as_json:
        emit(True, {"banks": [b.as_dict() for b in rows]})
        return
    for b in rows:
        click.echo(f"{b.name:<40} {b.active:>6} active {b.retired:>5} retired {b.topics:>4} topics "
                   f"{b.owner or '-'}")


@banks.command("export")
@click.argument("name")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The xlsx file to write.")
@click.option("--include-retired", is_flag=True, help="Also export retired questions.")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def export_command(name: str, out: Path, include_retired: bool, as_json: bool) -> None:
    """Write bank NAME as an xlsx file that imports back without loss."""
    from examapp import db
    from examapp.banks.export import export_bank
    from examapp.banks.service import bank_by_name

    s = db.session()
    bank = bank_by_name(s, name)
    if bank is None:
        fail(as_json, EXIT_REJECTED, f"no bank named '{name}'")
    data = export_bank(s, bank, include_retired=include_retired)
    try:
        out.write_bytes(data)
    except OSError as exc:
        fail(as_json, EXIT_USAGE, f"cannot write {out}: {exc.strerror or exc}")
    emit(as_json, {"bank": bank.name, "out": str(out), "bytes": len(data)}, f"wrote {out}")


commands = [banks]
