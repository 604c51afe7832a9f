"""Read, check and write one entity in one transaction, with its row locked throughout.

A state machine decides from the *stored* state whether a change is allowed; two writers
that both read ``received`` and then write ``withdrawn`` and ``accepted`` would otherwise
both pass the check, and the last one would win. Here the row is locked before it is
read (PostgreSQL: ``SELECT ... FOR UPDATE``; SQLite: a no-op ``UPDATE`` of the row takes
the database's write lock), so the second writer reads what the first one wrote.
A change that raises leaves the stored entity and the outbox as they were.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar
from uuid import UUID

from sqlalchemy import select, update

from gateway.domain.base import Entity
from gateway.errors import NotFoundError
from gateway.store.entities import ApplyResult, EntityStore
from gateway.store.entity_reads import STORED_COLUMNS, stored_entity
from gateway.store.tables import entities

__all__ = ["LockedChange", "change_locked"]

E = TypeVar("E", bound=Entity)


@dataclass(frozen=True)
class LockedChange:
    """The entity before and after, and what the store wrote (no events if unchanged)."""

    before: Entity
    after: Entity
    version: int
    result: ApplyResult


def change_locked(
    store: EntityStore, tenant: str, ident: UUID, change: Callable[[Entity], Entity],
    *, kind: str | None = None,
) -> LockedChange:
    """Apply ``change`` to the stored entity under a row lock and store what it returns.

    Args:
        store: the entity store (its engine and outbox are used).
        tenant: the tenant.
        ident: the entity's id.
        change: gets the stored entity, returns the new one (same id), or raises to refuse.
        kind: if given, an entity of another kind counts as not found.

    Returns:
        Before, after, the stored version after the change, and the store's result.

    Raises:
        NotFoundError: no live entity ``ident`` (of ``kind``) for ``tenant``.
        Exception: whatever ``change`` raises; nothing is written then.
    """
    key = (entities.c.tenant == tenant) & (entities.c.id == str(ident))
    with store.engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.execute(update(entities).where(key).values(version=entities.c.version))
        query = select(*STORED_COLUMNS).where(key)
        if conn.dialect.name == "postgresql":
            query = query.with_for_update()
        found = conn.execute(query).first()
        row = None if found is None else stored_entity(found)
        if row is None or row.deleted or (kind is not None and row.kind != kind):
            raise NotFoundError(f"no {kind or 'entity'} {ident}")
        before = row.entity()
        after = change(before)
        if after.id != before.id or after.tenant != tenant:
            raise ValueError("a change must keep the entity's id and tenant")
        # The store's own upsert, on this transaction: same change detection and outbox;
        # the row read (and locked) above is not read again.
        result = store.upsert_in(conn, [after], known={ident: row})
        version = row.version + (1 if result.changed else 0)
    return LockedChange(before, after, version, result)
