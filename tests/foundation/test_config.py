"""Settings come from EXAMAPP_* variables; production refuses unsafe defaults."""

import pytest

from examapp import create_app
from examapp.config import ConfigError, load


def test_defaults_run_on_a_bare_laptop(tmp_path, monkeypatch):
    for name in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "ENV"):
        monkeypatch.delenv(f"EXAMAPP_{name}", raising=False)
    config = load(str(tmp_path))
    assert config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'examapp.sqlite3'}"
    assert config["REDIS_URL"] is None
    assert len(config["SECRET_KEY"]) == 64


def test_generated_secret_is_kept_across_restarts(tmp_path, monkeypatch):
    monkeypatch.delenv("EXAMAPP_SECRET_KEY", raising=False)
    first = load(str(tmp_path))["SECRET_KEY"]
    assert load(str(tmp_path))["SECRET_KEY"] == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_environment_variables_override_defaults(tmp_path, monkeypatch):
    monkeypatch.setenv("EXAMAPP_DATABASE_URL", "postgresql://u@db:5432/exams")
    monkeypatch.setenv("EXAMAPP_GRACE_SECONDS", "30")
    config = load(str(tmp_path))
    assert config["DATABASE_URL"] == "postgresql://u@db:5432/exams"
    assert config["GRACE_SECONDS"] == 10, "grace is capped at 10 seconds"


def test_production_refuses_the_in_process_store(tmp_path, monkeypatch):
    monkeypatch.setenv("EXAMAPP_ENV", "production")
    monkeypatch.setenv("EXAMAPP_SECRET_KEY", "x" * 40)
    monkeypatch.delenv("EXAMAPP_REDIS_URL", raising=False)
    with pytest.raises(ConfigError, match="EXAMAPP_REDIS_URL"):
        load(str(tmp_path))


def test_production_refuses_a_generated_secret(tmp_path, monkeypatch):
    monkeypatch.setenv("EXAMAPP_ENV", "production")
    monkeypatch.setenv("EXAMAPP_REDIS_URL", "redis://127.0.0.1:6379/0")
    monkeypatch.delenv("EXAMAPP_SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="EXAMAPP_SECRET_KEY"):
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/x.db"})


def test_postgresql_url_runs_on_psycopg3():
    from examapp.db import normalise_url

    assert normalise_url("postgresql://u@h:5432/d").startswith("postgresql+psycopg://")
    assert normalise_url("sqlite:///x.db") == "sqlite:///x.db"


def test_sqlite_runs_with_wal_and_foreign_keys(tmp_path):
    from sqlalchemy import text

    from examapp.db import make_engine

    engine = make_engine(f"sqlite:///{tmp_path}/x.db")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
