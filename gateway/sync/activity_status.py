"""The status of a pulled timetable activity against its last stored state.

The rostering conventions: an occurrence whose time or rooms differ from its last stored
state is ``changed``; a cancelled one stays ``cancelled``; otherwise ``scheduled``. The
mbo profile's mapping (:func:`~gateway.mappings.ooapi_v5_mbo_in.activity_from`) sees one
document and can only tell ``scheduled`` from ``cancelled``; a pull also knows what it
stored last, so it can tell a moved lesson. ``changed`` sticks: a lesson moved once is
not "as planned" again on the next run (which would be an event of its own).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from gateway.domain import TimetableActivity
from gateway.domain.rostering import ActivityStatus

__all__ = ["with_status"]


def _when(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None


def with_status(activity: TimetableActivity,
                stored: Mapping[str, Any] | None) -> TimetableActivity:
    """``activity`` with ``changed`` as its status when it moved or changed rooms since
    ``stored`` (the last stored state, None when there is none), or was changed before."""
    if activity.status is not ActivityStatus.SCHEDULED or stored is None:
        return activity
    moved = (_when(stored.get("start")) != activity.start
             or _when(stored.get("end")) != activity.end
             or tuple(stored.get("rooms") or ()) != activity.rooms)
    if moved or stored.get("status") == ActivityStatus.CHANGED.value:
        return activity.model_copy(update={"status": ActivityStatus.CHANGED})
    return activity
