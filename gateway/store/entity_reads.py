"""Reading stored entities: one by id (on the caller's transaction, locked if need be), or
a tenant's entities of one kind; and the chunked reads the write path makes before it
writes (version and hash of many rows, locked on PostgreSQL; the states of changed ones).

:class:`~gateway.store.entities.EntityStore` writes and inherits these reads; code that
only reads may use :class:`EntityReads` on its own.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, Engine, select

from gateway.domain import ENTITY_TYPES
from gateway.domain.base import Entity
from gateway.errors import NotFoundError
from gateway.store.tables import entities

__all__ = ["STORED_COLUMNS", "EntityReads", "StoredEntity", "stored_entity"]

#: Ids per ``IN (...)`` read, well below SQLite's bound-parameter limit.
_CHUNK = 500


@dataclass(frozen=True)
class StoredEntity:
    """A stored row: the entity's kind, version, tombstone flag, state and last change;
    with its content hash and provenance when read from the table (:func:`stored_entity`),
    so a writer can hand the row it read to
    :meth:`~gateway.store.entities.EntityStore.upsert_in` (``known``) instead of having it
    read again. Rows built without them (``None``) are read again there."""

    kind: str
    version: int
    deleted: bool
    state: dict[str, Any]
    updated_at: datetime
    content_hash: str | None = None
    source_system: str | None = None
    source_id: str | None = None

    def entity(self) -> Entity:
        return ENTITY_TYPES[self.kind].model_validate(self.state)


#: The columns a :class:`StoredEntity` is made of: reads select these, not the whole row
#: (the database-computed columns of later migrations are not part of it).
STORED_COLUMNS = (entities.c.id, entities.c.kind, entities.c.version, entities.c.deleted,
                  entities.c.state, entities.c.updated_at, entities.c.content_hash,
                  entities.c.source_system, entities.c.source_id)


def stored_entity(row: Any) -> StoredEntity:
    """A row of ``entities`` as a :class:`StoredEntity` (SQLite's naive times read as UTC)."""
    when = row.updated_at if row.updated_at.tzinfo else row.updated_at.replace(tzinfo=UTC)
    return StoredEntity(row.kind, row.version, row.deleted, row.state, when,
                        row.content_hash, row.source_system, row.source_id)


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


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
                select(*STORED_COLUMNS).where(entities.c.tenant == tenant,
                                              entities.c.id == str(entity))
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
        query = select(*STORED_COLUMNS).where(entities.c.tenant == tenant,
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
        query = select(*STORED_COLUMNS).where(entities.c.tenant == tenant, entities.c.kind == kind)
        if source_system is not None:
            query = query.where(entities.c.source_system == source_system)
        if not include_deleted:
            query = query.where(entities.c.deleted.is_(False))
        with self.engine.connect() as conn:
            return [stored_entity(row) for row in conn.execute(query.order_by(entities.c.id))]

    # -- reads of the write path, on its transaction -----------------------------------
    def _existing(self, conn: Connection, tenant: str, ids: Sequence[str]) -> dict[str, Any]:
        """Version, hash and provenance of the stored rows (locked on PostgreSQL).

        The stored state is not read here: an unchanged entity never needs it, and most
        entities of a sync are unchanged. :meth:`_states` reads it for the changed ones.
        """
        found: dict[str, Any] = {}
        for chunk in _chunks(ids):
            query = select(
                entities.c.id, entities.c.version, entities.c.content_hash,
                entities.c.deleted, entities.c.kind, entities.c.source_system,
                entities.c.source_id,
            ).where(entities.c.tenant == tenant, entities.c.id.in_(chunk))
            if self._lock_rows:
                query = query.with_for_update()
            found.update({row.id: row for row in conn.execute(query)})
        return found

    @staticmethod
    def _states(conn: Connection, tenant: str, ids: Sequence[str]) -> dict[str, Any]:
        states: dict[str, Any] = {}
        for chunk in _chunks(ids):
            query = select(entities.c.id, entities.c.state).where(
                entities.c.tenant == tenant, entities.c.id.in_(chunk))
            states.update({row.id: row.state for row in conn.execute(query)})
        return states
