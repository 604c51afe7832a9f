"""The bookkeeping of an entity write: what it did, what it emits, what it trusts.

:class:`~gateway.store.entities.EntityStore` writes the rows; this module holds what a
write counts (:class:`ApplyResult`, which callers sum over batches and report), the event
each change emits (an upsert's full state and changed fields, a delete's tombstone), and
which rows handed in as ``known`` a write may trust instead of reading them again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from gateway.domain import ENTITY_TYPES
from gateway.domain.base import Entity
from gateway.events.outbox import OutboxEvent, OutboxWriter
from gateway.events.types import Change, event_type
from gateway.store.entity_reads import StoredEntity

__all__ = ["ApplyResult", "deleted_event", "known_rows", "upserted_event"]


@dataclass
class ApplyResult:
    """What one upsert or snapshot did; ``events`` lists the events it wrote."""

    created: int = 0
    changed: int = 0
    unchanged: int = 0
    deleted: int = 0
    events: list[OutboxEvent] = field(default_factory=list)

    def __iadd__(self, other: ApplyResult) -> ApplyResult:
        self.created += other.created
        self.changed += other.changed
        self.unchanged += other.unchanged
        self.deleted += other.deleted
        self.events.extend(other.events)
        return self


def _changed_fields(before: dict[str, Any] | None, after: dict[str, Any]) -> list[str]:
    if before is None:
        return sorted(after)
    keys = set(before) | set(after)
    return sorted(k for k in keys if before.get(k) != after.get(k))


def upserted_event(outbox: OutboxWriter, item: Entity, state: dict[str, Any],
                   before: dict[str, Any] | None, version: int, now: datetime) -> OutboxEvent:
    """The event of a created or changed entity: its full state and the changed fields.

    Args:
        outbox: the writer that builds the event.
        item: the entity written.
        state: its state as stored.
        before: the state it replaces (``None``: new, or stored deleted; all fields changed).
        version: the version written.
        now: the time of the write.

    Returns:
        The event, for the outbox in the same transaction.
    """
    return outbox.entity_event(
        tenant=item.tenant, domain=item.domain,
        type_=event_type(type(item), Change.UPSERTED),
        source_system=item.source.system, entity=item.id, version=version,
        data={"entity": state, "changedFields": _changed_fields(before, state)},
        now=now,
    )


def deleted_event(outbox: OutboxWriter, tenant: str, key: str, row: Any,
                  version: int, now: datetime) -> OutboxEvent:
    """The tombstone event of a deleted entity: its id, tenant and source, nothing else.

    Args:
        outbox: the writer that builds the event.
        tenant: the entity's tenant.
        key: the entity's id.
        row: its stored row as read (``kind``, ``source_system``, ``source_id``).
        version: the version the delete writes.
        now: the time of the delete.

    Returns:
        The event, for the outbox in the same transaction.
    """
    entity_cls = ENTITY_TYPES[row.kind]
    tombstone = {"id": key, "tenant": tenant,
                 "source": {"system": row.source_system, "id": row.source_id}}
    return outbox.entity_event(
        tenant=tenant, domain=entity_cls.domain,
        type_=event_type(entity_cls, Change.DELETED),
        source_system=row.source_system, entity=UUID(key), version=version,
        data={"entity": tombstone, "changedFields": []}, now=now,
    )


def known_rows(known: Mapping[UUID, StoredEntity | None], items: list[Entity]
               ) -> dict[str, StoredEntity | None]:
    """The rows of ``items`` the caller read, by str id.

    A row without its content hash (a hand-built :class:`StoredEntity`) or whose state
    names another entity (id, tenant) is left out, to be read again.

    Args:
        known: rows the caller's transaction read, by id (``None``: read and absent).
        items: the entities being written, of one tenant.

    Returns:
        The trusted rows by str id; ids missing from it are read from the store.
    """
    given: dict[str, StoredEntity | None] = {}
    for item in items:
        if item.id in known:
            row = known[item.id]
            if row is None or (row.content_hash is not None
                               and row.state.get("id") == str(item.id)
                               and row.state.get("tenant") == item.tenant):
                given[str(item.id)] = row
    return given
