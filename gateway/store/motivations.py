"""Applicants' motivations: free text, so personal data, kept apart from the Application.

The canonical :class:`~gateway.domain.enrolment.Application` is published in events; a
motivation may say anything about the applicant, so it is stored here, beside the
application's id and the person's id (for erasure), and never travels in an event.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy import Column, DateTime, Engine, Index, String, Table, Text, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql import insert

from gateway.store.tables import metadata

__all__ = ["Motivations", "application_motivations"]

#: The longest motivation accepted (characters).
MAX_MOTIVATION = 10_000

application_motivations = Table(
    "application_motivations",
    metadata,
    Column("tenant", String(63), primary_key=True),
    Column("application_id", String(36), primary_key=True),
    Column("person_id", String(36), nullable=False),
    Column("motivation", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_application_motivations_person", "tenant", "person_id"),
)


class Motivations:
    """Stores the motivation of an application once; erases a person's motivations."""

    def __init__(
        self, engine: Engine, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        self.engine = engine
        self.clock = clock

    def put(self, tenant: str, application: UUID, person: UUID, motivation: str) -> None:
        """Keep the motivation of a new application (a repeat keeps the first)."""
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(application_motivations).values(
                    tenant=tenant, application_id=str(application), person_id=str(person),
                    motivation=motivation[:MAX_MOTIVATION], created_at=self.clock()))
        except IntegrityError:
            return

    def get(self, tenant: str, application: UUID) -> str | None:
        with self.engine.connect() as conn:
            value = conn.execute(select(application_motivations.c.motivation).where(
                application_motivations.c.tenant == tenant,
                application_motivations.c.application_id == str(application))).scalar()
        return None if value is None else str(value)

    def erase_person(self, tenant: str, person: UUID) -> int:
        """Delete every motivation of a person (right to erasure); returns how many."""
        with self.engine.begin() as conn:
            result = conn.execute(delete(application_motivations).where(
                application_motivations.c.tenant == tenant,
                application_motivations.c.person_id == str(person)))
        return int(result.rowcount or 0)
