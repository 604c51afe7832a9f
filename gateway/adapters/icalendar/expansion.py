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
series with a ``RANGE=THISANDFUTURE`` override is refused: the library then gives the
later occurrences the override's RECURRENCE-ID, so their own original start is lost.
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
    #: An override whose time or rooms differ from what the series' rule gives.
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
    this_and_future: bool = False


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
            if info.this_and_future:
                raise SkippableRecordError(
                    "RECURRENCE-ID;RANGE=THISANDFUTURE is not supported: publish an override "
                    "per changed occurrence, or a new series")
            for component in info.components:
                _check_span(component)
            found: list[Occurrence] = []
            all_day = 0
            for occurrence in series.between(start, until):
                if not isinstance(occurrence.start, datetime):
                    all_day += 1
                elif start <= occurrence.start < until:
                    found.append(_occurrence(uid, info, occurrence, details))
            quiet = None if lookahead is None else _next_start(series, until, lookahead)
            yield SeriesOccurrences(uid, tuple(found), all_day,
                                    components=tuple(info.components), quiet_until=quiet)
        except SkippableRecordError as exc:
            yield _refused(uid, info, exc.message)
        except _EXPANSION_ERRORS as exc:
            yield _refused(uid, info, f"the series cannot be expanded: {exc}")


def _next_start(series: Any, until: datetime, lookahead: timedelta) -> datetime:
    """The first start in ``[until, until + lookahead)``, else ``until + lookahead``."""
    starts = [o.start for o in series.between(until, until + lookahead)
              if isinstance(o.start, datetime) and o.start >= until]
    return min(starts, default=until + lookahead)


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
        if key not in info.overrides or _sequence(event) > _sequence(info.overrides[key]):
            info.overrides[key] = event
        info.this_and_future |= str(recurrence.params.get("RANGE", "")).upper() \
            == "THISANDFUTURE"
    return index


def _occurrence(uid: str, info: _Series, occurrence: Any,
                details: dict[int, Details]) -> Occurrence:
    ids = occurrence.recurrence_ids
    override: Component | None = None
    if ids:  # an override: the index has it (the library's own copy if it ever has not)
        override = info.overrides.get(ids[0]) or occurrence.as_component(False)
        component, original = override, _time(override, "RECURRENCE-ID")
    else:
        component = info.core or occurrence.as_component(False)
        original = occurrence.start
    got = details_of(details, component, info.core if override is not None else None)
    start, end = occurrence.start, occurrence.end
    if end <= start:
        raise SkippableRecordError(f"an occurrence at {utc_basic(start)} does not end after "
                                   "it starts")
    moved = override is not None and (
        start != original or (info.core is not None and (
            end - start != _duration(info.core)
            or got.rooms != details_of(details, info.core, None).rooms)))
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


def _duration(core: Component) -> timedelta:
    if "DURATION" in core:
        return timedelta(seconds=_time(core, "DURATION").total_seconds())
    if "DTEND" in core:
        value: timedelta = _time(core, "DTEND") - _time(core, "DTSTART")
        return value
    return timedelta(0)


def _utc_naive(value: date | datetime) -> datetime:
    """The library's key of a recurrence id: UTC without tzinfo."""
    if not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day)  # noqa: DTZ001 - a date key
    if value.tzinfo is None:
        return value
    return value.astimezone(UTC).replace(tzinfo=None)
