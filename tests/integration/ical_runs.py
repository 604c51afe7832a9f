"""What the importer's integration tests share: a gateway reading one feed source, and a
count of the series the importer expands."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import Engine

import gateway.sync.ical_apply as ical_import
from gateway.bootstrap import Gateway, bootstrap
from gateway.settings import Settings

__all__ = ["counted_expansions", "feed_gateway"]


def feed_gateway(engine: Engine, url: str, *, tenant: str, source: str, now: datetime,
                 **options: Any) -> Gateway:
    """A gateway of one tenant whose ``icalendar`` source ``source`` reads ``url``, at a
    fixed clock; ``options`` are more fields of the source (``group_ids``, ...)."""
    settings = Settings(
        token_secret=secrets.token_hex(32), tenants=[{"id": tenant, "name": "ROC A"}],
        sources=[{"tenant": tenant, "name": source, "kind": "icalendar", "base_url": url,
                  "timeout_seconds": 10, **options}])
    return bootstrap(settings, engine=engine, clock=lambda: now)


def counted_expansions(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The UIDs the importer expands from now on, in order."""
    seen: list[str] = []
    real: Callable[..., Iterator[Any]] = getattr(ical_import, "expand")  # noqa: B009 - not exported

    def counting(parsed: Any, *args: Any, **options: Any) -> Iterator[Any]:
        for series in real(parsed, *args, **options):
            seen.append(series.uid)
            yield series

    monkeypatch.setattr(ical_import, "expand", counting)
    return seen
