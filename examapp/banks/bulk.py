"""Inserting thousands of rows at the driver's speed, inside the caller's transaction.

An import writes thousands of questions; SQLAlchemy's per-row parameter handling costs more
than the database itself there. PostgreSQL gets binary COPY, SQLite multi-row INSERTs; values
go through each column type's bind processing, so they are stored as the ORM would.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import ExitStack
from functools import partial
from itertools import islice

from sqlalchemy import Connection, Table
from sqlalchemy.types import TypeDecorator


class CopyIn:
    """A binary COPY of rows into `table` (PostgreSQL), open until `close`, in the caller's transaction.

    psycopg sends each buffer of rows once it is full, without waiting for the server, which
    stores them meanwhile: the caller goes on with its own work while the server catches up,
    and `close` only waits for the last rows. Until then the connection takes no other statement.
    Values go through the columns' own bind processing (TypeDecorator), so they are stored as
    the ORM would store them; psycopg's adapters do the rest.
    """

    def __init__(self, connection: Connection, table: Table, columns: Sequence[str]) -> None:
        dialect = connection.dialect
        quote = dialect.identifier_preparer.quote
        self._stack = ExitStack()
        cursor = self._stack.enter_context(connection.connection.driver_connection.cursor())
        cursor.execute("SELECT attname, atttypid FROM pg_attribute "
                       "WHERE attrelid = %s::regclass AND attnum > 0", (quote(table.name),))
        types = dict(cursor.fetchall())
        names = ", ".join(quote(name) for name in columns)
        # Binary: the server parses no text (timestamps and numbers are the costly ones).
        self._copy = self._stack.enter_context(
            cursor.copy(f"COPY {quote(table.name)} ({names}) FROM STDIN (FORMAT BINARY)"))
        self._copy.set_types([types[name] for name in columns])
        decorated = [(i, table.c[name].type) for i, name in enumerate(columns)
                     if isinstance(table.c[name].type, TypeDecorator)]
        self._processors = [(i, partial(column_type.process_bind_param, dialect=dialect))
                            for i, column_type in decorated]

    def write(self, rows: Iterable[tuple]) -> None:
        """Add rows (tuples in `columns` order)."""
        for row in _processed(rows, self._processors) if self._processors else rows:
            self._copy.write_row(row)

    def close(self) -> None:
        """End the COPY once the server has stored every row; raises the server's error if it refused one."""
        self._stack.close()

    def abort(self) -> None:
        """Abandon the COPY: the server keeps none of its rows and the transaction must roll back
        (to a savepoint) before its next statement."""
        error = RuntimeError("the rows were abandoned")
        self._stack.__exit__(RuntimeError, error, None)


def insert_rows(connection: Connection, table: Table, columns: Sequence[str], rows: Iterable[tuple]) -> None:
    """Insert `rows` (tuples in `columns` order) into `table` in the connection's transaction.

    SQLite: multi-row INSERTs, values through each column type's bind processor. Other
    databases: one executemany (PostgreSQL writers that care use CopyIn).
    """
    dialect = connection.dialect
    if dialect.name != "sqlite":
        connection.execute(table.insert(), [dict(zip(columns, row, strict=True)) for row in rows])
        return
    quote = dialect.identifier_preparer.quote
    names = ", ".join(quote(name) for name in columns)
    raw = connection.connection.driver_connection
    processors = [(i, table.c[name].type.dialect_impl(dialect).bind_processor(dialect))
                  for i, name in enumerate(columns)]
    processors = [(i, p) for i, p in processors if p is not None]
    if processors:
        rows = _processed(rows, processors)
    # Many rows per INSERT: SQLite then runs one statement per hundred rows, not one per row,
    # which nearly halves its time. The number of parameters per statement is limited.
    per_statement = max(1, min(_ROWS_PER_INSERT, raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
                               // len(columns)))
    row_marks = "(" + ", ".join("?" for _ in columns) + ")"
    rows = iter(rows)
    cursor = raw.cursor()
    try:
        while chunk := list(islice(rows, per_statement)):
            # Only identifiers from the table's metadata are formatted in; values are parameters.
            cursor.execute(f"INSERT INTO {quote(table.name)} ({names}) "  # noqa: S608
                           f"VALUES {', '.join([row_marks] * len(chunk))}",
                           [value for row in chunk for value in row])
    finally:
        cursor.close()


_ROWS_PER_INSERT = 200
_NOTHING = object()


def _processed(rows: Iterable[tuple], processors: list) -> Iterator[list]:
    """Rows with their values bound; the same object repeated down a column is processed once.

    An import stamps one datetime on every row and its points repeat: formatting them again
    on each row was most of the cost of binding.
    """
    last = [(_NOTHING, None)] * len(processors)
    for row in rows:
        values = list(row)
        for n, (i, process) in enumerate(processors):
            value = values[i]
            seen, bound = last[n]
            if value is not seen:
                bound = process(value)
                last[n] = (value, bound)
            values[i] = bound
        yield values
