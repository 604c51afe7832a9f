"""Store upserts per second (change detection + outbox) against a plain Core insert.

Raw limit: ``insert(entities)`` executemany of the same rows (precomputed state and hash) in
transactions of 500, no change detection and no outbox, into a fresh database; best of two.
Gateway: ``EntityStore.upsert`` in batches of 500 into a fresh database, three passes: new
entities (insert), all of them renamed (changed: an update and an event each), and the same
set again (unchanged: must write no event at all).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, select

from bench.common import FIXED_NOW, TENANTS, chunks, database, heading, offerings, row
from gateway.domain import ProgrammeOffering
from gateway.domain.base import content_hash
from gateway.events.outbox import OutboxWriter
from gateway.events.topics import TopicNames
from gateway.store.entities import EntityStore
from gateway.store.tables import entities, outbox
from gateway.testing.postgres import PostgresServer

__all__ = ["run"]

REPEATS = 2


def entity_rows(items: list[ProgrammeOffering]) -> list[dict[str, Any]]:
    """The ``entities`` rows the store would insert for ``items``."""
    rows = []
    for item in items:
        state = item.snapshot()
        rows.append({
            "tenant": item.tenant, "id": str(item.id), "kind": item.kind,
            "source_system": item.source.system, "source_id": item.source.id,
            "version": 1, "content_hash": content_hash(state), "state": state,
            "deleted": False, "updated_at": FIXED_NOW,
        })
    return rows


def insert_raw(kind: str, server: PostgresServer | None, rows: list[dict[str, Any]]) -> float:
    """Seconds for a plain executemany insert of ``rows`` into a fresh database."""
    with database(kind, server) as engine:
        start = time.perf_counter()
        for batch in chunks(rows):
            with engine.begin() as conn:
                conn.execute(insert(entities), batch)
        return time.perf_counter() - start


@dataclass
class Pass:
    """What one pass over the input did (the events themselves are not kept)."""

    created: int = 0
    changed: int = 0
    unchanged: int = 0
    events: int = 0


def upsert_all(store: EntityStore, items: list[ProgrammeOffering]) -> tuple[Pass, float]:
    """Upsert ``items`` in batches of 500; return what it did and the seconds."""
    total = Pass()
    start = time.perf_counter()
    for batch in chunks(items):
        result = store.upsert(batch)
        total.created += result.created
        total.changed += result.changed
        total.unchanged += result.unchanged
        total.events += len(result.events)
    return total, time.perf_counter() - start


def run_database(kind: str, server: PostgresServer | None, n: int) -> None:
    first = offerings(n)
    renamed = offerings(n, name="Software developer (renamed)")
    rows = entity_rows(first)
    raw = min(insert_raw(kind, server, rows) for _ in range(REPEATS))
    limit = row(f"{kind}: raw Core insert (limit)", n, raw, "rows/s")
    with database(kind, server) as engine:
        store = EntityStore(engine, OutboxWriter(TopicNames("bench")), clock=lambda: FIXED_NOW)
        created, t_insert = upsert_all(store, first)
        changed, t_changed = upsert_all(store, renamed)
        unchanged, t_unchanged = upsert_all(store, renamed)
        with engine.connect() as conn:
            events_total = conn.scalar(select(func.count()).select_from(outbox))
    assert created.created == n and created.events == n, created
    assert changed.changed == n and changed.events == n, changed
    assert unchanged.unchanged == n, unchanged
    assert unchanged.events == 0, f"unchanged input wrote {unchanged.events} events"
    assert events_total == 2 * n, f"{events_total} outbox rows, expected {2 * n}"
    row(f"{kind}: upsert new (insert + event)", n, t_insert, "upserts/s", limit=limit,
        extra=f"events {created.events:,}")
    row(f"{kind}: upsert changed (update + event)", n, t_changed, "upserts/s", limit=limit,
        extra=f"events {changed.events:,}")
    row(f"{kind}: upsert unchanged (no write)", n, t_unchanged, "upserts/s", limit=limit,
        extra=f"events {unchanged.events:,} (asserted 0)")


def run(server: PostgresServer, n: int = 20_000) -> None:
    heading(
        f"upserts: EntityStore.upsert vs plain insert; {n:,} programme offerings, "
        f"{len(TENANTS)} tenants, batches of 500, raw best of {REPEATS}"
    )
    for kind in ("postgresql", "sqlite"):
        run_database(kind, server if kind == "postgresql" else None, n)
