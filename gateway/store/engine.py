"""Database engines: SQLite for the embedded default, PostgreSQL in production."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event

__all__ = ["make_engine"]


def make_engine(url: str, *, pool_size: int = 5) -> Engine:
    """An engine with the right settings per dialect.

    ``hide_parameters``: a database error never carries bound values (personal data)
    into its message or a logged traceback.

    SQLite gets WAL (readers never block the writer), a busy timeout (several processes,
    e.g. ``gateway events tail`` beside ``gateway serve``) and foreign keys on.
    """
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False},
                               hide_parameters=True)

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        return engine
    # No server-side prepared statements: after five runs psycopg would prepare the
    # store's lookups, and PostgreSQL's generic plan for them (chosen before the table has
    # statistics, e.g. during a first full load) scans a tenant's rows instead of the key.
    return create_engine(
        url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True,
        connect_args={"prepare_threshold": None}, hide_parameters=True,
    )
