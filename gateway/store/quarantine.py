"""Quarantine: records that failed validation, kept with their raw payload and the reason.

Visible to operators (``gateway dlq``), replayable once the cause is fixed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, insert, select, update

from gateway.store.tables import quarantine

__all__ = ["Quarantine", "QuarantinedRecord"]


@dataclass(frozen=True)
class QuarantinedRecord:
    id: int
    tenant: str
    source: str
    kind: str
    reason: str
    path: str
    raw: str
    created_at: datetime
    replayed_at: datetime | None


class Quarantine:
    def __init__(
        self, engine: Engine, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        self.engine = engine
        self.clock = clock

    def put(
        self, *, tenant: str, source: str, kind: str, reason: str, raw: str, path: str = ""
    ) -> int:
        """Keep a failed record; returns its quarantine id."""
        with self.engine.begin() as conn:
            result = conn.execute(
                insert(quarantine).values(
                    tenant=tenant, source=source, kind=kind, reason=reason[:10_000],
                    path=path[:1000], raw=raw, created_at=self.clock(),
                )
            )
            key = result.inserted_primary_key
            assert key is not None  # noqa: S101 - an insert always has one
            return int(key[0])

    def list(self, tenant: str, *, include_replayed: bool = False) -> list[QuarantinedRecord]:
        query = select(quarantine).where(quarantine.c.tenant == tenant)
        if not include_replayed:
            query = query.where(quarantine.c.replayed_at.is_(None))
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(quarantine.c.id)).all()
        return [_record(row._mapping) for row in rows]

    def get(self, tenant: str, record_id: int) -> QuarantinedRecord | None:
        """One record of the tenant, handled or not; ``None`` when it has no such record."""
        with self.engine.connect() as conn:
            row = conn.execute(select(quarantine).where(
                quarantine.c.tenant == tenant, quarantine.c.id == record_id)).first()
        return _record(row._mapping) if row is not None else None

    def mark_replayed(self, tenant: str, record_id: int) -> bool:
        """Mark a record handled (replayed, or fixed at its source and synced again).

        Returns:
            Whether the tenant had such a record not yet marked; marking twice keeps the
            first time.
        """
        with self.engine.begin() as conn:
            result = conn.execute(
                update(quarantine)
                .where(quarantine.c.tenant == tenant, quarantine.c.id == record_id,
                       quarantine.c.replayed_at.is_(None))
                .values(replayed_at=self.clock())
            )
        return result.rowcount == 1

    def mark_all_replayed(self, tenant: str, record_ids: Iterable[int]) -> int:
        """Mark records handled at once (a complete pull no longer met them as bad).

        Returns:
            How many were not yet marked; those already marked keep their first time.
        """
        ids = sorted(set(record_ids))
        marked = 0
        with self.engine.begin() as conn:
            for start in range(0, len(ids), 500):
                result = conn.execute(
                    update(quarantine)
                    .where(quarantine.c.tenant == tenant,
                           quarantine.c.id.in_(ids[start:start + 500]),
                           quarantine.c.replayed_at.is_(None))
                    .values(replayed_at=self.clock())
                )
                marked += result.rowcount
        return marked


def _record(m: Any) -> QuarantinedRecord:
    return QuarantinedRecord(**{k: m[k] for k in QuarantinedRecord.__dataclass_fields__})
