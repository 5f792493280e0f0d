"""The Alembic migrations build exactly the schema the models describe, and re-running is safe."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from examapp.db import Base, upgrade


def test_migrations_match_the_models(app):
    engine = app.extensions["examapp.engine"]
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    assert diff == [], f"models and migrations differ; add a migration: {diff}"


def test_init_db_twice_changes_nothing(runner, app):
    first = runner.invoke(args=["init-db", "--json"])
    second = runner.invoke(args=["init-db", "--json"])
    assert first.exit_code == 0 and second.exit_code == 0, second.output
    engine = app.extensions["examapp.engine"]
    upgrade(engine)
    with engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() is not None
