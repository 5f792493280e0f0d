"""Inserting thousands of rows at the driver's speed, inside the caller's transaction.

An import writes tens of thousands of option rows; SQLAlchemy's per-row parameter handling
costs more than the database itself there. PostgreSQL gets binary COPY, SQLite multi-row INSERTs;
values go through each column type's bind processing, so they are stored as the ORM would.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from functools import partial
from itertools import islice

from sqlalchemy import Connection, Table, func, select, text
from sqlalchemy.types import TypeDecorator


def reserve_ids(connection: Connection, table: Table, count: int) -> list[int]:
    """Ids for `count` new rows of `table`, to pass to insert_rows so nothing is read back.

    PostgreSQL draws them from the id column's sequence. SQLite continues after the highest
    id, as it would itself: call this once the transaction has written, so that it holds
    SQLite's single write lock and no other connection can take those ids first.
    """
    if count <= 0:
        return []
    if connection.dialect.name == "postgresql":
        sequence = text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) "
                        "FROM generate_series(1, :count)")
        quoted = connection.dialect.identifier_preparer.quote(table.name)
        return list(connection.execute(sequence, {"table": quoted, "count": count}).scalars())
    start = (connection.execute(select(func.max(table.c.id))).scalar() or 0) + 1
    return list(range(start, start + count))


def insert_rows(connection: Connection, table: Table, columns: Sequence[str], rows: Iterable[tuple],
                types: dict[str, dict[str, int]] | None = None) -> None:
    """Insert `rows` (tuples in `columns` order) into `table` in the connection's transaction.

    `types`: a dict kept by a caller that inserts in many chunks, so PostgreSQL's column types
    are looked up once per table rather than once per chunk.
    """
    dialect = connection.dialect
    quote = dialect.identifier_preparer.quote
    names = ", ".join(quote(name) for name in columns)
    raw = connection.connection.driver_connection
    if dialect.name == "postgresql":
        # COPY hands values to psycopg's own adapters: only the model's own conversions apply.
        decorated = [(i, table.c[name].type) for i, name in enumerate(columns)
                     if isinstance(table.c[name].type, TypeDecorator)]
        if decorated:
            rows = _processed(rows, [(i, partial(column_type.process_bind_param, dialect=dialect))
                                     for i, column_type in decorated])
        with raw.cursor() as cursor:
            # Binary COPY: the server parses no text (timestamps and numbers are the costly ones).
            types = {} if types is None else types
            if table.name not in types:
                cursor.execute("SELECT attname, atttypid FROM pg_attribute "
                               "WHERE attrelid = %s::regclass AND attnum > 0", (quote(table.name),))
                types[table.name] = dict(cursor.fetchall())
            with cursor.copy(f"COPY {quote(table.name)} ({names}) FROM STDIN (FORMAT BINARY)") as copy:
                copy.set_types([types[table.name][name] for name in columns])
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
