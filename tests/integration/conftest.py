"""Engines on both databases the gateway supports, migrated with Alembic."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from gateway.store.engine import make_engine
from gateway.store.migrate import upgrade


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    """A migrated engine on SQLite and, as a second case, on a real PostgreSQL."""
    name = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    url: str = request.getfixturevalue(name)
    eng = make_engine(url)
    upgrade(eng)
    yield eng
    eng.dispose()
