"""Alembic environment: runs against the engine examapp hands over (see examapp.db.upgrade)."""

from alembic import context

from examapp.models import Base

config = context.config
engine = config.attributes.get("engine")
if engine is None:
    import os

    from examapp.config import load
    from examapp.db import make_engine

    engine = make_engine(load(os.environ.get("EXAMAPP_INSTANCE_PATH", "instance"))["DATABASE_URL"])

with engine.connect() as connection:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # SQLite changes a table by copying it and dropping the old one; with foreign keys on,
        # that drop would delete (ON DELETE CASCADE) the rows of every table referring to it.
        # The pragma only takes effect outside a transaction.
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        connection.commit()
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=sqlite,
        compare_type=True,
    )
    try:
        with context.begin_transaction():
            context.run_migrations()
            if sqlite and (broken := connection.exec_driver_sql("PRAGMA foreign_key_check").all()):
                raise RuntimeError(f"the migration left rows pointing at nothing: {broken[:5]}")
    finally:
        if sqlite:
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            connection.commit()
