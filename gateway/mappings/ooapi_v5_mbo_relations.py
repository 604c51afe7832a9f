"""Where OOAPI v5 and its mbo profile say which groups and staff a component offering has.

Neither is a property of a component offering: ``ooapi.json``'s ``ComponentOffering`` and
the profile's ``PUT /offerings/{offeringId}`` body have none, ``expand`` on
``/offerings/{offeringId}`` covers only program(Offering), course(Offering), component,
organization and academicSession, and a ``Group`` has no offering ("Groups MAY optionally
have a relation to an Offering": a list expresses it). So, found in the official files:

- **groups**: ``GET /offerings/{offeringId}/groups`` of OOAPI v5 (``Group`` items; there is
  no reverse list under ``/groups/{groupId}``, and the mbo profile has neither). The
  profile gives a pushing SIS no way at all, so the gateway reads a pushed offering's
  groups from its ``ext`` (OOAPI's ``Ext``, "additional non-standard attributes"):
  ``"ext": {"groups": [<groupId> | <Group>, ...]}``, the same list the pull reads;
- **staff**: the offering's associations (``associationType`` componentOfferingAssociation)
  whose ``role`` is a staff role: ``lecturer``, ``teaching assistant``, ``coordinator`` and
  the profile's ``invigilator`` and ``assessor`` (not ``student``, ``guest``), unless they
  are ``canceled`` or ``denied``. Pulled from ``GET /offerings/{offeringId}/associations``
  (both files), pushed as ``PUT /associations/{associationId}`` (the gateway keeps their
  documents and reads them when it stores the offering).

A reference to a group or person the gateway does not know is kept, as the canonical id
the profile gives it (:func:`~.ooapi_v5_mbo_in.canonical_id`): the timetable is the SIS's
word, the group or person may come later (and then is that id), and dropping it would
silently lose a fact. Nor is the offering refused or quarantined for it. A reference that
is no UUID is refused (a push answers 400 naming ``/ext/groups/<n>``; a pull quarantines
that relation item and leaves it out).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from uuid import UUID

from gateway.errors import DomainRuleError

__all__ = ["STAFF_ROLES", "group_ref", "is_staff", "person_ref", "pushed_groups", "staff_of"]

#: Association roles of persons who staff a lesson or an exam session.
STAFF_ROLES = frozenset({"lecturer", "teaching assistant", "coordinator", "invigilator",
                         "assessor"})
#: Association states of staff who no longer (or never did) staff it.
_GONE = frozenset({"canceled", "denied"})


def _uuid(value: Any) -> str | None:
    try:
        return str(UUID(value)) if isinstance(value, str) else None
    except ValueError:
        return None


def _ref(value: Any, key: str) -> str | None:
    """The UUID of a reference given as an id or as an object holding ``key``."""
    return _uuid(value.get(key) if isinstance(value, Mapping) else value)


def group_ref(item: Any) -> str | None:
    """The ``groupId`` of a group given as an id or a ``Group``; None when it is no UUID."""
    return _ref(item, "groupId")


def person_ref(association: Mapping[str, Any]) -> str | None:
    """The person of an association (an id, a ``PersonId`` or a ``Person``), or None."""
    return _ref(association.get("person"), "personId")


def is_staff(association: Any) -> bool:
    """Whether an association staffs its offering (see the module docstring)."""
    return (isinstance(association, Mapping) and association.get("role") in STAFF_ROLES
            and association.get("state") not in _GONE)


def staff_of(associations: Iterable[Any]) -> tuple[str, ...]:
    """The person ids of the staff among an offering's associations, each once, in order."""
    found: dict[str, None] = {}
    for association in associations:
        ref = person_ref(association) if is_staff(association) else None
        if ref is not None:
            found[ref] = None
    return tuple(found)


def pushed_groups(document: Mapping[str, Any]) -> tuple[str, ...]:
    """The group ids of a pushed component offering's ``ext.groups`` (none without it).

    Raises:
        DomainRuleError: ``ext.groups`` is not a list, or one of it is no group id.
    """
    ext = document.get("ext")
    if not isinstance(ext, Mapping) or ext.get("groups") is None:
        return ()
    groups = ext["groups"]
    if not isinstance(groups, list):
        raise DomainRuleError("/ext/groups: a list of groupIds or Group objects",
                              path="/ext/groups")
    refs: dict[str, None] = {}
    for n, item in enumerate(groups):
        ref = group_ref(item)
        if ref is None:
            raise DomainRuleError(f"/ext/groups/{n}: not a groupId (a UUID) or a Group with "
                                  "one", path=f"/ext/groups/{n}")
        refs[ref] = None
    return tuple(refs)
