"""Stored documents -> the mbo profile's GET responses. Pure functions.

Round trip: a GET returns the document as it was PUT (or PATCHed), except for what the
gateway sets itself:

- the resource's id is the one of the path (``personId``, ``offeringId``, ...);
- an association's ``person`` and ``offering`` are ids (the gateway stores references,
  not copies; ``expand`` gives them in full where the profile allows it), its ``state``
  is the state it was moved to (the request's ``remoteState`` when it gave one), and
  ``remoteState`` is write-only (OOAPI: never in a response);
- a group's ``personCount`` is the number of its active members.

After a person's erasure the documents that name the person hold ids, types, roles,
states and dates only (:meth:`gateway.store.mbo_documents.MboDocuments.strip_person_in`);
they are given as they are.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

__all__ = [
    "association_document",
    "group_document",
    "is_active_member",
    "normalised_association",
    "ref_of",
    "with_id",
]


def with_id(document: Mapping[str, Any], key: str, value: str) -> dict[str, Any]:
    """A copy of ``document`` with its id set to the one of the path."""
    return {**document, key: value}


def ref_of(value: Any, key: str) -> str:
    """The id (a UUID, in its canonical form) of a reference given as an id or in full
    (``{"personId": ...}``)."""
    return str(UUID(str(value.get(key) if isinstance(value, Mapping) else value)))


def normalised_association(
    document: Mapping[str, Any], association_ref: str, state: str
) -> dict[str, Any]:
    """An association as stored: references as ids, the state it was moved to, no
    ``remoteState`` (see the module docstring)."""
    stored = {k: v for k, v in document.items() if k != "remoteState"}
    stored.update(associationId=association_ref, state=state,
                  person=ref_of(document["person"], "personId"),
                  offering=ref_of(document["offering"], "offeringId"))
    return stored


def association_document(
    stored: Mapping[str, Any],
    *,
    offering: dict[str, Any] | None = None,
    person: dict[str, Any] | None = None,
    references: bool = True,
) -> dict[str, Any]:
    """An association as the GETs give it.

    Args:
        stored: the stored document (see :func:`normalised_association`).
        offering: the offering in full (``expand=offering``, the person's list).
        person: the person in full (``expand=person``).
        references: False leaves ``person`` and ``offering`` out where they are not given
            in full (lists whose schema allows them only in full).
    """
    doc = dict(stored)
    for key, full in (("person", person), ("offering", offering)):
        if full is not None:
            doc[key] = full
        elif not references:
            doc.pop(key, None)
    return doc


def is_active_member(document: Mapping[str, Any]) -> bool:
    return bool(document.get("state", "active") != "canceled")


def group_document(group_ref: str, stored: Mapping[str, Any], members: int) -> dict[str, Any]:
    """A ``Group`` with its ``personCount`` counted by the gateway."""
    return {**with_id(stored, "groupId", group_ref), "personCount": members}
