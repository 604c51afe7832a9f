"""What the intake forwarding knows: a cursor per tenant, the outcome per application.

The cursor is the outbox sequence number up to which application events were forwarded
to the SIS, so a restarted gateway resumes where it stopped (at-least-once: a batch cut
short is sent again, which the idempotent ``PUT /associations/{id}`` makes harmless).
The per-application row is what the intake API shows as the forwarding status.

On PostgreSQL the cursor row is locked (``FOR UPDATE SKIP LOCKED``) while a batch runs,
so two replicas never forward one tenant's applications at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from uuid import UUID

from sqlalchemy import (
    BigInteger,
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
    "ForwardingRecord",
    "ForwardingState",
    "ForwardingStatus",
    "intake_forwarding",
    "intake_forwarding_cursors",
]

intake_forwarding_cursors = Table(
    "intake_forwarding_cursors",
    metadata,
    Column("tenant", String(63), primary_key=True),
    Column("cursor", BigInteger, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

intake_forwarding = Table(
    "intake_forwarding",
    metadata,
    Column("tenant", String(63), primary_key=True),
    Column("application_id", String(36), primary_key=True),
    Column("status", String(20), nullable=False),
    #: The application's version the status is about.
    Column("entity_version", Integer, nullable=False),
    #: The SIS (source name in the settings) it went to.
    Column("target", String(64), nullable=False),
    Column("detail", Text, nullable=False, default=""),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)


class ForwardingStatus(StrEnum):
    FORWARDED = "forwarded"  # the SIS accepted the PUT
    REJECTED = "rejected"  # the SIS refused it (4xx) or it could not be built: dead-lettered


@dataclass(frozen=True)
class ForwardingRecord:
    application_id: UUID
    status: ForwardingStatus
    entity_version: int
    target: str
    detail: str
    updated_at: datetime


class ForwardingState(CursorFollower):
    """Cursors and per-application outcomes of the forwarding, per tenant."""

    def __init__(
        self, engine: Engine, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        super().__init__(engine, intake_forwarding_cursors, intake_forwarding,
                         "application_id", clock)

    def record(
        self, tenant: str, application: UUID, status: ForwardingStatus, version: int, *,
        target: str, detail: str = "",
    ) -> None:
        """Remember the outcome of the last forwarding of one application."""
        self._put_outcome(tenant, str(application), {
            "status": status.value, "entity_version": version, "target": target,
            "detail": detail[:2000]})

    def get(self, tenant: str, application: UUID) -> ForwardingRecord | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(intake_forwarding).where(
                intake_forwarding.c.tenant == tenant,
                intake_forwarding.c.application_id == str(application))).first()
        if row is None:
            return None
        return ForwardingRecord(UUID(row.application_id), ForwardingStatus(row.status),
                                row.entity_version, row.target, row.detail,
                                aware(row.updated_at))
