"""When each source was last synced: the starting point of the next incremental sync.

One row per (tenant, source). ``last_sync_at`` is when the last *successful* run
started (not ended): whatever changed while it ran is picked up by the next one.
A failed run writes nothing here, so the next run starts from the last good point.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Column, DateTime, Engine, String, Table, Text, insert, select, update
from sqlalchemy.exc import IntegrityError

from gateway.errors import ConflictError
from gateway.store.tables import metadata

__all__ = ["SyncState", "SyncStateStore", "sync_state"]

sync_state = Table(
    "sync_state",
    metadata,
    Column("tenant", String(63), primary_key=True),
    Column("source", String(64), primary_key=True),
    Column("last_sync_at", DateTime(timezone=True), nullable=False),
    Column("last_full_sync_at", DateTime(timezone=True), nullable=True),
    #: The last run's report as JSON (counts only), for operators.
    Column("last_report", Text, nullable=False, default="{}"),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)


def _aware(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; everything stored here is UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


@dataclass(frozen=True)
class SyncState:
    tenant: str
    source: str
    last_sync_at: datetime
    last_full_sync_at: datetime | None
    last_report: dict[str, Any]


class SyncStateStore:
    """Reads and records the last successful sync of each source.

    Example::

        states = SyncStateStore(engine)
        state = states.get("roc-a", "eduarte")      # None before the first sync
        states.record("roc-a", "eduarte", started_at=start, full=True, report={"fetched": 9})
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def get(self, tenant: str, source: str) -> SyncState | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(sync_state).where(
                    sync_state.c.tenant == tenant, sync_state.c.source == source
                )
            ).first()
        if row is None:
            return None
        started = _aware(row.last_sync_at)
        assert started is not None  # noqa: S101 - the column is NOT NULL
        return SyncState(
            tenant=row.tenant, source=row.source, last_sync_at=started,
            last_full_sync_at=_aware(row.last_full_sync_at),
            last_report=json.loads(row.last_report or "{}"),
        )

    def record(
        self, tenant: str, source: str, *, started_at: datetime, full: bool,
        report: dict[str, Any], now: datetime | None = None,
    ) -> None:
        """Remember a successful run that started at ``started_at``."""
        values: dict[str, Any] = {
            "last_sync_at": started_at,
            "last_report": json.dumps(report, sort_keys=True),
            "updated_at": now or datetime.now(UTC),
        }
        if full:
            values["last_full_sync_at"] = started_at
        where = (sync_state.c.tenant == tenant, sync_state.c.source == source)
        for _ in range(2):  # a concurrent first run may insert between our update and insert
            try:
                with self.engine.begin() as conn:
                    if conn.execute(update(sync_state).where(*where).values(**values)).rowcount:
                        return
                    conn.execute(insert(sync_state).values(tenant=tenant, source=source,
                                                           **values))
                    return
            except IntegrityError:
                continue
        raise ConflictError(f"could not record the sync state of {tenant}/{source}")
