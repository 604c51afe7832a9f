"""An iCalendar occurrence -> a canonical :class:`TimetableActivity` (pure functions).

Ids follow the rostering conventions: one activity per occurrence, its source id
``<UID>/<recurrence id>`` in the feed's source system, so a re-import of the same feed maps
every occurrence to the same entity. Groups, staff and courses are named by their OOAPI
ids and get the canonical ids the mbo profile gives them
(:func:`~gateway.mappings.ooapi_v5_mbo_in.canonical_id`): a group pushed by the SIS and
the same group named in a feed are one entity.

The status rule (:func:`activity_status`): an occurrence that is cancelled (a cancelled
override or a cancelled series) is ``cancelled``; one whose time or rooms differ from its
series' rule, or from its last stored placement, is ``changed``; otherwise
``scheduled``. A ``changed`` activity stays ``changed`` while its placement stays as
stored, so a re-import of the same feed changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any
from uuid import UUID

import pydantic

from gateway.adapters.icalendar.expansion import Occurrence
from gateway.domain import SourceRef, TimetableActivity
from gateway.domain.rostering import ActivityKind, ActivityStatus
from gateway.errors import DomainRuleError
from gateway.mappings.ooapi_v5_mbo_in import canonical_id

__all__ = ["Placement", "activity_from", "activity_status", "placement_of", "source_id"]

_KINDS = {"LESSON": ActivityKind.LESSON, "EXAM": ActivityKind.EXAM}
#: The longest source id (``SourceRef.id``); ``/`` and a recurrence id take 17 of it.
_MAX_SOURCE_ID = 256


@dataclass(frozen=True, slots=True)
class Placement:
    """Where and when an activity was, and its status: what the status rule compares."""

    start: datetime
    end: datetime
    rooms: tuple[str, ...]
    status: ActivityStatus

    def same_place(self, other: Placement) -> bool:
        return (self.start, self.end, self.rooms) == (other.start, other.end, other.rooms)


def source_id(uid: str, recurrence_id: str) -> str:
    """The source id of an occurrence: ``<UID>/<recurrence id>``."""
    return f"{uid}/{recurrence_id}"


def placement_of(state: Mapping[str, Any]) -> Placement:
    """The placement of a stored activity's state (its JSON as the store keeps it)."""
    return Placement(datetime.fromisoformat(state["start"]), datetime.fromisoformat(state["end"]),
                     tuple(state.get("rooms") or ()), ActivityStatus(state["status"]))


def activity_status(occurrence: Occurrence, previous: Placement | None) -> ActivityStatus:
    """The status of ``occurrence`` given its last stored placement (see the module)."""
    if occurrence.cancelled:
        return ActivityStatus.CANCELLED
    if occurrence.differs_from_rule:
        return ActivityStatus.CHANGED
    if previous is None:
        return ActivityStatus.SCHEDULED
    now = Placement(occurrence.start, occurrence.end, occurrence.rooms,
                    ActivityStatus.SCHEDULED)
    if not now.same_place(previous):
        return ActivityStatus.CHANGED
    if previous.status is ActivityStatus.CHANGED:
        return ActivityStatus.CHANGED
    return ActivityStatus.SCHEDULED


@lru_cache(maxsize=65_536)
def _ref_id(tenant: str, kind: str, ref: str) -> UUID:
    """:func:`canonical_id`, remembered: a feed names the same groups and staff in every
    occurrence of a series, and a UUIDv5 costs as much as the rest of the mapping."""
    return canonical_id(tenant, kind, ref)


def activity_from(tenant: str, source: str, occurrence: Occurrence,
                  status: ActivityStatus, *, groups: tuple[str, ...] = (),
                  staff: tuple[str, ...] = ()) -> TimetableActivity:
    """The canonical activity of one occurrence.

    Args:
        tenant: the tenant id.
        source: the feed's source name (the source system of the activity).
        occurrence: the occurrence, as expanded.
        status: its status (:func:`activity_status`).
        groups: the feed's groups (OOAPI ``groupId``), for an occurrence naming none.
        staff: the feed's staff (OOAPI ``personId``), for an occurrence naming none.

    Raises:
        DomainRuleError: the occurrence breaks a rule of the canonical model (a title of
            more than 500 characters, a UID too long for a source id); the message names
            the field, never its value.
    """
    ident = source_id(occurrence.uid, occurrence.recurrence_id)
    if len(ident) > _MAX_SOURCE_ID:
        raise DomainRuleError(f"UID {occurrence.uid[:64]}...: the UID is longer than the "
                              f"{_MAX_SOURCE_ID - 17} characters a source id leaves it")
    try:
        activity: TimetableActivity = TimetableActivity.create(
            tenant=tenant,
            source=SourceRef(system=source, id=ident),
            activity_kind=_KINDS.get(occurrence.kind, ActivityKind.OTHER),
            title=occurrence.title, start=occurrence.start, end=occurrence.end,
            rooms=occurrence.rooms,
            staff_ids=tuple(_ref_id(tenant, "person", r)
                            for r in occurrence.staff_refs or staff),
            group_ids=tuple(_ref_id(tenant, "group", r)
                            for r in occurrence.group_refs or groups),
            course_id=(_ref_id(tenant, "course", occurrence.course_ref)
                       if occurrence.course_ref else None),
            status=status,
        )
    except pydantic.ValidationError as exc:
        fields = sorted({".".join(str(p) for p in e["loc"]) or "value"
                         for e in exc.errors(include_input=False, include_url=False)})
        raise DomainRuleError(f"UID {occurrence.uid[:64]}: {', '.join(fields)} not valid: "
                              f"{exc.errors(include_input=False)[0]['msg']}") from None
    return activity
