"""What the benchmarks share: sample entities, migrated databases, timing and printing."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TypeVar

from sqlalchemy import Engine

from gateway.domain import ProgrammeOffering, SourceRef
from gateway.store.engine import make_engine
from gateway.store.migrate import upgrade
from gateway.testing.postgres import PostgresServer, fresh_database

__all__ = [
    "BATCH",
    "FIXED_NOW",
    "TENANTS",
    "best_of",
    "chunks",
    "database",
    "heading",
    "offerings",
    "row",
    "timed",
]

T = TypeVar("T")

TENANTS = ("roc-a", "roc-b")
BATCH = 500
#: One clock for every event and row, so repeated runs build identical messages.
FIXED_NOW = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)


def offerings(n: int, *, name: str = "Software developer") -> list[ProgrammeOffering]:
    """``n`` valid programme offerings spread over :data:`TENANTS`; ``name`` varies them."""
    return [
        ProgrammeOffering.create(
            tenant=TENANTS[i % len(TENANTS)],
            source=SourceRef(system="bench-sis", id=f"offering-{i}"),
            crebo=f"{25000 + i % 1000:05d}",
            leerweg="BOL" if i % 2 else "BBL",
            level=1 + i % 4,
            location=f"{i % 1000:03d}X{i // 1000 % 1000:03d}",
            valid_from=date(2026, 8, 1),
            name=f"{name} {i}",
            description="Leer software ontwerpen, bouwen en testen in een echt team.",
        )
        for i in range(n)
    ]


def chunks(items: list[T], size: int = BATCH) -> Iterator[list[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@contextmanager
def database(kind: str, server: PostgresServer | None) -> Iterator[Engine]:
    """A fresh, migrated database: ``"postgresql"`` on ``server`` or a ``"sqlite"`` file."""
    if kind == "postgresql":
        if server is None:
            raise ValueError("PostgreSQL needs a server")
        with fresh_database(server, prefix="bench") as url:
            engine = make_engine(url)
            try:
                upgrade(engine)
                yield engine
            finally:
                engine.dispose()
        return
    with tempfile.TemporaryDirectory(prefix="gateway-bench-") as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
        try:
            upgrade(engine)
            yield engine
        finally:
            engine.dispose()


def timed(action: Callable[[], T]) -> tuple[T, float]:
    """Run ``action`` and return its result and the wall-clock seconds it took."""
    start = time.perf_counter()
    result = action()
    return result, time.perf_counter() - start


def best_of(seconds: list[float]) -> float:
    return min(seconds)


def heading(text: str) -> None:
    print(f"\n== {text}", flush=True)


def row(label: str, count: int, seconds: float, unit: str, *, limit: float | None = None,
        target: float | None = None, extra: str = "") -> float:
    """Print one figure (and its ratio to ``limit``, a rate); return the rate."""
    rate = count / seconds
    text = f"  {label:<44} {rate:>10,.0f} {unit:<8} ({count:,} in {seconds:6.2f} s)"
    if limit is not None:
        text += f"  ratio {rate / limit:5.2f}"
        if target is not None:
            verdict = "ok" if rate / limit >= target else "BELOW TARGET"
            text += f" (target >= {target:.2f}: {verdict})"
    if extra:
        text += f"  {extra}"
    print(text, flush=True)
    return rate

