"""``RECURRENCE-ID;RANGE=THISANDFUTURE`` overrides (RFC 5545 3.2.13, 3.8.4.4): "from this
week on the lesson is in B2 / at 10:00".

Such an override is the occurrence at its RECURRENCE-ID *and* the pattern of every later
one of the series, until a later THISANDFUTURE override takes over (a single override
still replaces its own occurrence; the range goes on after it):

- **time**: a later occurrence moves by the override's shift, DTSTART minus
  RECURRENCE-ID, counted in wall-clock time of the series' zone, so "09:00 -> 10:00" is
  10:00 local on both sides of a daylight-saving change; its length becomes the
  override's when the override changed the length, else it keeps its own (an RDATE
  period);
- **properties**: a later occurrence reads the override's (LOCATION and STATUS as written
  there, the rest inherited as :mod:`.properties` says), and a single override after it
  inherits from it before the series;
- **identity**: a later occurrence keeps its *original* start as recurrence id, so the
  activity it maps to keeps its key.

``recurring-ical-events`` 3.8 moves the later occurrences but hands them the override's
RECURRENCE-ID (their own original start is lost: upstream issue #222), and keeps the range
of an override outranked by a higher SEQUENCE. So the library expands the series without
the RANGE parameter (:func:`plain_series`: the overrides then count as single ones) and
:class:`Ranges` applies the ranges to the rule's occurrences afterwards.

Refused (the series is quarantined with the reason): ``RANGE=THISANDPRIOR`` (deprecated,
RFC 5545 says it MUST NOT be generated) or any other value, a THISANDFUTURE override with
a rule of its own (RRULE, RDATE, EXDATE: a new series, publish it as one), and one whose
DTSTART and RECURRENCE-ID are not both date-times or both dates.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any

import recurring_ical_events  # type: ignore[import-untyped, unused-ignore]
from icalendar import Calendar, Component
from icalendar.prop import vDDDTypes

from gateway.errors import SkippableRecordError

__all__ = ["RangeOverride", "Ranges", "duration_of", "plain_series", "range_of"]

_OWN_RULES = ("RRULE", "RDATE", "EXDATE")
#: What the expansion span is widened by beyond the largest shift (a day covers the
#: hour of a daylight-saving change and a lesson's length).
_SLACK = timedelta(days=1)


def range_of(component: Component) -> str:
    """The RANGE of an override's RECURRENCE-ID, upper case ("" for a single override).

    Raises:
        SkippableRecordError: a RANGE other than THISANDFUTURE.
    """
    recurrence: Any = component.get("RECURRENCE-ID")
    if recurrence is None:
        return ""
    value = str(recurrence.params.get("RANGE", "")).strip().upper()
    if value not in ("", "THISANDFUTURE"):
        raise SkippableRecordError(f"RECURRENCE-ID;RANGE={value[:20]} is not supported: "
                                   "only THISANDFUTURE is (RFC 5545 3.2.13)")
    return value


@dataclass(frozen=True, slots=True)
class RangeOverride:
    """One THISANDFUTURE override: where its range starts and what it does."""

    #: Its recurrence id as the library keys it (UTC, without tzinfo).
    key: datetime
    component: Component
    start: datetime
    recurrence_id: datetime
    #: Its length, and whether that differs from the series' (then later ones take it).
    length: timedelta
    new_length: bool

    def shift(self, zone: tzinfo | None) -> timedelta:
        """DTSTART minus RECURRENCE-ID in wall-clock time of ``zone``."""
        return _wall(self.start, zone) - _wall(self.recurrence_id, zone)

    def place(self, original: datetime, length: timedelta) -> tuple[datetime, datetime]:
        """Where the rule's occurrence at ``original`` is under this override.

        Args:
            original: the occurrence's start by the rule (aware, in the series' zone).
            length: its length by the rule.

        Returns:
            Its start and end, in the zone of ``original``.
        """
        zone = original.tzinfo
        start = (_wall(original, zone) + self.shift(zone)).replace(tzinfo=zone)
        return start, start + (self.length if self.new_length else length)


class Ranges:
    """The THISANDFUTURE overrides of one series, in recurrence-id order.

    Args:
        core: the series' master VEVENT (None when the feed holds only overrides).
        overrides: the winning override of each recurrence id (by SEQUENCE), keyed as
            the library keys them (UTC without tzinfo).

    Raises:
        SkippableRecordError: an override the module refuses (see the module docstring).
    """

    def __init__(self, core: Component | None, overrides: Mapping[datetime, Component]) -> None:
        self.core = core
        core_length = duration_of(core) if core is not None else None
        found = []
        for key in sorted(overrides):
            component = overrides[key]
            if range_of(component) != "THISANDFUTURE":
                continue
            if any(name in component for name in _OWN_RULES):
                raise SkippableRecordError(
                    "a RECURRENCE-ID;RANGE=THISANDFUTURE override with its own RRULE, RDATE "
                    "or EXDATE starts a new series: publish it as one (another UID)")
            start, recurrence = _value(component, "DTSTART"), _value(component,
                                                                     "RECURRENCE-ID")
            if isinstance(start, datetime) != isinstance(recurrence, datetime):
                raise SkippableRecordError("RECURRENCE-ID;RANGE=THISANDFUTURE and DTSTART "
                                           "must both be dates or both date-times")
            length = duration_of(component)
            found.append(RangeOverride(key, component, start, recurrence, length,
                                       core_length is not None and length != core_length))
        self.overrides: tuple[RangeOverride, ...] = tuple(found)
        self._keys = [r.key for r in found]

    def __bool__(self) -> bool:
        return bool(self.overrides)

    def governing(self, key: datetime) -> RangeOverride | None:
        """The override whose range holds the occurrence ``key`` (the last one before it;
        an override is not in its own range: it *is* that occurrence)."""
        index = bisect.bisect_left(self._keys, key)
        return self.overrides[index - 1] if index else None

    def inherit(self, key: datetime) -> list[Component]:
        """What an override at ``key`` inherits missing properties from, nearest first:
        the THISANDFUTURE overrides before it (latest first), then the series' master."""
        index = bisect.bisect_left(self._keys, key)
        chain = [r.component for r in reversed(self.overrides[:index])]
        return [*chain, self.core] if self.core is not None else chain

    def margin(self) -> timedelta:
        """How far beyond a window the rule's occurrences may come from."""
        largest = max((abs(r.start - r.recurrence_id) for r in self.overrides
                       if isinstance(r.start, datetime)), default=timedelta(0))
        return largest + _SLACK


