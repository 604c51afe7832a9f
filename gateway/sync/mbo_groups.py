"""Groups and their members in the mbo profile: ``/groups``, ``/groups/{groupId}[/members]``.

A group is a canonical :class:`~gateway.domain.Group`, a member a
:class:`~gateway.domain.Membership` (both on the timetable topic), each with its
document. ``PUT /groups/{groupId}/members`` puts ONE member (the body's ``personId``;
the ``personId`` path parameter the profile also lists has no place in the path, so
it is not read). The group and the person must exist first (404 otherwise).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import Connection

from gateway.errors import NotFoundError
from gateway.mappings.ooapi_v5_mbo_in import group_from, membership_from, text_of
from gateway.mappings.ooapi_v5_mbo_out import group_document, is_active_member, with_id
from gateway.store.catalogue_filters import PageSlice, SortKey
from gateway.store.mbo_documents import Resource
from gateway.sync.mbo_persons import person_exists
from gateway.sync.mbo_receiver import MboReceiver, Written

__all__ = ["GROUP_PATH", "MEMBERS_PATH", "GroupFilter", "get_group", "list_groups",
           "list_members", "put_group", "put_member"]

GROUP_PATH = "/groups/{groupId}"
MEMBERS_PATH = "/groups/{groupId}/members"


def put_group(receiver: MboReceiver, tenant: str, group_ref: UUID, body: Any) -> Written:
    """Store a group as the SIS sends it.

    Raises:
        OoapiValidationError: the body does not conform to the profile.
        ValidationError: its ``groupId`` is not the one of the path.
        DomainRuleError: a value the canonical model cannot hold.
    """
    document = receiver.checked(GROUP_PATH, "put", body, id_key="groupId", id_value=group_ref)
    document["groupId"] = str(group_ref)
    group = group_from(tenant, document)

    def work(conn: Connection) -> Written:
        result = receiver.store.upsert_in(conn, [group])
        written = receiver.documents.put_in(conn, tenant, Resource.GROUP, str(group_ref),
                                            group.id, document, now=receiver.store.clock())
        return Written.of(result, written)

    return receiver.in_transaction(work)


def put_member(receiver: MboReceiver, tenant: str, group_ref: UUID, body: Any) -> Written:
    """Store one member of a group.

    Raises:
        OoapiValidationError: the body does not conform to the profile.
        NotFoundError: the group or the person is unknown.
    """
    document = receiver.checked(MEMBERS_PATH, "put", body)
    person_ref = UUID(str(document["personId"]))
    document["personId"] = str(person_ref)
    if receiver.documents.get(tenant, Resource.GROUP, str(group_ref)) is None:
        raise NotFoundError(f"no group {group_ref}")
    if not person_exists(receiver, tenant, person_ref):
        raise NotFoundError(f"no person {person_ref}: PUT /persons/{person_ref} first",
                            path="/personId")
    membership = membership_from(tenant, str(group_ref), document)

    def work(conn: Connection) -> Written:
        result = receiver.store.upsert_in(conn, [membership])
        written = receiver.documents.put_in(
            conn, tenant, Resource.MEMBERSHIP, f"{group_ref}/{person_ref}", membership.id,
            document, person_id=membership.person_id, parent_ref=str(group_ref),
            now=receiver.store.clock())
        return Written.of(result, written)

    return receiver.in_transaction(work)


def _members(receiver: MboReceiver, tenant: str, group_ref: str) -> list[dict[str, Any]]:
    return [stored.document for stored in receiver.documents.list(
        tenant, Resource.MEMBERSHIP, parent_ref=group_ref)]


def get_group(receiver: MboReceiver, tenant: str, group_ref: UUID) -> dict[str, Any]:
    """The group as last PUT, with its ``personCount``.

    Raises:
        NotFoundError: no such group.
    """
    stored = receiver.documents.get(tenant, Resource.GROUP, str(group_ref))
    if stored is None:
        raise NotFoundError(f"no group {group_ref}")
    active = sum(is_active_member(m) for m in _members(receiver, tenant, str(group_ref)))
    return group_document(str(group_ref), stored.document, active)


@dataclass(frozen=True)
class GroupFilter:
    """``GET /groups``: ``primaryCode``, ``q`` (name or code), ``groupType``; sort keys
    ``groupId``, ``name``, ``startDate``."""

    primary_code: str | None = None
    term: str | None = None
    group_type: str | None = None
    sort: tuple[SortKey, ...] = (("name", False),)


def _matches(doc: dict[str, Any], where: GroupFilter) -> bool:
    code = str(doc.get("primaryCode", {}).get("code", ""))
    names = [str(n.get("value", "")).lower() for n in doc.get("name", [])
             if isinstance(n, dict)]
    term = (where.term or "").lower()
    return ((where.primary_code is None or code == where.primary_code)
            and (where.group_type is None or doc.get("groupType") == where.group_type)
            and (not term or term in code.lower() or any(term in n for n in names)))


def list_groups(
    receiver: MboReceiver, tenant: str, where: GroupFilter, page: PageSlice
) -> tuple[list[dict[str, Any]], int]:
    """One page of the tenant's groups and how many match."""
    docs = [with_id(s.document, "groupId", s.resource_id)
            for s in receiver.documents.list(tenant, Resource.GROUP)]
    docs = [d for d in docs if _matches(d, where)]
    keys = {"groupId": lambda d: str(d["groupId"]),
            "name": lambda d: (text_of(d.get("name")) or "").lower(),
            "startDate": lambda d: str(d.get("startDate", ""))}
    for key, descending in reversed(where.sort):
        docs.sort(key=keys[key], reverse=descending)
    counts: dict[str, int] = {}
    for stored in receiver.documents.list(tenant, Resource.MEMBERSHIP):
        if stored.parent_ref and is_active_member(stored.document):
            counts[stored.parent_ref] = counts.get(stored.parent_ref, 0) + 1
    chosen = docs[page.offset:page.offset + page.size]
    return ([group_document(d["groupId"], d, counts.get(d["groupId"], 0)) for d in chosen],
            len(docs))


def list_members(
    receiver: MboReceiver, tenant: str, group_ref: UUID, page: PageSlice
) -> tuple[list[dict[str, Any]], int]:
    """One page of a group's members (by person id) and how many it has; an unknown
    group has none (the profile gives this list no 404)."""
    members = _members(receiver, tenant, str(group_ref))
    members.sort(key=lambda m: str(m["personId"]))
    return members[page.offset:page.offset + page.size], len(members)

