"""The documents of the mbo profile as they were last accepted, for its GETs to give back.

The canonical entities hold what other systems need (ids, dates, states); a profile
document holds more (names in several languages, consumer entries such as a student's
personal needs for an exam). The receiving side of the mbo profile
(:mod:`gateway.sync.mbo_receiver`) keeps each accepted document here, next to its entity,
so that ``GET`` returns what was ``PUT``. A document is only written when it differs from
the stored one, so a repeated ``PUT`` touches no row.

Person documents are not kept here: they are personal data and live with it in
``person_data`` (:mod:`gateway.store.persons`). Association and membership documents name
their person (``person_id``, the canonical id), so erasing a person can strip them of
what is personal (:meth:`MboDocuments.strip_person_in`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from sqlalchemy import (
    JSON,
    Column,
    Connection,
    DateTime,
    Engine,
    Index,
    String,
    Table,
    delete,
    insert,
    select,
    update,
)

from gateway.domain.base import content_hash
from gateway.store.engine import holds_write_lock
from gateway.store.tables import metadata

__all__ = ["MboDocuments", "Resource", "StoredDocument", "mbo_documents"]


class Resource(StrEnum):
    """The kinds of profile documents kept here."""

    OFFERING = "offering"
    ASSOCIATION = "association"
    GROUP = "group"
    MEMBERSHIP = "membership"


mbo_documents = Table(
    "mbo_documents",
    metadata,
    Column("tenant", String(63), primary_key=True),
    Column("resource", String(20), primary_key=True),
    #: The profile's id of the document (``associationId``, ...); a membership's is
    #: ``<groupId>/<personId>``.
    Column("resource_id", String(80), primary_key=True),
    Column("entity_id", String(36), nullable=False),
    #: The canonical id of the person the document names (associations, memberships).
    Column("person_id", String(36), nullable=True),
    #: The profile's id of the offering (associations) or group (memberships) it belongs to.
    Column("parent_ref", String(36), nullable=True),
    Column("document", JSON, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_mbo_documents_person", "tenant", "resource", "person_id"),
    Index("ix_mbo_documents_parent", "tenant", "resource", "parent_ref"),
)


@dataclass(frozen=True)
class StoredDocument:
    resource_id: str
    entity_id: UUID
    person_id: UUID | None
    parent_ref: str | None
    document: dict[str, Any]


def _stored(row: Any) -> StoredDocument:
    return StoredDocument(
        resource_id=row.resource_id, entity_id=UUID(row.entity_id),
        person_id=UUID(row.person_id) if row.person_id else None,
        parent_ref=row.parent_ref, document=row.document)


class MboDocuments:
    """Reads and writes the stored profile documents of every tenant.

    Example::

        documents = MboDocuments(engine)
        with engine.begin() as conn:
            documents.put_in(conn, "roc-a", Resource.GROUP, group_id, entity_id, doc)
        stored = documents.get("roc-a", Resource.GROUP, group_id)
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def get(self, tenant: str, resource: Resource, resource_id: str) -> StoredDocument | None:
        with self.engine.connect() as conn:
            return self.get_in(conn, tenant, resource, resource_id)

    @staticmethod
    def get_in(
        conn: Connection, tenant: str, resource: Resource, resource_id: str
    ) -> StoredDocument | None:
        row = conn.execute(select(mbo_documents).where(
            mbo_documents.c.tenant == tenant, mbo_documents.c.resource == resource.value,
            mbo_documents.c.resource_id == resource_id)).first()
        return None if row is None else _stored(row)

    @staticmethod
    def put_in(
        conn: Connection,
        tenant: str,
        resource: Resource,
        resource_id: str,
        entity_id: UUID,
        document: dict[str, Any],
        *,
        person_id: UUID | None = None,
        parent_ref: str | None = None,
        now: datetime | None = None,
    ) -> bool:
        """Store ``document`` unless the stored one is equal; True when a row was written."""
        digest = content_hash(document)
        key = (mbo_documents.c.tenant == tenant, mbo_documents.c.resource == resource.value,
               mbo_documents.c.resource_id == resource_id)
        current = conn.execute(
            select(mbo_documents.c.content_hash, mbo_documents.c.person_id,
                   mbo_documents.c.parent_ref).where(*key)).first()
        values = {"entity_id": str(entity_id), "document": document, "content_hash": digest,
                  "person_id": str(person_id) if person_id else None, "parent_ref": parent_ref,
                  "updated_at": now or datetime.now(UTC)}
        if current is None:
            conn.execute(insert(mbo_documents).values(
                tenant=tenant, resource=resource.value, resource_id=resource_id, **values))
            return True
        if (current.content_hash, current.person_id, current.parent_ref) == (
                digest, values["person_id"], parent_ref):
            return False
        conn.execute(update(mbo_documents).where(*key).values(**values))
        return True

    def list(
        self,
        tenant: str,
        resource: Resource,
        *,
        person_id: UUID | None = None,
        parent_ref: str | None = None,
    ) -> list[StoredDocument]:
        """The tenant's documents of one resource, optionally of one person or parent,
        ordered by their profile id."""
        query = select(mbo_documents).where(mbo_documents.c.tenant == tenant,
                                            mbo_documents.c.resource == resource.value)
        if person_id is not None:
            query = query.where(mbo_documents.c.person_id == str(person_id))
        if parent_ref is not None:
            query = query.where(mbo_documents.c.parent_ref == parent_ref)
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(mbo_documents.c.resource_id))
            return [_stored(row) for row in rows]

    @staticmethod
    def list_in(
        conn: Connection, tenant: str, resource: Resource, *, parent_ref: str
    ) -> tuple[StoredDocument, ...]:
        """Like :meth:`list` of one parent, on the caller's transaction (so it sees what
        that transaction wrote)."""
        rows = conn.execute(select(mbo_documents).where(
            mbo_documents.c.tenant == tenant, mbo_documents.c.resource == resource.value,
            mbo_documents.c.parent_ref == parent_ref).order_by(mbo_documents.c.resource_id))
        return tuple(_stored(row) for row in rows)

    @staticmethod
    def delete_in(
        conn: Connection, tenant: str, resource: Resource, resource_ids: Iterable[str]
    ) -> int:
        """Remove documents whose entities are gone (a pull's deletions); how many went."""
        ids = list(resource_ids)
        gone = 0
        for start in range(0, len(ids), 500):
            gone += conn.execute(delete(mbo_documents).where(
                mbo_documents.c.tenant == tenant, mbo_documents.c.resource == resource.value,
                mbo_documents.c.resource_id.in_(ids[start:start + 500]))).rowcount
        return gone

    @staticmethod
    def write_lock_in(conn: Connection) -> None:
        """On SQLite, take the database's write lock now, at the start of a transaction.

        A transaction that reads first and writes later fails its first write (instead of
        waiting) when another writer committed in between; one that starts with a write
        waits for the lock (the busy timeout) and then reads the latest state. Any
        ``UPDATE`` takes the lock, also one that matches no row. PostgreSQL locks rows.
        Nothing to do in a :func:`~gateway.store.engine.write_transaction`: it holds the
        lock from its ``BEGIN IMMEDIATE``.
        """
        if conn.dialect.name == "sqlite" and not holds_write_lock(conn):
            conn.execute(update(mbo_documents).where(mbo_documents.c.tenant == "").values(
                tenant=mbo_documents.c.tenant))

    @staticmethod
    def lock_in(
        conn: Connection, tenant: str, resource: Resource, resource_id: str
    ) -> StoredDocument | None:
        """Read a document for a change that depends on it, holding it until commit.

        PostgreSQL locks the row (``FOR UPDATE``); SQLite first runs a no-op ``UPDATE``,
        which takes the database's write lock, so a concurrent writer waits for this
        transaction instead of failing its commit or overwriting this one's change (not
        needed in a :func:`~gateway.store.engine.write_transaction`, which holds it).
        """
        key = (mbo_documents.c.tenant == tenant, mbo_documents.c.resource == resource.value,
               mbo_documents.c.resource_id == resource_id)
        if conn.dialect.name == "sqlite" and not holds_write_lock(conn):
            conn.execute(update(mbo_documents).where(*key).values(
                content_hash=mbo_documents.c.content_hash))
        query = select(mbo_documents).where(*key)
        if conn.dialect.name == "postgresql":
            query = query.with_for_update()
        row = conn.execute(query).first()
        return None if row is None else _stored(row)

    @staticmethod
    def strip_person_in(conn: Connection, tenant: str, person_id: UUID) -> int:
        """Erasure: reduce the documents that name a person to their ids and states.

        Consumer entries (a student's personal needs, extra time), results and
        extensions go; what stays is what the canonical entities hold anyway (ids, type,
        role, state, dates), so the lists of an offering or group stay whole.

        Returns:
            How many documents were rewritten.
        """
        rows = conn.execute(select(
            mbo_documents.c.resource, mbo_documents.c.resource_id, mbo_documents.c.document,
        ).where(mbo_documents.c.tenant == tenant,
                mbo_documents.c.person_id == str(person_id))).all()
        for row in rows:
            kept = {k: v for k, v in row.document.items() if k in _KEPT_AFTER_ERASURE}
            conn.execute(update(mbo_documents).where(
                mbo_documents.c.tenant == tenant, mbo_documents.c.resource == row.resource,
                mbo_documents.c.resource_id == row.resource_id,
            ).values(document=kept, content_hash=content_hash(kept)))
        return len(rows)


#: The keys of association and membership documents that hold no personal data.
_KEPT_AFTER_ERASURE = frozenset({
    "associationId", "associationType", "role", "state", "person", "offering",
    "personId", "startDateTime", "endDateTime",
})
