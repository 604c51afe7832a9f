"""Persons: the pseudonymous ``Person`` entity and its personal data, always written together.

The ``Person`` entity (ids only: the canonical id, the source's id, the ECK iD) goes
through the :class:`~gateway.store.entities.EntityStore` and so into events; the
personal data (names, birth date, e-mail, address: ``PersonalData``) and any source
document that holds personal data (the mbo profile's Person) stay in the ``person_data``
row, which never leaves the store except through an API that audits each read.

API (what the personal-data read API and the right to erasure build on)::

    persons = PersonStore(gateway.store)
    written = persons.upsert(person, personal_data, documents={"ooapi-v5-mbo": doc})
    page = persons.upsert_many([PersonItem(person, personal_data, documents), ...])
    data = persons.get_personal_data("roc-a", person_id)   # PersonalData; NotFoundError
    doc = persons.get_document("roc-a", person_id, "ooapi-v5-mbo")   # dict or None
    result = persons.erase("roc-a", person_id)             # ApplyResult, the tombstone event

- :meth:`PersonStore.upsert` writes the entity and the ``person_data`` row in ONE
  transaction. Unchanged entity and unchanged personal data: nothing is written, no
  event. Changed personal data only: the row is updated and the entity's
  ``personal_data_version`` goes up by one, so consumers get a ``person.upserted`` event
  whose ``changedFields`` is ``["personal_data_version"]``: they learn *that* the person
  changed (and may read the data through the audited API) without seeing *what*. A
  counter and not a hash of the data: a hash of a name and a birth date can be reversed
  by trying candidates. :meth:`PersonStore.upsert_many` does the same for a page of
  persons in one transaction with set-based statements (a pull writes pages).
- :meth:`PersonStore.get_personal_data` raises ``NotFoundError`` for an unknown person
  and for an erased one.
- :meth:`PersonStore.erase` (the right to erasure), in one transaction: deletes the
  ``person_data`` row; strips the mbo profile documents that name the person
  (associations and memberships) down to ids, types, roles, states and dates (their
  consumer entries may hold personal needs; their canonical entities hold ids only and
  stay); reduces the stored ``Person`` state to its
  tombstone (id, tenant, source: the ECK iD goes too) and marks it deleted, which writes a
  ``nl.mbo.person.person.deleted.v1`` event. Erasing an erased person does nothing;
  erasing an unknown one raises ``NotFoundError``. A later upsert of the same source id
  stores the person anew.

Read ``person_data`` only through this class: its ``data`` column holds
``{"personalData": {...}, "documents": {<profile>: {...}}}``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, and_, bindparam, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from gateway.domain import Person, PersonalData
from gateway.domain.base import content_hash
from gateway.errors import ConflictError, NotFoundError
from gateway.events.outbox import OutboxEvent
from gateway.store.engine import write_transaction
from gateway.store.entities import ApplyResult, EntityStore
from gateway.store.mbo_documents import MboDocuments
from gateway.store.tables import entities, person_data

__all__ = ["PersonItem", "PersonStore", "PersonWrite"]

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


def _rounds(items: Sequence[PersonItem]) -> list[list[PersonItem]]:
    """Split ``items`` in order into runs of distinct persons: a person listed twice is
    written by a later run, which sees the first write, as two upserts would."""
    rounds: list[list[PersonItem]] = [[]]
    seen: set[tuple[str, UUID]] = set()
    for item in items:
        key = (item.person.tenant, item.person.id)
        if key in seen:
            rounds.append([])
            seen = set()
        seen.add(key)
        rounds[-1].append(item)
    return rounds


def _payload(data: PersonalData, documents: Mapping[str, Any] | None) -> dict[str, Any]:
    return {"personalData": data.model_dump(mode="json", exclude_none=True),
            "documents": dict(documents or {})}


class PersonStore:
    """Persons with their personal data (see the module docstring).

    Args:
        store: the entity store; its engine holds ``person_data`` too.
    """

    def __init__(self, store: EntityStore) -> None:
        self.store = store
        self.engine = store.engine
        self._lock_rows = self.engine.dialect.name == "postgresql"

    # -- writing ------------------------------------------------------------------------
    def upsert(
        self,
        person: Person,
        personal_data: PersonalData,
        *,
        documents: Mapping[str, Any] | None = None,
    ) -> PersonWrite:
        """Store a person and its personal data in one transaction.

        Args:
            person: the entity; its ``personal_data_version`` is set here.
            personal_data: the person's personal data.
            documents: source documents holding personal data, by profile name
                (``{"ooapi-v5-mbo": {...}}``); they replace the stored ones.

        Returns:
            What was written.

        Raises:
            ConflictError: concurrent writers kept inserting the same new person.
        """
        return self.upsert_many([PersonItem(person, personal_data, documents)])[0]

    def upsert_many(self, items: Sequence[PersonItem]) -> list[PersonWrite]:
        """Store a page of persons and their personal data in ONE transaction.

        The same result as :meth:`upsert` of each item in turn (a person listed twice is
        written twice, in order), with a few set-based statements per page instead of a
        transaction per person: a first full pull of a school is mostly this.

        Args:
            items: the persons with their personal data and documents.

        Returns:
            What was written, one entry per item, in order.

        Raises:
            ConflictError: concurrent writers kept inserting the same new person.
        """
        if not items:
            return []
        rounds = _rounds(items)
        for attempt in range(3):
            try:
                with write_transaction(self.engine) as conn:  # write lock first, then read
                    written: list[PersonWrite] = []
                    for batch in rounds:
                        written.extend(self._upsert_batch(conn, batch))
                    return written
            except IntegrityError as exc:  # a concurrent insert of the same new person
                if attempt == 2:
                    raise ConflictError("concurrent writers kept colliding") from exc
        raise AssertionError("unreachable")

    def _stored(self, conn: Connection, tenant: str, keys: Sequence[str]
                ) -> tuple[dict[str, Any], dict[str, Any]]:
        """The stored ``person_data`` payloads and entity states, in one read (the entity
        rows locked on PostgreSQL: every writer of a person's ``person_data`` locks or
        inserts its entity row first, so that lock guards both)."""
        payloads: dict[str, Any] = {}
        states: dict[str, Any] = {}
        joined = entities.outerjoin(person_data, and_(
            person_data.c.tenant == entities.c.tenant, person_data.c.person_id == entities.c.id))
        for start in range(0, len(keys), _CHUNK):
            chunk = keys[start:start + _CHUNK]
            query = select(entities.c.id, entities.c.state, person_data.c.data).select_from(
                joined).where(entities.c.tenant == tenant, entities.c.id.in_(chunk))
            if self._lock_rows:
                query = query.with_for_update(of=entities)
            for row in conn.execute(query):
                states[row.id] = row.state
                if row.data is not None:
                    payloads[row.id] = row.data
        return payloads, states

    def _upsert_batch(self, conn: Connection, batch: list[PersonItem]) -> list[PersonWrite]:
        """Write persons of distinct ids (any tenants) on the caller's transaction."""
        stored: dict[tuple[str, str], tuple[Any, Any]] = {}
        for tenant in {item.person.tenant for item in batch}:
            keys = [str(i.person.id) for i in batch if i.person.tenant == tenant]
            payloads, states = self._stored(conn, tenant, keys)
            stored.update({(tenant, k): (payloads.get(k), states.get(k)) for k in keys})
        persons: list[Person] = []
        plans: list[tuple[dict[str, Any], Any, bool, bool]] = []
        for item in batch:
            payload = _payload(item.personal_data, item.documents)
            stored_payload, state = stored[(item.person.tenant, str(item.person.id))]
            previous = state.get("personal_data_version") if state is not None else None
            data_changed = stored_payload is None or content_hash(
                stored_payload) != content_hash(payload)
            version = (previous or 0) + 1 if data_changed else previous or 1
            persons.append(item.person.model_copy(update={"personal_data_version": version}))
            plans.append((payload, stored_payload, data_changed, state is None))
        result = self.store.upsert_in(conn, persons)
        now = self.store.clock()
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

    def erase(self, tenant: str, person_id: UUID) -> ApplyResult:
        """Remove a person's personal data and leave a tombstone (see the module docstring).

        Returns:
            The store's result: one deleted entity and its event, or nothing when the
            person was already erased.

        Raises:
            NotFoundError: the tenant has no such person.
        """
        with write_transaction(self.engine) as conn:
            stored = self.store.get_in(conn, tenant, person_id, lock=True)
            if stored is None or stored.kind != Person.kind:
                raise NotFoundError(f"no person {person_id}")
            conn.execute(delete(person_data).where(
                person_data.c.tenant == tenant, person_data.c.person_id == str(person_id)))
            MboDocuments.strip_person_in(conn, tenant, person_id)
            tombstone = {k: stored.state[k] for k in ("id", "tenant", "source")}
            conn.execute(update(entities).where(
                entities.c.tenant == tenant, entities.c.id == str(person_id)).values(
                state=tombstone, content_hash=content_hash(tombstone)))
            if stored.deleted:
                return ApplyResult()
            return self.store.delete_in(conn, tenant, [person_id])

    # -- reading ------------------------------------------------------------------------
    def get(self, tenant: str, person_id: UUID) -> Person:
        """The live ``Person`` entity.

        Raises:
            NotFoundError: unknown or erased.
        """
        stored = self.store.get(tenant, person_id)
        if stored.kind != Person.kind:
            raise NotFoundError(f"no person {person_id}")
        entity = stored.entity()
        assert isinstance(entity, Person)  # noqa: S101 - kind checked above
        return entity

    def _payload_of(self, tenant: str, person_id: UUID) -> dict[str, Any]:
        with self.engine.connect() as conn:
            data = conn.execute(select(person_data.c.data).where(
                person_data.c.tenant == tenant,
                person_data.c.person_id == str(person_id))).scalar_one_or_none()
        if data is None:
            raise NotFoundError(f"no personal data of person {person_id}")
        return dict(data)

    def get_personal_data(self, tenant: str, person_id: UUID) -> PersonalData:
        """The person's personal data.

        Raises:
            NotFoundError: unknown person, or erased.
        """
        return PersonalData.model_validate(self._payload_of(tenant, person_id)["personalData"])

    def get_document(self, tenant: str, person_id: UUID, profile: str) -> dict[str, Any] | None:
        """The person's source document of ``profile`` (personal data), None if there is none.

        Raises:
            NotFoundError: unknown person, or erased.
        """
        document = self._payload_of(tenant, person_id).get("documents", {}).get(profile)
        return dict(document) if document is not None else None


_UPDATE_DATA = (
    update(person_data)
    .where(and_(person_data.c.tenant == bindparam("b_tenant"),
                person_data.c.person_id == bindparam("b_person_id")))
    .values(data=bindparam("b_data"), updated_at=bindparam("b_updated_at"))
)
