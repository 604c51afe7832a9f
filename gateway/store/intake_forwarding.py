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
from contextlib import AbstractContextManager
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
    insert,
    select,
    update,
)

from gateway.store.tables import metadata
from gateway.store.tenant_cursors import CursorClaim, TenantCursors

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


class ForwardingState:
    """Cursors and per-application outcomes of the forwarding, per tenant."""

    def __init__(
        self, engine: Engine, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        self.engine = engine
        self.clock = clock
        self._cursors = TenantCursors(engine, intake_forwarding_cursors, clock)

    def claim(self, tenant: str) -> AbstractContextManager[CursorClaim | None]:
        """Hold the tenant's cursor for one batch; None if another replica has it."""
        return self._cursors.claim(tenant)

    def cursor(self, tenant: str) -> int:
        return self._cursors.cursor(tenant)

    def record(
        self, tenant: str, application: UUID, status: ForwardingStatus, version: int, *,
        target: str, detail: str = "",
    ) -> None:
        """Remember the outcome of the last forwarding of one application."""
        values = {"status": status.value, "entity_version": version, "target": target,
                  "detail": detail[:2000], "updated_at": self.clock()}
        key = ((intake_forwarding.c.tenant == tenant)
               & (intake_forwarding.c.application_id == str(application)))
        with self.engine.begin() as conn:
            if conn.execute(update(intake_forwarding).where(key).values(**values)).rowcount == 0:
                conn.execute(insert(intake_forwarding).values(
                    tenant=tenant, application_id=str(application), **values))

    def get(self, tenant: str, application: UUID) -> ForwardingRecord | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(intake_forwarding).where(
                intake_forwarding.c.tenant == tenant,
                intake_forwarding.c.application_id == str(application))).first()
        if row is None:
            return None
        when = row.updated_at if row.updated_at.tzinfo else row.updated_at.replace(tzinfo=UTC)
        return ForwardingRecord(UUID(row.application_id), ForwardingStatus(row.status),
                                row.entity_version, row.target, row.detail, when)
