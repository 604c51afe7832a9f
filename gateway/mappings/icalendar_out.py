"""Canonical timetable activities -> one RFC 5545 calendar: the gateway's .ics feeds.

One VEVENT per activity (an activity is one occurrence, so no RRULE), with:

- ``UID`` ``<activity id>@mbo-gateway``: stable across renders, so a client updates the
  event in place; ``SEQUENCE`` = entity version - 1 (0 for a new activity, raised by every
  change); ``DTSTAMP`` and ``LAST-MODIFIED`` = when the activity last changed. The feed has
  no ``METHOD``, so RFC 5545 3.8.7.2 makes DTSTAMP the time of the last revision, which
  also keeps a render of the same state byte for byte the same.
- ``DTSTART``/``DTEND`` as Europe/Amsterdam local times with ``TZID`` and the VTIMEZONE
  the ``icalendar`` library derives from the tz database for the feed's years.
- ``STATUS:CANCELLED`` (and ``TRANSP:TRANSPARENT``: it blocks no time) for a cancelled
  lesson, ``CONFIRMED`` otherwise; clients that ignore STATUS in subscribed feeds still
  show the word "vervallen" in front of the title.
- ``LOCATION`` the room codes, comma-separated; ``CATEGORIES`` LESSON, EXAM or OTHER;
  ``X-MBO-GROUP-ID`` (repeated) and ``X-MBO-COURSE-ID`` as in the feeds the gateway reads.

Staff are left out on purpose: a feed carries no person other than, implicitly, its
subscriber.

Speed: a klas's year is ~1,000 events, and building them as ``icalendar`` components and
serialising those cost ~2 s. The calendar's frame (its properties and the VTIMEZONE) is
still the library's, cached per calendar and years; each VEVENT is written as text here,
in the order and form the library writes it: RFC 5545 TEXT escaping (backslash,
semicolon, comma, line breaks), CRLF line ends and folding at 75 octets between
characters (never inside a UTF-8 sequence). The tests check it byte for byte against the
library's rendering and parse it back with the library.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from uuid import UUID
from zoneinfo import ZoneInfo

from icalendar import Calendar, Timezone

from gateway.domain.rostering import ActivityKind, ActivityStatus, TimetableActivity

__all__ = ["AMSTERDAM", "FeedEvent", "escape_text", "feed_calendar", "feed_uid", "fold",
           "frame_digest"]

TIMEZONE = "Europe/Amsterdam"
AMSTERDAM = ZoneInfo(TIMEZONE)
PRODID = "-//mbo-gateway//calendar feeds//NL"
#: How often clients are asked to poll (RFC 7986 REFRESH-INTERVAL; Outlook's X-PUBLISHED-TTL).
REFRESH = timedelta(minutes=15)
#: RFC 5545 3.1: lines SHOULD NOT be longer than 75 octets, excluding the line break.
LINE_OCTETS = 75

_CATEGORY = {ActivityKind.LESSON: "LESSON", ActivityKind.EXAM: "EXAM",
             ActivityKind.OTHER: "OTHER"}
_END = b"END:VCALENDAR\r\n"
_LOCAL = f"TZID={TIMEZONE}"


@dataclass(frozen=True)
class FeedEvent:
    """An activity as stored: its state, version and when it last changed."""

    activity: TimetableActivity
    version: int
    updated_at: datetime


def feed_uid(activity: UUID) -> str:
    """The VEVENT UID of an activity: the same in every feed and every render."""
    return f"{activity}@mbo-gateway"


def feed_calendar(
    events: Iterable[FeedEvent], *, calendar_id: UUID, name: str, window: tuple[date, date],
) -> bytes:
    """Render one feed.

    Args:
        events: the activities to list (the caller picks those in the window).
        calendar_id: the calendar's own UID (stable per feed).
        name: the calendar's display name (no personal data).
        window: first and last day the feed covers; the VTIMEZONE spans their years.

    Returns:
        The iCalendar document, UTF-8, CRLF line ends, folded at 75 octets.
    """
    first, last = window
    head = _frame(calendar_id, name, first.year, last.year)
    ordered = sorted(events, key=lambda e: (e.activity.start, str(e.activity.id)))
    body = "".join(_event(item) for item in ordered)
    return b"".join((head, body.encode("utf-8"), _END))


@lru_cache(maxsize=256)
def _frame(calendar_id: UUID, name: str, first_year: int, last_year: int) -> bytes:
    """The calendar up to where its events go: properties and VTIMEZONE (the library's)."""
    calendar = Calendar.new(prodid=PRODID, uid=calendar_id, name=name, calscale="GREGORIAN",
                            refresh_interval=REFRESH)
    calendar.add("X-WR-TIMEZONE", TIMEZONE)
    calendar.add("X-PUBLISHED-TTL", "PT15M")
    calendar.add_component(_timezone(first_year, last_year))
    document: bytes = calendar.to_ical()
    if not document.endswith(_END):  # pragma: no cover - the library's own framing
        raise RuntimeError("icalendar ended the calendar unexpectedly")
    return document[:-len(_END)]


@lru_cache(maxsize=16)
def frame_digest(first_year: int, last_year: int) -> str:
    """A digest of what every feed's frame holds besides its UID and name, for its years.

    The VTIMEZONE comes from the ``icalendar`` library and the tz database: an upgrade of
    either can change a feed's bytes with no change to its data, so a feed's validator
    includes this (see :mod:`gateway.api.routers.calendar`).
    """
    frame = b"|".join((PRODID.encode(), str(REFRESH).encode(),
                       _timezone(first_year, last_year).to_ical()))
    return hashlib.sha256(frame).hexdigest()[:16]


@lru_cache(maxsize=16)
def _timezone(first_year: int, last_year: int) -> Timezone:
    """Europe/Amsterdam from the tz database, for the feed's years (slow: build once)."""
    return Timezone.from_tzid(TIMEZONE, first_date=date(first_year, 1, 1),
                              last_date=date(last_year + 1, 1, 1))


def _event(item: FeedEvent) -> str:
    """One VEVENT as text, properties in the library's order (see the module docstring).

    Only SUMMARY and LOCATION carry free text; every other line is shorter than 75 octets
    by construction (ids, stamps, keywords), so only those two are folded.
    """
    activity = item.activity
    cancelled = activity.status is ActivityStatus.CANCELLED
    changed_at = _stamp(item.updated_at.astimezone(UTC)) + "Z"
    title = f"vervallen: {activity.title}" if cancelled else activity.title
    text = (
        f"BEGIN:VEVENT\r\n{fold('SUMMARY:' + escape_text(title))}\r\n"
        f"DTSTART;{_LOCAL}:{_stamp(activity.start.astimezone(AMSTERDAM))}\r\n"
        f"DTEND;{_LOCAL}:{_stamp(activity.end.astimezone(AMSTERDAM))}\r\n"
        f"DTSTAMP:{changed_at}\r\nUID:{activity.id}@mbo-gateway\r\n"
        f"SEQUENCE:{max(0, item.version - 1)}\r\n"
        f"CATEGORIES:{_CATEGORY[activity.activity_kind]}\r\nLAST-MODIFIED:{changed_at}\r\n"
    )
    if activity.rooms:
        text += fold("LOCATION:" + escape_text(",".join(activity.rooms))) + "\r\n"
    text += ("STATUS:CANCELLED\r\nTRANSP:TRANSPARENT\r\n" if cancelled
             else "STATUS:CONFIRMED\r\nTRANSP:OPAQUE\r\n")
    if activity.course_id is not None:
        text += f"X-MBO-COURSE-ID:{activity.course_id}\r\n"
    for group in activity.group_ids:
        text += f"X-MBO-GROUP-ID:{group}\r\n"
    return text + "END:VEVENT\r\n"


def _stamp(moment: datetime) -> str:
    """An RFC 5545 DATE-TIME without its zone marker (whole seconds, as the library)."""
    return (f"{moment.year:04}{moment.month:02}{moment.day:02}"
            f"T{moment.hour:02}{moment.minute:02}{moment.second:02}")


def escape_text(value: str) -> str:
    """An RFC 5545 TEXT value (3.3.11): backslash, semicolon, comma and line breaks escaped.

    A line break (CRLF, LF or a lone CR) becomes the two characters backslash and ``n``.
    """
    return (value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n"))


def fold(line: str) -> str:
    """Fold a content line (RFC 5545 3.1) into lines of at most 75 octets.

    Splits between characters, so a multi-byte UTF-8 character stays whole, and like the
    ``icalendar`` library never right after a backslash or caret (an escape split over two
    lines trips some clients). A continuation line starts with one space.
    """
    if len(line) < LINE_OCTETS and (line.isascii() or len(line.encode()) < LINE_OCTETS):
        return line
    parts: list[str] = []
    current: list[str] = []
    octets = 0
    for char in line:
        size = 1 if char < "\x80" else len(char.encode())
        if current and octets + size >= LINE_OCTETS:
            if len(current) > 1 and current[-1] in "\\^":
                carried = current.pop()
                parts.append("".join(current))
                current, octets = [carried], len(carried.encode())
            else:
                parts.append("".join(current))
                current, octets = [], 0
        current.append(char)
        octets += size
    if current:
        parts.append("".join(current))
    return "\r\n ".join(parts)
