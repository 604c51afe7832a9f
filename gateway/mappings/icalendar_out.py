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
subscriber. Line folding at 75 octets and CRLF line ends are the library's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone

from gateway.domain.rostering import ActivityKind, ActivityStatus, TimetableActivity

__all__ = ["AMSTERDAM", "FeedEvent", "feed_calendar", "feed_uid"]

TIMEZONE = "Europe/Amsterdam"
AMSTERDAM = ZoneInfo(TIMEZONE)
PRODID = "-//mbo-gateway//calendar feeds//NL"
#: How often clients are asked to poll (RFC 7986 REFRESH-INTERVAL; Outlook's X-PUBLISHED-TTL).
REFRESH = timedelta(minutes=15)

_CATEGORY = {ActivityKind.LESSON: "LESSON", ActivityKind.EXAM: "EXAM",
             ActivityKind.OTHER: "OTHER"}


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
    calendar = Calendar.new(prodid=PRODID, uid=calendar_id, name=name, calscale="GREGORIAN",
                            refresh_interval=REFRESH)
    calendar.add("X-WR-TIMEZONE", TIMEZONE)
    calendar.add("X-PUBLISHED-TTL", "PT15M")
    first, last = window
    calendar.add_component(Timezone.from_tzid(
        TIMEZONE, first_date=date(first.year, 1, 1), last_date=date(last.year + 1, 1, 1)))
    for item in sorted(events, key=lambda e: (e.activity.start, str(e.activity.id))):
        calendar.add_component(_event(item))
    document: bytes = calendar.to_ical()
    return document


def _event(item: FeedEvent) -> Event:
    activity = item.activity
    cancelled = activity.status is ActivityStatus.CANCELLED
    changed_at = item.updated_at.astimezone(UTC)
    event = Event.new(
        uid=feed_uid(activity.id),
        summary=f"vervallen: {activity.title}" if cancelled else activity.title,
        start=activity.start.astimezone(AMSTERDAM),
        end=activity.end.astimezone(AMSTERDAM),
        stamp=changed_at,
        last_modified=changed_at,
        sequence=max(0, item.version - 1),
        categories=[_CATEGORY[activity.activity_kind]],
    )
    event.add("STATUS", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("TRANSP", "TRANSPARENT" if cancelled else "OPAQUE")
    if activity.rooms:
        event.add("LOCATION", ",".join(activity.rooms))
    for group in activity.group_ids:
        event.add("X-MBO-GROUP-ID", str(group))
    if activity.course_id is not None:
        event.add("X-MBO-COURSE-ID", str(activity.course_id))
    return event
