"""Writing a batch of persons with their personal data on the caller's transaction.

One read per tenant fetches the persons' entity rows (locked on PostgreSQL) joined with
their ``person_data`` rows; the entity rows go on to
:meth:`~gateway.store.entities.EntityStore.upsert_in` as ``known``, so the entity store
does not read them again. Changed personal data alone raises the person's
``personal_data_version`` (see :mod:`gateway.store.persons` for why a counter).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, and_, bindparam, insert, select, update

from gateway.domain import Person, PersonalData
from gateway.domain.base import content_hash
from gateway.events.outbox import OutboxEvent
from gateway.store.entities import EntityStore
from gateway.store.entity_reads import STORED_COLUMNS, StoredEntity, stored_entity
from gateway.store.tables import entities, person_data

__all__ = ["PersonItem", "PersonWrite", "rounds", "upsert_batch"]

#: Ids per ``IN (...)`` read, well below SQLite's bound-parameter limit.
_CHUNK = 500


@dataclass(frozen=True)
class PersonWrite:
    """What one upsert did: the stored person and whether anything was written."""

    person: Person
    created: bool
    #: The entity changed (its event is in ``events``).
    changed: bool
    #: The ``person_data`` row was written.
    personal_data_changed: bool
    events: list[OutboxEvent] = field(default_factory=list)


@dataclass(frozen=True)
class PersonItem:
    """One person to write: the entity, its personal data and its source documents."""

    person: Person
    personal_data: PersonalData
    #: Source documents holding personal data, by profile name; they replace the stored.
    documents: Mapping[str, Any] | None = None


def rounds(items: Sequence[PersonItem]) -> list[list[PersonItem]]:
    """Split ``items`` in order into runs of distinct persons: a person listed twice is
    written by a later run, which sees the first write, as two upserts would."""
    runs: list[list[PersonItem]] = [[]]
    seen: set[tuple[str, UUID]] = set()
    for item in items:
        key = (item.person.tenant, item.person.id)
        if key in seen:
            runs.append([])
            seen = set()
        seen.add(key)
        runs[-1].append(item)
    return runs


def _payload(data: PersonalData, documents: Mapping[str, Any] | None) -> dict[str, Any]:
    return {"personalData": data.model_dump(mode="json", exclude_none=True),
            "documents": dict(documents or {})}


def _stored(conn: Connection, tenant: str, keys: Sequence[str], *, lock: bool
            ) -> tuple[dict[str, Any], dict[str, StoredEntity]]:
    """The stored ``person_data`` payloads and entity rows, in one read (the entity rows
    locked with ``lock``: every writer of a person's ``person_data`` locks or inserts its
    entity row first, so that lock guards both)."""
    payloads: dict[str, Any] = {}
    rows: dict[str, StoredEntity] = {}
    joined = entities.outerjoin(person_data, and_(
        person_data.c.tenant == entities.c.tenant, person_data.c.person_id == entities.c.id))
    for start in range(0, len(keys), _CHUNK):
        chunk = keys[start:start + _CHUNK]
        query = select(*STORED_COLUMNS, person_data.c.data).select_from(joined).where(
            entities.c.tenant == tenant, entities.c.id.in_(chunk))
        if lock:
            query = query.with_for_update(of=entities)
        for row in conn.execute(query):
            rows[row.id] = stored_entity(row)
            if row.data is not None:
                payloads[row.id] = row.data
    return payloads, rows


def upsert_batch(store: EntityStore, conn: Connection, batch: list[PersonItem], *,
                 lock_rows: bool) -> list[PersonWrite]:
    """Write persons of distinct ids (any tenants) on the caller's transaction.

    Args:
        store: the entity store that writes the ``Person`` entities and their events.
        conn: the caller's transaction; on SQLite it must hold the write lock
            (:func:`~gateway.store.engine.write_transaction`).
        batch: persons of distinct (tenant, id).
        lock_rows: read the entity rows ``FOR UPDATE`` (PostgreSQL).

    Returns:
        What was written, one entry per item, in order.
    """
    stored: dict[tuple[str, str], tuple[Any, StoredEntity | None]] = {}
    for tenant in {item.person.tenant for item in batch}:
        keys = [str(i.person.id) for i in batch if i.person.tenant == tenant]
        payloads, rows = _stored(conn, tenant, keys, lock=lock_rows)
        stored.update({(tenant, k): (payloads.get(k), rows.get(k)) for k in keys})
    persons: list[Person] = []
    known: dict[UUID, StoredEntity | None] = {}
    plans: list[tuple[dict[str, Any], Any, bool, bool]] = []
    for item in batch:
        payload = _payload(item.personal_data, item.documents)
        stored_payload, row = stored[(item.person.tenant, str(item.person.id))]
        previous = row.state.get("personal_data_version") if row is not None else None
        data_changed = stored_payload is None or content_hash(
            stored_payload) != content_hash(payload)
        version = (previous or 0) + 1 if data_changed else previous or 1
        persons.append(item.person.model_copy(update={"personal_data_version": version}))
        known[item.person.id] = row
        plans.append((payload, stored_payload, data_changed, row is None))
    result = store.upsert_in(conn, persons, known=known)
    now = store.clock()
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    events: dict[tuple[str, str], list[OutboxEvent]] = {}
    for event in result.events:
        events.setdefault((event.tenant, event.subject), []).append(event)
    written: list[PersonWrite] = []
    for person, (payload, stored_payload, data_changed, created) in zip(
            persons, plans, strict=True):
        key = str(person.id)
        if stored_payload is None:
            inserts.append({"tenant": person.tenant, "person_id": key, "data": payload,
                            "updated_at": now})
        elif data_changed:
            updates.append({"b_tenant": person.tenant, "b_person_id": key,
                            "b_data": payload, "b_updated_at": now})
        own = events.get((person.tenant, key), [])
        written.append(PersonWrite(person=person, created=created, changed=bool(own),
                                   personal_data_changed=data_changed, events=own))
    if inserts:
        conn.execute(insert(person_data), inserts)
    if updates:
        conn.execute(_UPDATE_DATA, updates)
    return written


_UPDATE_DATA = (
    update(person_data)
    .where(and_(person_data.c.tenant == bindparam("b_tenant"),
                person_data.c.person_id == bindparam("b_person_id")))
    .values(data=bindparam("b_data"), updated_at=bindparam("b_updated_at"))
)
