"""The entity store: last canonical state per entity, change detection, snapshot apply.

An upsert whose content hash is unchanged writes nothing and emits nothing; a changed one
bumps the version and writes its event into the outbox in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, Engine, and_, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError

from gateway.domain.base import Entity, content_hash
from gateway.errors import ConflictError
from gateway.events.outbox import OutboxWriter
from gateway.store.entity_changes import ApplyResult, deleted_event, known_rows, upserted_event
from gateway.store.entity_reads import EntityReads, StoredEntity
from gateway.store.tables import entities

__all__ = ["ApplyResult", "EntityStore", "StoredEntity"]


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
    def upsert_in(
        self, conn: Connection, items: Iterable[Entity], *,
        known: Mapping[UUID, StoredEntity | None] | None = None,
    ) -> ApplyResult:
        """Like :meth:`upsert`, on the caller's open transaction.

        For stores that write rows of their own atomically with the entities (a person's
        personal data, the documents of a profile). The caller commits, and retries an
        ``IntegrityError`` (a concurrent insert of the same new id) as :meth:`upsert` does.

        Args:
            conn: the caller's open transaction.
            items: the entities to store.
            known: rows of some of ``items`` that this transaction has already read, by id
                (``None``: read and absent), so that they are not read again; the checks
                are the same. Precondition: each was read on ``conn`` with its row locked
                until commit (PostgreSQL: ``FOR UPDATE``, e.g. ``get_in(lock=True)``;
                SQLite: inside :func:`~gateway.store.engine.write_transaction`) and has
                not changed since. A row that breaks it still cannot corrupt the store: a
                stored row of another kind is refused as ever, an "absent" row that exists
                fails its insert (``IntegrityError``), an update writes only over the
                version and kind it was read at (``ConflictError``), and a row whose state
                names another entity is ignored and read again.

        Raises:
            ConflictError: an entity's id is stored as another kind, or a row handed in
                ``known`` is not the stored one.
        """
        return self._upsert(conn, list(items), known or {})

    def delete_in(self, conn: Connection, tenant: str, ids: Iterable[UUID]) -> ApplyResult:
        """Like :meth:`delete`, on the caller's open transaction."""
        return self._delete(conn, tenant, list(ids))

    def _upsert(self, conn: Connection, batch: list[Entity],
                known: Mapping[UUID, StoredEntity | None] | None = None) -> ApplyResult:
        result = ApplyResult()
        now = self.clock()
        by_tenant: dict[str, list[Entity]] = {}
        for item in batch:
            by_tenant.setdefault(item.tenant, []).append(item)
        inserts: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        for tenant, items in by_tenant.items():
            given = known_rows(known or {}, items)  # read by the caller, not read again
            existing: dict[str, Any] = {k: row for k, row in given.items() if row is not None}
            existing.update(self._existing(
                conn, tenant, [str(i.id) for i in items if str(i.id) not in given]))
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
            live = [key for key, _, _, _, row in pending if row is not None and not row.deleted]
            befores = self._states(conn, tenant, [key for key in live if key not in given])
            befores.update({key: existing[key].state for key in live if key in given})
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
                    updates.append({f"b_{k}": v for k, v in values.items()}
                                   | {"b_read_version": row.version})
                    result.changed += 1
                result.events.append(
                    upserted_event(self.outbox, item, state, before, version, now))
        if inserts:
            conn.execute(insert(entities), inserts)
        if updates:
            written = conn.execute(_UPDATE, updates).rowcount
            if written != len(updates) and (
                    len(updates) == 1 or conn.dialect.supports_sane_multi_rowcount):
                raise ConflictError("a stored entity changed after it was read")
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
            result.events.append(deleted_event(self.outbox, tenant, key, row, version, now))
            result.deleted += 1
        if updates:
            conn.execute(_MARK_DELETED, updates)
        self.outbox.write(conn, result.events)
        return result


_UPDATE = (
    update(entities)
    .where(and_(entities.c.tenant == bindparam("b_tenant"), entities.c.id == bindparam("b_id"),
                # over the row as read (its version, and a kind the checks accepted) only
                entities.c.version == bindparam("b_read_version"),
                entities.c.kind == bindparam("b_kind")))
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
