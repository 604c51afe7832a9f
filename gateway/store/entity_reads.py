"""Reading stored entities: one by id (on the caller's transaction, locked if need be), or
a tenant's entities of one kind.

:class:`~gateway.store.entities.EntityStore` writes and inherits these reads; code that
only reads may use :class:`EntityReads` on its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, Engine, select

from gateway.domain import ENTITY_TYPES
from gateway.domain.base import Entity
from gateway.errors import NotFoundError
from gateway.store.tables import entities

__all__ = ["EntityReads", "StoredEntity", "stored_entity"]


@dataclass(frozen=True)
class StoredEntity:
    """A stored row: the entity's kind, version, tombstone flag, state and last change."""

    kind: str
    version: int
    deleted: bool
    state: dict[str, Any]
    updated_at: datetime

    def entity(self) -> Entity:
        return ENTITY_TYPES[self.kind].model_validate(self.state)


def stored_entity(row: Any) -> StoredEntity:
    """A row of ``entities`` as a :class:`StoredEntity` (SQLite's naive times read as UTC)."""
    when = row.updated_at if row.updated_at.tzinfo else row.updated_at.replace(tzinfo=UTC)
    return StoredEntity(row.kind, row.version, row.deleted, row.state, when)


class EntityReads:
    """Reads of the ``entities`` table."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._lock_rows = engine.dialect.name == "postgresql"

    def get(self, tenant: str, entity: UUID, *, include_deleted: bool = False) -> StoredEntity:
        """The stored row of ``entity``.

        Raises:
            NotFoundError: no such entity, or a deleted one without ``include_deleted``.
        """
        with self.engine.connect() as conn:
            row = conn.execute(
                select(entities).where(entities.c.tenant == tenant, entities.c.id == str(entity))
            ).first()
        if row is None or (row.deleted and not include_deleted):
            raise NotFoundError(f"no entity {entity}")
        return stored_entity(row)

    def get_in(
        self, conn: Connection, tenant: str, entity: UUID, *, lock: bool = False
    ) -> StoredEntity | None:
        """The stored row of ``entity`` (deleted ones included), read on the caller's
        transaction; ``lock`` holds the row until commit on PostgreSQL, so a state check
        and the write that depends on it cannot interleave with another writer's."""
        query = select(entities).where(entities.c.tenant == tenant,
                                       entities.c.id == str(entity))
        if lock and self._lock_rows:
            query = query.with_for_update()
        row = conn.execute(query).first()
        return None if row is None else stored_entity(row)

    def list(
        self, tenant: str, kind: str, *, source_system: str | None = None,
        include_deleted: bool = False,
    ) -> list[StoredEntity]:
        """A tenant's entities of one kind (of one source system), by id."""
        query = select(entities).where(entities.c.tenant == tenant, entities.c.kind == kind)
        if source_system is not None:
            query = query.where(entities.c.source_system == source_system)
        if not include_deleted:
            query = query.where(entities.c.deleted.is_(False))
        with self.engine.connect() as conn:
            return [stored_entity(row) for row in conn.execute(query.order_by(entities.c.id))]
