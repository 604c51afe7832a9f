"""Build a real gateway on a temporary SQLite database, for tests of the API.

Shipped with the code (like :mod:`gateway.testing`) so the tests of the API, and those
of routers written elsewhere, build their app the same way::

    gateway = gateway_on_sqlite(tmp_path / "gw.db")
    with TestClient(create_app(gateway)) as client:
        ...
    gateway.close()
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from gateway.bootstrap import Gateway, bootstrap
from gateway.events.publisher import EventPublisher, InMemoryEventPublisher
from gateway.settings import Settings, TenantConfig
from gateway.store.engine import make_engine
from gateway.store.migrate import upgrade

__all__ = ["TENANT_A", "TENANT_B", "gateway_on_sqlite", "settings_for_tests"]

TENANT_A = "roc-a"
TENANT_B = "roc-b"


def settings_for_tests(**overrides: Any) -> Settings:
    """Settings with two tenants (``roc-a``, ``roc-b``) and a fresh random token secret.

    Args:
        **overrides: any ``Settings`` field.

    Returns:
        Settings that do not read the environment's ``GATEWAY_*`` variables for these
        fields.
    """
    values: dict[str, Any] = {
        "token_secret": secrets.token_hex(32),
        "tenants": [
            TenantConfig(id=TENANT_A, name="ROC A"),
            TenantConfig(id=TENANT_B, name="ROC B"),
        ],
    }
    values.update(overrides)
    return Settings(**values)


def gateway_on_sqlite(
    database: Path,
    settings: Settings | None = None,
    *,
    publisher: EventPublisher | None = None,
    migrate: bool = True,
) -> Gateway:
    """A gateway on a migrated SQLite file, with an in-memory publisher by default.

    Args:
        database: the SQLite file (created if missing).
        settings: defaults to :func:`settings_for_tests`.
        publisher: defaults to a fresh ``InMemoryEventPublisher``.
        migrate: run the migrations (off to get a database that cannot be opened).

    Returns:
        The gateway; the caller closes it.
    """
    engine = make_engine(f"sqlite:///{database}")
    if migrate:
        upgrade(engine)
    return bootstrap(
        settings or settings_for_tests(),
        engine=engine,
        publisher=publisher if publisher is not None else InMemoryEventPublisher(),
    )
