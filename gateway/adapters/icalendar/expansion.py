"""The occurrences of each series of a feed within a window, as plain values.

``recurring-ical-events`` applies RRULE, RDATE, EXDATE and RECURRENCE-ID overrides in the
series' own zone, so a weekly 09:00 lesson stays 09:00 local across a daylight-saving
change; :mod:`.properties` reads rooms, ids, kind and title from each component.

- An occurrence is in the window when it *starts* in ``[start, until)``.
- Its recurrence id is its original start in UTC (``YYYYMMDDTHHMMSSZ``): the
  RECURRENCE-ID of an override, else its start.
- An override "differs from the rule" when its start, its length or its rooms are not
  what the series gives for that recurrence id.
- All-day occurrences (``VALUE=DATE``) are holidays and notes, not lessons: counted in
  ``all_day`` and skipped.
- A series whose values are unusable (an id that is not a UUID, no SUMMARY, an end before
  its start) yields no occurrences but a ``problem`` and its components, so the caller
  can quarantine it and go on with the rest.

The component of an occurrence is looked up in an index of the feed rather than copied
per occurrence (``Occurrence.as_component`` costs three times the expansion itself). A
series with a ``RANGE=THISANDFUTURE`` override is expanded by the library without the
range and the range applied here (:mod:`.this_and_future`): every later occurrence keeps
its original start as recurrence id, takes the override's time shift and properties, and
"differs from the rule" when its start, length or rooms do.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import icalendar
import recurring_ical_events  # type: ignore[import-untyped, unused-ignore]
from icalendar import Component

from gateway.adapters.icalendar.codec import ParsedFeed
from gateway.adapters.icalendar.properties import Details, details_of
from gateway.adapters.icalendar.this_and_future import Ranges, duration_of, plain_series
from gateway.errors import SkippableRecordError

__all__ = ["Occurrence", "SeriesOccurrences", "expand", "utc_basic"]

#: What a series may raise while it is expanded, besides our own refusals.
_EXPANSION_ERRORS = (recurring_ical_events.InvalidCalendar, icalendar.InvalidCalendar,
                     ValueError, TypeError, OverflowError)


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One occurrence of a series, as the feed gives it (ids are OOAPI UUIDs as text)."""

    uid: str
    recurrence_id: str
    start: datetime
    end: datetime
    #: The iCalendar STATUS (``CONFIRMED``, ``TENTATIVE``, ``CANCELLED``), "" when absent.
    status: str
    rooms: tuple[str, ...]
    group_refs: tuple[str, ...]
    staff_refs: tuple[str, ...]
    course_ref: str | None
    #: From CATEGORIES: ``EXAM``, ``LESSON`` or ``OTHER``.
    kind: str
    title: str
    #: An override, or an occurrence in a THISANDFUTURE range, whose time, length or rooms
    #: differ from what the series' rule gives.
    differs_from_rule: bool = False

    @property
    def cancelled(self) -> bool:
        return self.status == "CANCELLED"


@dataclass(frozen=True)
class SeriesOccurrences:
    """The occurrences of one UID in the window, or why the series was refused."""

    uid: str
    occurrences: tuple[Occurrence, ...] = ()
    all_day: int = 0
    problem: str | None = None
    #: The series' VEVENTs in the feed (the parsed ones, not copies).
    components: tuple[Component, ...] = ()
    #: With a ``lookahead``: the first start after the window (or the lookahead's end when
    #: none is that close): a window ending by then holds no other occurrence of the series.
    quiet_until: datetime | None = None

    def raw(self) -> str:
        """The series' VEVENTs as iCalendar text, for the quarantine."""
        return "".join(c.to_ical().decode("utf-8", "replace") for c in self.components)


@dataclass
class _Series:
    core: Component | None = None
    overrides: dict[datetime, Component] = field(default_factory=dict)
    components: list[Component] = field(default_factory=list)
    #: Some override has a RANGE (even one outranked by SEQUENCE, which the library
    #: would still apply): expanded without it (:func:`.this_and_future.plain_series`).
    ranged: bool = False