def plain_series(calendar: Component, components: Iterable[Component]) -> Any:
    """The library's series of ``components`` with every RANGE parameter left out (each
    override then stands for its own occurrence only).

    Args:
        calendar: the calendar the components are in; its ``X-WR-TIMEZONE`` is kept, so
            the library reads UTC times in that zone as it did for the feed.
        components: the VEVENTs of one UID; copied, never changed.

    Returns:
        A ``recurring_ical_events`` series (``between(start, stop)`` gives occurrences).
    """
    plain = Calendar()
    if "X-WR-TIMEZONE" in calendar:
        plain["X-WR-TIMEZONE"] = calendar["X-WR-TIMEZONE"]
    for component in components:
        copy = component.copy()
        recurrence: Any = component.get("RECURRENCE-ID")
        if recurrence is not None and "RANGE" in recurrence.params:
            copy["RECURRENCE-ID"] = vDDDTypes(recurrence.dt)
        plain.add_component(copy)
    [series] = recurring_ical_events.of(plain).series
    return series


def _value(component: Component, name: str) -> Any:
    prop: Any = component[name]
    return prop.dt


def duration_of(component: Component) -> timedelta:
    """The length of a VEVENT: DURATION, else DTEND - DTSTART, else zero."""
    if "DURATION" in component:
        return timedelta(seconds=_value(component, "DURATION").total_seconds())
    if "DTEND" in component:
        value: timedelta = _value(component, "DTEND") - _value(component, "DTSTART")
        return value
    return timedelta(0)


def _wall(moment: datetime, zone: tzinfo | None) -> datetime:
    """``moment`` as a naive wall-clock time in ``zone`` (dates and naive times as they are)."""
    if not isinstance(moment, datetime) or moment.tzinfo is None or zone is None:
        return moment.replace(tzinfo=None) if isinstance(moment, datetime) else moment
    return moment.astimezone(zone).replace(tzinfo=None)
