"""What the gateway knows about its deliveries to RIO: a cursor per tenant, a row per offering.

The cursor is the outbox sequence number up to which catalogue events were delivered, so
a restarted gateway resumes where it stopped (at-least-once: a batch cut short is sent
again, which RIO's full-state semantics make harmless). The per-offering row says whether
RIO holds the offering, so a deletion is only sent for something RIO has, and it records
the outcome an operator sees.

On PostgreSQL the cursor row is locked (``FOR UPDATE SKIP LOCKED``) while a batch runs, so
two replicas never deliver one tenant's changes at once; SQLite has one process anyway.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Engine,
    Integer,
    String,
    Table,
    Text,
    select,
)

from gateway.store.tables import metadata
from gateway.store.tenant_cursors import CursorClaim, CursorFollower, aware

__all__ = [
    "CursorClaim",
    "DeliveryStatus",
    "RioDeliveryState",
    "RioOfferingRecord",
    "rio_delivery_cursors",
    "rio_offerings",
]

rio_delivery_cursors = Table(
    "rio_delivery_cursors",
    metadata,
    Column("tenant", String(63), primary_key=True),
    Column("cursor", BigInteger, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

rio_offerings = Table(
    "rio_offerings",
    metadata,
    Column("tenant", String(63), primary_key=True),
    Column("offering_id", String(36), primary_key=True),
    Column("status", String(20), nullable=False),
    Column("entity_version", Integer, nullable=False),
    #: RIO holds a version of the offering (an aanleveren was accepted, no verwijderen since).
    Column("held", Boolean, nullable=False),
    #: The cohort codes of the last accepted aanleveren: what RIO holds, for full-state checks.
    Column("cohort_codes", JSON, nullable=False),
    Column("detail", Text, nullable=False, default=""),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)


class DeliveryStatus(StrEnum):
    DELIVERED = "delivered"  # RIO accepted the last aanleveren: it holds the offering
    DELETED = "deleted"  # RIO accepted the verwijderen
    REJECTED = "rejected"  # RIO refused it (foutmeldingen): dead-lettered
    FAILED = "failed"  # not delivered: retries exhausted or an invalid message


@dataclass(frozen=True)
class RioOfferingRecord:
    offering_id: UUID
    status: DeliveryStatus
    entity_version: int
    held: bool
    cohort_codes: tuple[str, ...]
    detail: str
    updated_at: datetime


class RioDeliveryState(CursorFollower):
    """Cursors and per-offering outcomes of the RIO delivery, per tenant."""

    def __init__(
        self, engine: Engine, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        super().__init__(engine, rio_delivery_cursors, rio_offerings, "offering_id", clock)

    def record(
        self, tenant: str, offering: UUID, status: DeliveryStatus, version: int, *,
        held: bool, cohort_codes: tuple[str, ...] = (), detail: str = "",
    ) -> None:
        """Remember the outcome of the last delivery of one offering."""
        self._put_outcome(tenant, str(offering), {
            "status": status.value, "entity_version": version, "held": held,
            "cohort_codes": sorted(cohort_codes), "detail": detail[:2000]})

    def offerings(self, tenant: str) -> dict[UUID, RioOfferingRecord]:
        """The delivery record of every offering the delivery has handled, by id."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(rio_offerings).where(rio_offerings.c.tenant == tenant))
            return {UUID(r.offering_id): _record(r) for r in rows}


def _record(row: Any) -> RioOfferingRecord:
    return RioOfferingRecord(UUID(row.offering_id), DeliveryStatus(row.status),
                             row.entity_version, bool(row.held), tuple(row.cohort_codes or ()),
                             row.detail, aware(row.updated_at))
