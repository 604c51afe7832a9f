"""Bytes of a feed -> a checked calendar, or a ``ValidationError`` with the parser's reason.

``icalendar`` is lenient: a property it cannot read is kept as a "broken" property and
listed in the component's ``errors``, and a TZID it does not know gives a naive time.
Expanding such a calendar would fail half-way or, worse, put lessons at the wrong hour,
so this module refuses the whole feed when any of that is found: the sync quarantines it
with the reason and its raw payload, and changes nothing else. Checked here:

- the size (before parsing: :data:`MAX_FEED_BYTES`), the content lines, exactly one
  VCALENDAR (``icalendar``'s own errors, their text kept);
- every property of every component parsed (``component.errors``);
- per VEVENT: one UID, one DTSTART, at most one DTEND/DURATION/RECURRENCE-ID, and every
  time in a known zone (:mod:`.zones`; floating times are localised);
- the recurrence rules (``recurring-ical-events`` parses them when it builds its query).
"""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events  # type: ignore[import-untyped, unused-ignore]
from icalendar import Calendar, Component
from recurring_ical_events import CalendarQuery  # type: ignore[import-untyped, unused-ignore]

from gateway.adapters.icalendar.zones import feed_zone, localise_event
from gateway.errors import ValidationError

__all__ = ["MAX_FEED_BYTES", "ParsedFeed", "parse_feed"]

#: The largest feed read (64 MiB: a year of 500,000 weekly occurrences is ~10 MiB of series).
MAX_FEED_BYTES = 64 * 1024 * 1024

#: How many problems one error lists; the rest are counted.
_MAX_LISTED = 20

#: What ``icalendar`` and ``recurring-ical-events`` raise on content they cannot read.
_PARSER_ERRORS = (ValueError, TypeError, KeyError, IndexError, AttributeError)

_SINGLE = ("UID", "DTSTART")
_AT_MOST_ONE = ("DTEND", "DURATION", "RECURRENCE-ID", "STATUS")


@dataclass(frozen=True)
class ParsedFeed:
    """A calendar that passed every check, ready to expand."""

    calendar: Component
    #: The recurrence engine over the calendar's VEVENTs, one ``Series`` per UID.
    query: CalendarQuery
    #: The zone floating times were read in.
    zone: ZoneInfo
    #: How many VEVENT components the feed holds (series and overrides).
    events: int


def parse_feed(data: bytes, *, max_bytes: int = MAX_FEED_BYTES) -> ParsedFeed:
    """Parse and check one feed (see the module docstring).

    Args:
        data: the feed as received.
        max_bytes: the size cap.

    Returns:
        The checked calendar with its recurrence query.

    Raises:
        ValidationError: the feed is too large or not valid iCalendar; ``message`` names the
            first problem (the parser's own text), ``errors`` lists up to 20 with a path.
    """
    if len(data) > max_bytes:
        raise ValidationError(f"the feed is {len(data)} bytes, more than the {max_bytes} "
                              "allowed", path="/")
    try:
        calendar = Calendar.from_ical(data)
    except _PARSER_ERRORS as exc:
        raise ValidationError(f"not an iCalendar feed: {exc}", path="/") from exc
    # ``icalendar`` may build the root from its component factory, not as ``Calendar``.
    if not isinstance(calendar, Component) or calendar.name != "VCALENDAR":
        name = getattr(calendar, "name", type(calendar).__name__)
        raise ValidationError(f"not an iCalendar feed: the document is a {name}, "
                              "not a VCALENDAR", path="/")
    zone = feed_zone(calendar)
    if zone is None:
        raise ValidationError("not a valid iCalendar feed: X-WR-TIMEZONE: unknown time zone "
                              f"{str(calendar['X-WR-TIMEZONE'])[:64]!r}",
                              path="/VCALENDAR/X-WR-TIMEZONE")
    problems: list[dict[str, str]] = []
    events = 0
    for index, component in enumerate(calendar.walk()):
        where = _where(component, index)
        problems += [{"path": f"{where}/{prop}", "message": f"{prop}: {text}"}
                     for prop, text in getattr(component, "errors", [])]
        if component.name == "VEVENT":
            events += 1
            problems += _event_problems(component, where)
            problems += [{"path": where, "message": text}
                         for text in localise_event(component, zone)]
    if problems:
        raise _invalid(problems)
    try:
        query = recurring_ical_events.of(calendar)
    except (recurring_ical_events.InvalidCalendar, icalendar.InvalidCalendar,
            *_PARSER_ERRORS) as exc:
        raise ValidationError(f"not a valid iCalendar feed: {exc}", path="/VCALENDAR") \
            from exc
    return ParsedFeed(calendar, query, zone, events)


def _event_problems(event: Component, where: str) -> list[dict[str, str]]:
    problems = []
    for name in _SINGLE:
        value = event.get(name)
        if value is None or (name == "UID" and not str(value).strip()):
            problems.append({"path": f"{where}/{name}", "message": f"{name} is missing"})
        elif isinstance(value, list):
            problems.append({"path": f"{where}/{name}", "message": f"{name} is repeated"})
    problems += [{"path": f"{where}/{name}", "message": f"{name} is repeated"}
                 for name in _AT_MOST_ONE if isinstance(event.get(name), list)]
    return problems


def _where(component: Component, index: int) -> str:
    """A path to a component: its name, its position and (ids only) its UID."""
    uid = component.get("UID")
    label = f"{component.name}[{index}]"
    return f"/{label}[UID={uid}]" if isinstance(uid, str) and uid else f"/{label}"


def _invalid(problems: list[dict[str, str]]) -> ValidationError:
    first = problems[0]
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return ValidationError(f"not a valid iCalendar feed: {first['path']}: "
                           f"{first['message']}{more}", path=first["path"],
                           errors=problems[:_MAX_LISTED])
