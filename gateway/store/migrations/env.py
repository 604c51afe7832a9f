"""Alembic environment: the engine comes from the caller (see gateway.store.migrate)."""

from __future__ import annotations

from alembic import context

from gateway.store.tables import metadata

engine = context.config.attributes["engine"]

with engine.begin() as connection:
    if connection.dialect.name == "postgresql":
        # several replicas may start at once: one migrates, the others wait
        connection.exec_driver_sql("SELECT pg_advisory_xact_lock(727274)")
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    context.run_migrations()
