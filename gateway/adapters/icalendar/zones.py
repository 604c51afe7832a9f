"""The time zones of a feed: every time of an event made aware, or the feed refused.

A lesson at 09:00 is at 09:00 local time on both sides of a daylight-saving change only
when its series is expanded in its own zone (``TZID=Europe/Amsterdam``), so times must
carry the zone, never a fixed offset. Two cases make a time ambiguous:

- a ``TZID`` that neither the IANA database nor the feed's VTIMEZONE defines: ``icalendar``
  then hands back a naive time, silently; the feed is refused with the TZID named;
- a *floating* time (no TZID, no ``Z``), which RFC 5545 means as "local wherever you are".
  For a school's timetable that is the school's zone: the feed's ``X-WR-TIMEZONE`` when it
  names an IANA zone (one it does not know refuses the feed), else :data:`DEFAULT_ZONE`.
  Such times are localised in place.

All-day dates (``VALUE=DATE``) are left alone: :mod:`.expansion` decides about them.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from icalendar import Component
from icalendar.prop import vDDDLists, vDDDTypes

__all__ = ["DEFAULT_ZONE", "TIME_PROPERTIES", "feed_zone", "localise_event"]

#: The zone of floating times when the feed names none (the Netherlands).
DEFAULT_ZONE = ZoneInfo("Europe/Amsterdam")

#: The properties of an event that hold its times.
TIME_PROPERTIES = ("DTSTART", "DTEND", "RECURRENCE-ID", "RDATE", "EXDATE")


def feed_zone(calendar: Component) -> ZoneInfo | None:
    """The zone floating times of ``calendar`` are read in (see the module docstring);
    None when its ``X-WR-TIMEZONE`` names no known zone (the feed is then refused:
    ``recurring-ical-events`` reads that zone too)."""
    name = str(calendar.get("X-WR-TIMEZONE", "")).strip()
    if not name:
        return DEFAULT_ZONE
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def localise_event(event: Component, zone: tzinfo) -> list[str]:
    """Make the floating times of ``event`` aware in ``zone``; name the unknown TZIDs.

    Args:
        event: a VEVENT of a parsed calendar; changed in place.
        zone: the zone of floating times (:func:`feed_zone`).

    Returns:
        One message per time whose TZID is unknown (empty when all is well).
    """
    problems: list[str] = []
    for name in TIME_PROPERTIES:
        for prop in _values(event.get(name)):
            tzid = prop.params.get("TZID")
            value: Any = prop.dt
            if isinstance(value, tuple):  # an RDATE period: (start, end or duration)
                start = value[0]
                if _floating(start):
                    if tzid:
                        problems.append(f"{name}: unknown time zone {tzid!r}")
                        continue
                    end: Any = value[1]
                    prop.dt = (start.replace(tzinfo=zone),
                               end.replace(tzinfo=zone) if _floating(end) else end)
                continue
            if not _floating(value):
                continue
            if tzid:
                problems.append(f"{name}: unknown time zone {tzid!r}")
                continue
            prop.dt = value.replace(tzinfo=zone)
            prop.params.update_tzid_from(prop.dt)
    return problems


def _floating(value: Any) -> bool:
    return isinstance(value, datetime) and value.tzinfo is None


def _values(value: Any) -> Iterator[vDDDTypes]:
    """The time values of a property that may be repeated and may hold a list (RDATE)."""
    if value is None:
        return
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, vDDDLists):
            yield from item.dts
        elif isinstance(item, vDDDTypes):
            yield item
