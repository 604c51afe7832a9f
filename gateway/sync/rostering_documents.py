"""The documents of pulled groups and members, kept as pushed ones are, for the profile's GETs.

The gateway's own ``GET /ooapi/v5-mbo/groups/{groupId}`` and ``.../members`` answer from the
stored profile documents (:mod:`gateway.store.mbo_documents`), which the receiving side
(:mod:`gateway.sync.mbo_groups`) writes with each pushed group and member. A rostering
pull writes them too, in the same transaction as the entities they became, so a pulled
group reads back like a pushed one: the group as the SIS served it (checked against the
official ``Group``), each member as its ``MembershipItem`` (the profile's list; from the
official ``/persons`` list only ``personId`` and ``role``), under the same ids
(``<groupId>``, ``<groupId>/<personId>``). When the pull deletes a group or member the SIS
no longer lists, its document goes with the entity. Component offerings pulled are not
kept here: a pushed offering's document is what the profile's association and offering
writes build on, and a pulled one carries no ``ext.groups`` to rebuild from.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy.exc import IntegrityError

from gateway.domain import Entity, Membership
from gateway.errors import ConflictError
from gateway.store.engine import write_transaction
from gateway.store.entities import ApplyResult, EntityStore
from gateway.store.mbo_documents import MboDocuments, Resource
from gateway.store.record_digests import RecordDigest
from gateway.sync.pull_memo import PullMemo

__all__ = ["PulledDocument", "forget_documents", "pulled_document", "write_with_documents"]

_RESOURCES = {"group": Resource.GROUP, "member": Resource.MEMBERSHIP}


@dataclass(frozen=True)
class PulledDocument:
    """One document to keep next to the entity it became."""

    resource: Resource
    resource_id: str
    entity_id: UUID
    document: dict[str, Any]
    person_id: UUID | None = None
    parent_ref: str | None = None


def pulled_document(kind: str, source_id: str, document: dict[str, Any],
                    entity: Entity) -> PulledDocument | None:
    """The document of a pulled ``group`` or ``member`` (None for other kinds)."""
    resource = _RESOURCES.get(kind)
    if resource is None:
        return None
    # ids in their canonical form, as a push stores them and a GET looks them up
    ids = [str(UUID(part)) for part in source_id.split("/")]
    if isinstance(entity, Membership):
        return PulledDocument(resource, "/".join(ids), entity.id,
                              {**document, "personId": ids[1]}, entity.person_id, ids[0])
    return PulledDocument(resource, ids[0], entity.id, document)


def write_with_documents(store: EntityStore, memo: PullMemo, batch: list[Entity],
                         documents: list[PulledDocument],
                         rows: list[RecordDigest], now: datetime) -> ApplyResult:
    """Write ``batch`` and its documents in one transaction, then the memo ``rows``.

    Raises:
        ConflictError: a concurrent writer kept inserting the same new entity.
    """
    for attempt in range(3):
        try:
            with write_transaction(store.engine) as conn:
                result = store.upsert_in(conn, batch)
                for doc in documents:
                    MboDocuments.put_in(conn, batch[0].tenant, doc.resource, doc.resource_id,
                                        doc.entity_id, doc.document, person_id=doc.person_id,
                                        parent_ref=doc.parent_ref, now=now)
            break
        except IntegrityError as exc:  # a concurrent insert of the same new id
            if attempt == 2:
                raise ConflictError("concurrent writers kept inserting the same entity") \
                    from exc
    memo.remember(rows)
    return result


def forget_documents(store: EntityStore, tenant: str, record_keys: Iterable[str]) -> int:
    """Remove the documents of deleted records (``group/<id>``, ``member/<g>/<p>``)."""
    by_resource: dict[Resource, list[str]] = {}
    for key in record_keys:
        kind, _, ident = key.partition("/")
        if kind in _RESOURCES:
            try:
                ident = "/".join(str(UUID(part)) for part in ident.split("/"))
            except ValueError:  # never mapped, so never kept
                continue
            by_resource.setdefault(_RESOURCES[kind], []).append(ident)
    gone = 0
    with store.engine.begin() as conn:
        for resource, ids in sorted(by_resource.items()):
            gone += MboDocuments.delete_in(conn, tenant, resource, ids)
    return gone
