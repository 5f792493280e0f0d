"""Bulk accounts from the spreadsheets offices keep: username, full name, unit, role (password optional).

All rows are checked first; one bad row and nothing is created. Rows without a password get
a generated one, returned once so it can be handed out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from examapp.auth.service import NewUser, create_user, generate_password, new_user_problems
from examapp.messages import msg
from importers import ImportFileError, RowError, limits
from importers.normalise import fold
from importers.roster import ACCOUNTS, MissingColumns, NotASpreadsheet, Roster, read_roster

ROLE_ALIASES = {
    "thi sinh": "candidate", "hoc vien": "candidate", "giang vien": "trainer", "giam thi": "proctor",
    "lanh dao": "leader", "quan tri": "admin", "quan tri vien": "admin",
}
# Every account costs an argon2 hash (~30 ms) and about as much again in checks and inserts:
# this many take ~8 s, ~16 s on a loaded machine, inside a web worker's 30-second timeout (500
# took 29-35 s there). The command line, which has no timeout, takes limits.MAX_ROSTER_ROWS.
MAX_WEB_ACCOUNTS = 250


@dataclass
class UserImportReport:
    created: int = 0
    errors: list[RowError] = field(default_factory=list)  # the first limits.MAX_ERRORS
    error_count: int = 0
    passwords: dict[str, str] = field(default_factory=dict)  # generated ones only

    def add_error(self, error: RowError) -> None:
        self.error_count += 1
        if len(self.errors) < limits.MAX_ERRORS:
            self.errors.append(error)

    def as_dict(self) -> dict:
        return {
            "created": self.created,
            "errors": [{"row": e.row, "column": e.column, "message": e.message} for e in self.errors],
            "error_count": self.error_count,
            "generated_passwords": self.passwords,
        }


def read_user_rows(data: bytes, filename: str, max_rows: int | None = None) -> Roster:
    """The file's accounts (importers.roster), or ImportFileError saying why it cannot be read."""
    try:
        return read_roster(data, filename, ACCOUNTS, max_rows)
    except NotASpreadsheet:
        raise ImportFileError(msg("accounts are imported from xlsx, ods or csv files")) from None
    except MissingColumns:
        raise ImportFileError(msg("no header row with the columns username, full name and role found "
                                  "(e.g. 'tên đăng nhập', 'họ và tên', 'vai trò')")) from None


def import_users(db: Session, data: bytes, filename: str, actor_id: int | None = None,
                 dry_run: bool = False, progress: Callable[[int, int], None] | None = None,
                 max_rows: int | None = None) -> UserImportReport:
    """Check every row, then create all accounts or none (caller commits)."""
    roster = read_user_rows(data, filename, max_rows)
    report = UserImportReport()
    seen: dict[str, int] = {}
    planned: list[NewUser] = []
    for person in roster.rows:
        record = person.values
        role = record["role"].strip().lower()
        role = ROLE_ALIASES.get(fold(role), role)
        new = NewUser(record["username"], role, record["full_name"], record["unit"] or None,
                      record["password"] or None)
        problems, _ = new_user_problems(db, new)
        if new.username in seen:
            problems.append(("username", msg("username '%(username)s' is also on row %(row)s",
                                             username=new.username, row=seen[new.username])))
        seen.setdefault(new.username, person.row)
        for name, problem in problems:
            report.add_error(RowError(person.row, roster.title(name), problem))
        planned.append(new)
    if report.error_count or dry_run:
        report.created = 0 if report.error_count else len(planned)  # a dry run: how many it would create
        return report
    for done, new in enumerate(planned, start=1):
        if progress:
            progress(done, len(planned))
        if new.password is None:
            new = NewUser(new.username, new.role, new.full_name, new.unit_code, generate_password())
            report.passwords[new.username] = new.password
        create_user(db, new, actor_id)
        report.created += 1
    return report
