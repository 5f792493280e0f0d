"""Inserting thousands of rows at the driver's speed, inside the Session's transaction.

An import writes tens of thousands of option rows; SQLAlchemy's per-row parameter handling
costs more than the database itself there. PostgreSQL gets COPY, SQLite one executemany;
values go through each column type's bind processor, so they are stored as the ORM would.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import Table
from sqlalchemy.orm import Session


def insert_rows(db: Session, table: Table, columns: Sequence[str], rows: Iterable[tuple]) -> None:
    """Insert `rows` (tuples in `columns` order) into `table` in the Session's transaction."""
    connection = db.connection()
    dialect = connection.dialect
    quote = dialect.identifier_preparer.quote
    names = ", ".join(quote(name) for name in columns)
    raw = connection.connection.driver_connection
    if dialect.name == "postgresql":
        with raw.cursor() as cursor, cursor.copy(f"COPY {quote(table.name)} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    if dialect.name != "sqlite":
        connection.execute(table.insert(), [dict(zip(columns, row, strict=True)) for row in rows])
        return
    processors = [(i, table.c[name].type.dialect_impl(dialect).bind_processor(dialect))
                  for i, name in enumerate(columns)]
    processors = [(i, p) for i, p in processors if p is not None]
    if processors:
        rows = (_processed(row, processors) for row in rows)
    placeholders = ", ".join("?" for _ in columns)
    cursor = raw.cursor()
    try:
        # Only identifiers from the table's metadata are formatted in; values are parameters.
        cursor.executemany(f"INSERT INTO {quote(table.name)} ({names}) VALUES ({placeholders})",  # noqa: S608
                           rows)
    finally:
        cursor.close()


def _processed(row: tuple, processors: list) -> list:
    values = list(row)
    for i, process in processors:
        values[i] = process(values[i])
    return values
