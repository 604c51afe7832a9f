"""``PUT``/``PATCH``/``GET /offerings/{offeringId}`` of the mbo profile: component offerings.

In the profile an SIS pushes component offerings only (an exam session, a "zitting");
each is a canonical :class:`~gateway.domain.TimetableActivity` (timetable topic) and
its document. Programme offerings (cohorts) come from the catalogue, not from here.
A ``PATCH`` with ``offeringState: canceled`` (the profile's "delete offering") cancels
the activity.

Its groups and staff (:mod:`gateway.mappings.ooapi_v5_mbo_relations`): the groups of the
document's ``ext.groups`` (the profile itself has no way to send them), the staff the
persons of the stored associations of the offering that have a staff role (``lecturer``,
``invigilator``, ...). The profile has associations PUT after their offering, so a staff
association that changes calls :func:`restaff_offering_in`, which stores the offering
again with its staff as they are now. Unknown groups and persons are kept as ids.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import Connection

from gateway.errors import NotFoundError
from gateway.mappings.ooapi_v5_mbo_in import activity_from
from gateway.mappings.ooapi_v5_mbo_out import with_id
from gateway.mappings.ooapi_v5_mbo_relations import pushed_groups, staff_of
from gateway.store.mbo_documents import Resource
from gateway.sync.mbo_receiver import MboReceiver, Written, merge_patch

__all__ = ["OFFERING_PATH", "get_offering", "offering_document", "patch_offering",
           "put_offering", "restaff_offering_in", "store_offering_in"]

OFFERING_PATH = "/offerings/{offeringId}"


def store_offering_in(
    receiver: MboReceiver, conn: Connection, tenant: str, document: dict[str, Any]
) -> Written:
    """Store a checked component offering on the caller's transaction, with its groups
    (``ext.groups``) and staff (its stored staff associations).

    Raises:
        DomainRuleError: ``ext.groups`` holds no group ids, or the offering breaks a rule.
    """
    associations = receiver.documents.list_in(conn, tenant, Resource.ASSOCIATION,
                                              parent_ref=str(document["offeringId"]))
    activity = activity_from(tenant, document, groups=pushed_groups(document),
                             staff=staff_of(stored.document for stored in associations))
    result = receiver.store.upsert_in(conn, [activity])
    written = receiver.documents.put_in(
        conn, tenant, Resource.OFFERING, document["offeringId"], activity.id, document,
        now=receiver.store.clock())
    return Written.of(result, written)


def restaff_offering_in(
    receiver: MboReceiver, conn: Connection, tenant: str, offering_ref: str
) -> Written | None:
    """Store a component offering again after one of its associations changed (its staff
    may have), on the caller's transaction; None when the gateway holds no such offering
    (a programme offering's association, say)."""
    stored = receiver.documents.get_in(conn, tenant, Resource.OFFERING, offering_ref)
    if stored is None:
        return None
    return store_offering_in(receiver, conn, tenant, stored.document)


def put_offering(receiver: MboReceiver, tenant: str, offering_ref: UUID, body: Any) -> Written:
    """Store a component offering as the SIS sends it.

    Raises:
        OoapiValidationError: the body does not conform to the profile.
        ValidationError: its ``offeringId`` is not the one of the path.
        DomainRuleError: e.g. it ends before it starts.
    """
    document = receiver.checked(OFFERING_PATH, "put", body, id_key="offeringId",
                                id_value=offering_ref)
    document["offeringId"] = str(offering_ref)
    return receiver.in_transaction(lambda conn: store_offering_in(receiver, conn, tenant,
                                                                  document))


def patch_offering(receiver: MboReceiver, tenant: str, offering_ref: UUID, body: Any) -> Written:
    """Merge a patch into the stored offering and store the result as a PUT would.

    Raises:
        OoapiValidationError: the patch, or the patched offering, does not conform.
        NotFoundError: no such offering.
    """
    patch = receiver.checked(OFFERING_PATH, "patch", body, id_key="offeringId",
                             id_value=offering_ref)

    def work(conn: Connection) -> Written:
        stored = receiver.documents.lock_in(conn, tenant, Resource.OFFERING, str(offering_ref))
        if stored is None:
            raise NotFoundError(f"no offering {offering_ref}")
        merged = receiver.checked(OFFERING_PATH, "put", merge_patch(stored.document, patch))
        merged["offeringId"] = str(offering_ref)
        return store_offering_in(receiver, conn, tenant, merged)

    return receiver.in_transaction(work)


def offering_document(
    receiver: MboReceiver, tenant: str, offering_ref: str
) -> dict[str, Any] | None:
    """The stored component offering, None if there is none."""
    stored = receiver.documents.get(tenant, Resource.OFFERING, offering_ref)
    return None if stored is None else with_id(stored.document, "offeringId", offering_ref)


def get_offering(receiver: MboReceiver, tenant: str, offering_ref: UUID) -> dict[str, Any]:
    """The component offering as last PUT or PATCHed.

    Raises:
        NotFoundError: no such offering.
    """
    document = offering_document(receiver, tenant, str(offering_ref))
    if document is None:
        raise NotFoundError(f"no offering {offering_ref}")
    return document
