"""Fixtures: an app on each database backend, a client, a CLI runner, a session (state: tests/factories.py).

Every test that takes `app` runs on SQLite and, when PostgreSQL is there (tests/backends.py),
on PostgreSQL too (a fresh database made for this run and dropped after it). The schema comes
from the Alembic migrations, migrated once per backend per run. The run ends with a line naming
the backends it used and the tests left out for want of one.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from examapp import create_app, db
from examapp.db import Base, make_engine, normalise_url
from tests.backends import CHROMIUM, POSTGRESQL, REDIS, summary_line

PG_ADMIN_URL = POSTGRESQL.value
REDIS_URL = REDIS.value

BACKENDS = ["sqlite"] + (["postgresql"] if PG_ADMIN_URL else [])


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this run, migrated once."""
    admin_url = make_url(normalise_url(PG_ADMIN_URL))
    name = f"examapp_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin_url.set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    db.upgrade(engine)
    engine.dispose()
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> str:
    """A migrated SQLite file; each test gets its own copy."""
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    db.upgrade(engine)
    engine.dispose()
    return str(path)


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path) -> Iterator[str]:
    if request.param == "sqlite":
        path = tmp_path / "examapp.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    url = request.getfixturevalue("pg_url")
    yield url
    engine = make_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def app_config(database_url, tmp_path) -> dict:
    """Settings for the app under test; a test may change them before asking for `app`."""
    return {
        "TESTING": True,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret",
        "REDIS_URL": None,
        "WTF_CSRF_ENABLED": False,
        "BABEL_DEFAULT_LOCALE": "en",
        "STREAM_SECONDS": 0.5,  # a live board's stream ends soon, so a test reading it whole ends
        "BOARD_CACHE_SECONDS": 0,  # each board read reads the board (tests/contests/test_boards.py: cached)
    }


@pytest.fixture
def csrf_on(app_config) -> None:
    """Forms need their CSRF token, as in production; ask for this before `app`."""
    app_config["WTF_CSRF_ENABLED"] = True


@pytest.fixture
def app(app_config, tmp_path, monkeypatch):
    monkeypatch.setenv("EXAMAPP_INSTANCE_PATH", str(tmp_path / "instance"))
    application = create_app(app_config)
    yield application
    application.extensions["examapp.engine"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def session(app):
    """The app's database session, inside an app context."""
    with app.app_context():
        yield db.session()


@pytest.fixture
def redis_url() -> Iterator[str]:
    """The real Redis named by EXAMAPP_TEST_REDIS_URL; a test's keys are removed after it."""
    if not REDIS_URL:
        pytest.skip(REDIS.skip_reason)
    yield REDIS_URL


@pytest.fixture
def redis_prefix(redis_url) -> Iterator[str]:
    import redis

    prefix = f"examapp-test:{uuid.uuid4().hex[:8]}:"
    yield prefix
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(f"{prefix}*"))
    if keys:
        client.delete(*keys)
    client.close()


_COUNTS = pytest.StashKey[tuple[int, int, int]]()


def _sqlite_only(item) -> bool:
    callspec = getattr(item, "callspec", None)
    return not PG_ADMIN_URL and callspec is not None and "sqlite" in callspec.params.values()


def pytest_collection_finish(session) -> None:
    needs = [getattr(item, "fixturenames", ()) for item in session.items]
    session.config.stash[_COUNTS] = (
        sum(map(_sqlite_only, session.items)),
        sum("redis_url" in names for names in needs),
        sum("browser" in names for names in needs),
    )


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_terminal_summary(terminalreporter, config):
    # Outermost, so the line comes after pytest's short summary and just before its closing line.
    yield
    counts = config.stash.get(_COUNTS, (0, 0, 0))
    terminalreporter.write_line(summary_line(POSTGRESQL, REDIS, CHROMIUM, *counts))
