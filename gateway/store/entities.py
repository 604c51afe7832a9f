"""The entity store: last canonical state per entity, change detection, snapshot apply.

An upsert whose content hash is unchanged writes nothing and emits nothing; a changed one
bumps the version and writes its event into the outbox in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, Engine, and_, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError

from gateway.domain import ENTITY_TYPES
from gateway.domain.base import Entity, content_hash
from gateway.errors import ConflictError
from gateway.events.outbox import OutboxEvent, OutboxWriter
from gateway.events.types import Change, event_type
from gateway.store.entity_reads import EntityReads, StoredEntity
from gateway.store.tables import entities

__all__ = ["ApplyResult", "EntityStore", "StoredEntity"]

_CHUNK = 500


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


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class EntityStore(EntityReads):
    """Reads (:class:`EntityReads`) and writes canonical entities of every kind.

    Example::

        store = EntityStore(engine, OutboxWriter(TopicNames("mbo")))
        result = store.upsert([offering, cohort])     # one transaction, events included
        result = store.apply_snapshot("roc-a", "programme-offering", "sis", offerings)
    """

    def __init__(
        self,
        engine: Engine,
        outbox: OutboxWriter,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        super().__init__(engine)
        self.outbox = outbox
        self.clock = clock

    # -- writing ----------------------------------------------------------------------
    def upsert(self, items: Iterable[Entity]) -> ApplyResult:
        """Store each entity in one transaction; return what changed.

        Raises:
            ConflictError: a concurrent writer kept inserting the same new entity.
        """
        batch = list(items)
        for attempt in range(3):
            try:
                with self.engine.begin() as conn:
                    return self._upsert(conn, batch)
            except IntegrityError as exc:  # a concurrent insert of the same new id
                if attempt == 2:
                    raise ConflictError("concurrent writers kept colliding") from exc
        raise AssertionError("unreachable")

    def apply_snapshot(
        self,
        tenant: str,
        kind: str,
        source_system: str,
        items: Iterable[Entity],
        *,
        keep: frozenset[UUID] = frozenset(),
        find_deletions: bool = True,
    ) -> ApplyResult:
        """Apply a full set ("standlevering") of one kind from one source.

        Entities of that (tenant, kind, source) not in ``items`` are deleted, except the
        ids in ``keep`` (records of this set that were quarantined: a bad record must not
        delete its last good version). ``find_deletions=False`` applies the set as a plain
        upsert, for when the caller cannot tell which records were in it.
        """
        batch = list(items)
        for item in batch:
            if item.tenant != tenant or item.kind != kind or item.source.system != source_system:
                raise ValueError(f"snapshot of {kind}/{source_system} holds {item.kind} {item.id}")
        with self.engine.begin() as conn:
            result = self._upsert(conn, batch)
            if not find_deletions:
                return result
            present = {str(item.id) for item in batch} | {str(i) for i in keep}
            live = conn.execute(
                select(entities.c.id).where(
                    entities.c.tenant == tenant,
                    entities.c.kind == kind,
                    entities.c.source_system == source_system,
                    entities.c.deleted.is_(False),
                )
            ).scalars()
            gone = [UUID(i) for i in live if i not in present]
            result += self._delete(conn, tenant, gone)
        return result

    def delete(self, tenant: str, ids: Iterable[UUID]) -> ApplyResult:
        """Delete entities (a tombstone event each); unknown or deleted ids are no-ops."""
        with self.engine.begin() as conn:
            return self._delete(conn, tenant, list(ids))

    # -- writing on the caller's transaction -------------------------------------------
    def upsert_in(self, conn: Connection, items: Iterable[Entity]) -> ApplyResult:
        """Like :meth:`upsert`, on the caller's open transaction.

        For stores that write rows of their own atomically with the entities (a person's
        personal data, the documents of a profile). The caller commits, and retries an
        ``IntegrityError`` (a concurrent insert of the same new id) as :meth:`upsert` does.
        """
        return self._upsert(conn, list(items))

    def delete_in(self, conn: Connection, tenant: str, ids: Iterable[UUID]) -> ApplyResult:
        """Like :meth:`delete`, on the caller's open transaction."""
        return self._delete(conn, tenant, list(ids))

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

    def _upsert(self, conn: Connection, batch: list[Entity]) -> ApplyResult:
        result = ApplyResult()
        now = self.clock()
        by_tenant: dict[str, list[Entity]] = {}
        for item in batch:
            by_tenant.setdefault(item.tenant, []).append(item)
        inserts: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        for tenant, items in by_tenant.items():
            existing = self._existing(conn, tenant, [str(i.id) for i in items])
            latest: dict[str, Entity] = {str(i.id): i for i in items}  # last one wins
            pending: list[tuple[str, Entity, dict[str, Any], str, Any]] = []
            for key, item in latest.items():
                state = item.snapshot()
                digest = content_hash(state)
                row = existing.get(key)
                if row is not None and row.kind != item.kind:
                    raise ConflictError(f"id {key} is a {row.kind}, not a {item.kind}")
                if row is not None and row.content_hash == digest and not row.deleted:
                    result.unchanged += 1
                    continue
                pending.append((key, item, state, digest, row))
            befores = self._states(conn, tenant, [
                key for key, _, _, _, row in pending if row is not None and not row.deleted])
            for key, item, state, digest, row in pending:
                before = befores.get(key)
                version = 1 if row is None else row.version + 1
                values = {
                    "tenant": tenant, "id": key, "kind": item.kind,
                    "source_system": item.source.system, "source_id": item.source.id,
                    "version": version, "content_hash": digest, "state": state,
                    "deleted": False, "updated_at": now,
                }
                if row is None:
                    inserts.append(values)
                    result.created += 1
                else:
                    updates.append({f"b_{k}": v for k, v in values.items()})
                    result.changed += 1
                result.events.append(
                    self.outbox.entity_event(
                        tenant=tenant, domain=item.domain,
                        type_=event_type(type(item), Change.UPSERTED),
                        source_system=item.source.system, entity=item.id, version=version,
                        data={"entity": state, "changedFields": _changed_fields(before, state)},
                        now=now,
                    )
                )
        if inserts:
            conn.execute(insert(entities), inserts)
        if updates:
            conn.execute(_UPDATE, updates)
        self.outbox.write(conn, result.events)
        return result

    def _delete(self, conn: Connection, tenant: str, ids: list[UUID]) -> ApplyResult:
        result = ApplyResult()
        now = self.clock()
        existing = self._existing(conn, tenant, [str(i) for i in ids])
        updates = []
        for key, row in existing.items():
            if row.deleted:
                continue
            version = row.version + 1
            updates.append({"b_tenant": tenant, "b_id": key, "b_version": version,
                            "b_updated_at": now})
            entity_cls = ENTITY_TYPES[row.kind]
            tombstone = {"id": key, "tenant": tenant,
                         "source": {"system": row.source_system, "id": row.source_id}}
            result.events.append(
                self.outbox.entity_event(
                    tenant=tenant, domain=entity_cls.domain,
                    type_=event_type(entity_cls, Change.DELETED),
                    source_system=row.source_system, entity=UUID(key), version=version,
                    data={"entity": tombstone, "changedFields": []}, now=now,
                )
            )
            result.deleted += 1
        if updates:
            conn.execute(_MARK_DELETED, updates)
        self.outbox.write(conn, result.events)
        return result


_UPDATE = (
    update(entities)
    .where(and_(entities.c.tenant == bindparam("b_tenant"), entities.c.id == bindparam("b_id")))
    .values(
        kind=bindparam("b_kind"), source_system=bindparam("b_source_system"),
        source_id=bindparam("b_source_id"), version=bindparam("b_version"),
        content_hash=bindparam("b_content_hash"), state=bindparam("b_state"),
        deleted=bindparam("b_deleted"), updated_at=bindparam("b_updated_at"),
    )
)

_MARK_DELETED = (
    update(entities)
    .where(and_(entities.c.tenant == bindparam("b_tenant"), entities.c.id == bindparam("b_id")))
    .values(version=bindparam("b_version"), deleted=True, updated_at=bindparam("b_updated_at"))
)
