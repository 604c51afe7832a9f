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
``{"personalData": {...}, "documents": {<profile>: {...}}}``. The reads are in
:mod:`gateway.store.person_reads`, the batch write in :mod:`gateway.store.person_upserts`;
this module holds the transactions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError

from gateway.domain import Person, PersonalData
from gateway.domain.base import content_hash
from gateway.errors import ConflictError, NotFoundError
from gateway.store.engine import write_transaction
from gateway.store.entities import ApplyResult, EntityStore
from gateway.store.mbo_documents import MboDocuments
from gateway.store.person_reads import PersonReads
from gateway.store.person_upserts import PersonItem, PersonWrite, rounds, upsert_batch
from gateway.store.tables import entities, person_data

__all__ = ["PersonItem", "PersonStore", "PersonWrite"]


class PersonStore(PersonReads):
    """Persons with their personal data (see the module docstring); the reads are
    :class:`~gateway.store.person_reads.PersonReads`.

    Args:
        store: the entity store; its engine holds ``person_data`` too.
    """

    def __init__(self, store: EntityStore) -> None:
        super().__init__(store)
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
        runs = rounds(items)
        for attempt in range(3):
            try:
                with write_transaction(self.engine) as conn:  # write lock first, then read
                    written: list[PersonWrite] = []
                    for batch in runs:
                        written.extend(upsert_batch(self.store, conn, batch,
                                                    lock_rows=self._lock_rows))
                    return written
            except IntegrityError as exc:  # a concurrent insert of the same new person
                if attempt == 2:
                    raise ConflictError("concurrent writers kept colliding") from exc
        raise AssertionError("unreachable")

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