def utc_basic(moment: datetime) -> str:
    """``moment`` in UTC, ISO 8601 basic format: the recurrence id of the conventions."""
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def expand(feed: ParsedFeed, start: datetime, until: datetime, *,
           lookahead: timedelta | None = None) -> Iterator[SeriesOccurrences]:
    """Yield each series of ``feed`` with its occurrences starting in ``[start, until)``.

    One series at a time, so a feed of many series is never held expanded in memory.

    Args:
        feed: a checked feed (:func:`~gateway.adapters.icalendar.codec.parse_feed`).
        start: the window's start (aware).
        until: the window's end, exclusive (aware).
        lookahead: how far after ``until`` to look for the next start
            (``SeriesOccurrences.quiet_until``); None does not look.
    """
    index = _index(feed.calendar)
    for series in feed.query.series:
        uid = str(series.uid)
        info = index.get(uid, _Series())
        details: dict[int, Details] = {}
        try:
            for component in info.components:
                _check_span(component)
            ranges = Ranges(info.core, info.overrides if info.ranged else {})
            if info.ranged:
                series = plain_series(feed.calendar, info.components)
            found: list[Occurrence] = []
            all_day = 0
            for placed in _occurrences(uid, info, ranges, series, start, until, details):
                if placed is None:
                    all_day += 1
                elif placed.end <= placed.start:
                    raise SkippableRecordError(f"an occurrence at {utc_basic(placed.start)} "
                                               "does not end after it starts")
                else:
                    found.append(placed)
            quiet = None if lookahead is None else min((o.start for o in _occurrences(
                uid, info, ranges, series, until, until + lookahead, details) if o is not None),
                default=until + lookahead)
            yield SeriesOccurrences(uid, tuple(found), all_day,
                                    components=tuple(info.components), quiet_until=quiet)
        except SkippableRecordError as exc:
            yield _refused(uid, info, exc.message)
        except _EXPANSION_ERRORS as exc:
            yield _refused(uid, info, f"the series cannot be expanded: {exc}")


def _occurrences(uid: str, info: _Series, ranges: Ranges, series: Any, start: datetime,
                 until: datetime, details: dict[int, Details]) -> Iterator[Occurrence | None]:
    """The occurrences starting in ``[start, until)``; None for an all-day one there. The
    library is asked for a wider span when ranges move the rule's occurrences."""
    margin = ranges.margin() if ranges else timedelta(0)
    for occurrence in series.between(start - margin, until + margin):
        if not isinstance(occurrence.start, datetime):
            if occurrence.is_in_span(start, until):
                yield None
            continue
        placed = _occurrence(uid, info, ranges, occurrence, details)
        if start <= placed.start < until:
            yield placed


def _refused(uid: str, info: _Series, problem: str) -> SeriesOccurrences:
    return SeriesOccurrences(uid, problem=f"UID {uid[:64]}: {problem}",
                             components=tuple(info.components))


def _index(calendar: Component) -> dict[str, _Series]:
    """The core and overrides of every UID, chosen as the library chooses (highest
    SEQUENCE, the first one on a tie)."""
    index: dict[str, _Series] = {}
    for event in calendar.walk("VEVENT"):
        info = index.setdefault(str(event["UID"]), _Series())
        info.components.append(event)
        recurrence: Any = event.get("RECURRENCE-ID")
        if recurrence is None:
            if info.core is None or _sequence(event) > _sequence(info.core):
                info.core = event
            continue
        key = _utc_naive(recurrence.dt)
        info.ranged |= "RANGE" in recurrence.params
        if key not in info.overrides or _sequence(event) > _sequence(info.overrides[key]):
            info.overrides[key] = event
    return index


def _occurrence(uid: str, info: _Series, ranges: Ranges, occurrence: Any,
                details: dict[int, Details]) -> Occurrence:
    """One occurrence of the library, with its override or the range it falls in."""
    ids = occurrence.recurrence_ids
    start, end = occurrence.start, occurrence.end
    length = end - start  # the rule's length here (an RDATE period's own)
    if ids:  # an override: the index has it (the library's own copy if it ever has not)
        component = info.overrides.get(ids[0]) or occurrence.as_component(False)
        original = _time(component, "RECURRENCE-ID")
        got = details_of(details, component, *ranges.inherit(ids[0]))
        length = duration_of(info.core) if info.core is not None else length
        changed = True
    else:
        original = start
        governing = ranges.governing(_utc_naive(start)) if ranges else None
        if governing is None:
            got = details_of(details, info.core or occurrence.as_component(False))
        else:  # in a THISANDFUTURE range: the override's shift, length and values
            start, end = governing.place(start, length)
            got = details_of(details, governing.component,
                             *ranges.inherit(governing.key))
        changed = governing is not None
    moved = changed and (start != original or (info.core is not None and (
        end - start != length or got.rooms != details_of(details, info.core).rooms)))
    return Occurrence(uid, utc_basic(original), start, end, got.status, got.rooms,
                      got.groups, got.staff, got.course, got.kind, got.title, moved)


def _sequence(component: Component) -> int:
    try:
        return int(component.get("SEQUENCE", -1))
    except (TypeError, ValueError):
        return -1


def _check_span(component: Component) -> None:
    """Refuse an end before the start: the library would swap them, silently."""
    if "DTEND" in component and _time(component, "DTEND") < _time(component, "DTSTART"):
        raise SkippableRecordError("DTEND is before DTSTART")


def _time(component: Component, name: str) -> Any:
    value: Any = component[name]
    return value.dt


def _utc_naive(value: date | datetime) -> datetime:
    """The library's key of a recurrence id: UTC without tzinfo."""
    if not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day)  # noqa: DTZ001 - a date key
    if value.tzinfo is None:
        return value
    return value.astimezone(UTC).replace(tzinfo=None)
