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
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
