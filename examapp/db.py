"""Database engine, the request-scoped Session, the declarative Base and schema migrations."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from flask import Flask, current_app, g
from sqlalchemy import Connection, DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig
    from flask import Response

    from examapp.errors import Refusal

MIGRATIONS = Path(__file__).parent / "migrations"
# The most values one IN (...) binds: SQLite takes 999 bound values a statement in older builds
# (32,766 since 3.32), psycopg 65,535; a list from outside can be longer than either.
IN_BATCH = 900
T = TypeVar("T")

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite stores none of the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where an aware UTC one is needed")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def in_batches(values: Iterable[T], size: int = IN_BATCH) -> Iterator[list[T]]:
    """`values` in lists short enough to bind in one IN (...)."""
    values = iter(values)
    while batch := list(islice(values, size)):
        yield batch


def normalise_url(url: str) -> str:
    """Accept `postgresql://` as users write it and run it on psycopg 3."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def make_engine(url: str) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    # No ping per checkout: it costs a round trip on every request. A connection the server
    # dropped fails one request, and SQLAlchemy then refreshes the whole pool.
    return create_engine(url, pool_size=10, max_overflow=20, pool_recycle=1800)


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["examapp.engine"] = engine
    app.extensions["examapp.sessionmaker"] = sessionmaker(engine, expire_on_commit=False)
    app.after_request(_finish_transaction)
    app.teardown_appcontext(_close_session)


def session() -> Session:
    """The Session of the current app context: one per request or CLI command."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["examapp.sessionmaker"]()
    return g.db_session


@contextmanager
def autocommit() -> Iterator[Connection]:
    """A connection on which each statement is its own transaction, committed when it returns.

    For a route whose whole write is one statement (an answer save): it spares the BEGIN and COMMIT
    round trips. The connection goes back to the pool with its usual isolation when the block ends.
    """
    with current_app.extensions["examapp.engine"].connect() as conn:
        yield conn.execution_options(isolation_level="AUTOCOMMIT")


def keep_changes() -> None:
    """Commit this request's changes even though it answers with an error: a rejected import is
    still recorded in the bank's import history."""
    g.db_keep = True


def settle(refusal: Refusal) -> None:
    """After a refusal, the request keeps only what the service finalised on the way and asked to
    keep (an attempt it found expired); anything else it wrote is rolled back."""
    g.db_keep = refusal.keep_changes
    if not refusal.keep_changes and "db_session" in g:
        g.db_session.rollback()  # now, so the page shows the stored state, not the refused edit


def _finish_transaction(response: Response) -> Response:
    """The one transaction policy of a request: commit once if it succeeded, roll back once if it
    failed (4xx/5xx), unless a refusal settled it (settle). A commit that fails becomes a 500, so
    nothing is acknowledged that was not stored."""
    s = g.get("db_session")
    if s is None:
        return response
    keep = g.pop("db_keep", None)
    if keep is None:
        keep = response.status_code < 400
    if keep:
        s.commit()
    else:
        s.rollback()
    return response


def _close_session(_exc: BaseException | None) -> None:
    s = g.pop("db_session", None)
    if s is not None:
        s.close()


def alembic_config(engine: Engine) -> AlembicConfig:
    # Alembic is imported here, not at the top: only migrating needs it, and it is slow to load.
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine) -> None:
    """Create or migrate the schema to the newest revision; running it twice changes nothing."""
    from alembic import command

    command.upgrade(alembic_config(engine), "head")
