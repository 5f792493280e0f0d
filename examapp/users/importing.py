"""Bulk accounts from the spreadsheets offices keep: username, full name, unit, role (password optional).

All rows are checked first; one bad row and nothing is created. Rows without a password get
a generated one, returned once so it can be handed out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from examapp.auth.service import NewUser, check_new_user, create_user, generate_password
from examapp.messages import msg
from importers import ImportFileError, RowError
from importers.formats import format_from_name
from importers.normalise import clean_text, fold
from importers.spreadsheet import read_csv_rows, read_workbook_sheets

COLUMNS: dict[str, tuple[str, ...]] = {
    "username": ("username", "user", "login", "tên đăng nhập", "tài khoản"),
    "full_name": ("full name", "name", "họ và tên", "họ tên", "tên"),
    "unit": ("unit", "unit code", "đơn vị", "mã đơn vị"),
    "role": ("role", "vai trò", "quyền"),
    "password": ("password", "mật khẩu"),
}
REQUIRED = ("username", "full_name", "role")
_LOOKUP = {fold(alias): name for name, aliases in COLUMNS.items() for alias in aliases}
ROLE_ALIASES = {
    "thi sinh": "candidate", "hoc vien": "candidate", "giang vien": "trainer", "giam thi": "proctor",
    "lanh dao": "leader", "quan tri": "admin", "quan tri vien": "admin",
}
MAX_ROWS = 20_000


@dataclass
class UserImportReport:
    created: int = 0
    errors: list[RowError] = field(default_factory=list)
    passwords: dict[str, str] = field(default_factory=dict)  # generated ones only

    def as_dict(self) -> dict:
        return {
            "created": self.created,
            "errors": [{"row": e.row, "column": e.column, "message": e.message} for e in self.errors],
            "generated_passwords": self.passwords,
        }


def read_user_rows(data: bytes, filename: str) -> tuple[list[tuple[int, dict[str, str]]], dict[str, str]]:
    """Rows as (spreadsheet row number, {field: text}) and the headers as written in the file."""
    try:
        fmt = format_from_name(filename)
    except ImportFileError:
        fmt = None
    if fmt not in ("xlsx", "xlsm", "ods", "csv"):
        raise ImportFileError(msg("accounts are imported from xlsx, ods or csv files"))
    rows = read_csv_rows(data) if fmt == "csv" else read_workbook_sheets(data, fmt)[0]
    for index, row in enumerate(rows[:30]):
        fields = {_LOOKUP.get(fold(cell)): col for col, cell in enumerate(row) if _LOOKUP.get(fold(cell))}
        if all(name in fields for name in REQUIRED):
            headers = {name: row[col] for name, col in fields.items()}
            found = []
            for number, values in enumerate(rows[index + 1:], start=index + 2):
                record = {name: clean_text(values[col]) if col < len(values) else ""
                          for name, col in fields.items()}
                if any(record.values()):
                    found.append((number, record))
            if len(found) > MAX_ROWS:
                raise ImportFileError(msg("at most %(max)s accounts per file", max=MAX_ROWS))
            return found, headers
    raise ImportFileError(msg("no header row with the columns username, full name and role found "
                              "(e.g. 'tên đăng nhập', 'họ và tên', 'vai trò')"))


def import_users(db: Session, data: bytes, filename: str, actor_id: int | None = None,
                 dry_run: bool = False, progress: Callable[[int, int], None] | None = None,
                 ) -> UserImportReport:
    """Check every row, then create all accounts or none (caller commits)."""
    rows, headers = read_user_rows(data, filename)
    report = UserImportReport()
    seen: dict[str, int] = {}
    planned: list[NewUser] = []
    for number, record in rows:
        role = record["role"].strip().lower()
        role = ROLE_ALIASES.get(fold(role), role)
        new = NewUser(record["username"], role, record["full_name"], record.get("unit") or None,
                      record.get("password") or None)
        problems, _ = check_new_user(db, new)
        if new.username in seen:
            problems.append(msg("username '%(username)s' is also on row %(row)s", username=new.username,
                                row=seen[new.username]))
        seen.setdefault(new.username, number)
        for problem in problems:
            report.errors.append(RowError(number, _column_for(problem, headers), problem))
        planned.append(new)
    if report.errors or dry_run:
        report.created = 0 if report.errors else len(planned)  # a dry run: how many it would create
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


def _column_for(problem: str, headers: dict[str, str]) -> str | None:
    for name, marker in (("username", "username"), ("role", "role"), ("unit", "unit"),
                         ("password", "password"), ("full_name", "full name")):
        if marker in problem:
            return headers.get(name)
    return None

