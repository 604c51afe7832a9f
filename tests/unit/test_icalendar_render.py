"""The text renderer of the feeds says what the ``icalendar`` library's components said.

The oracle below is the rendering the gateway used before (components built and
serialised by the library): the fast renderer must match it byte for byte, and the
library must parse the fast renderer's output back to the activity's values.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

from hypothesis import assume, given, settings
from hypothesis import strategies as st
from icalendar import Calendar, Event, Timezone

from gateway.api.feed_cache import FeedCache
from gateway.domain import SourceRef
from gateway.domain.rostering import ActivityKind, ActivityStatus, TimetableActivity
from gateway.mappings.icalendar_out import (
    AMSTERDAM,
    PRODID,
    REFRESH,
    TIMEZONE,
    FeedEvent,
    escape_text,
    feed_calendar,
    feed_uid,
    fold,
)

WINDOW = (date(2026, 8, 10), date(2027, 9, 7))
CHANGED_AT = datetime(2026, 9, 1, 6, 15, 42, 123456, tzinfo=UTC)
G1 = UUID("7a0c7c1e-4b0e-4d55-9a51-3f2b0c9d8e11")
G2 = UUID("8b0c7c1e-4b0e-4d55-9a51-3f2b0c9d8e12")
COURSE = UUID("9c0c7c1e-4b0e-4d55-9a51-3f2b0c9d8e13")
_CATEGORY = {ActivityKind.LESSON: "LESSON", ActivityKind.EXAM: "EXAM",
             ActivityKind.OTHER: "OTHER"}


def _library_calendar(events: list[FeedEvent], name: str) -> bytes:
    """The previous renderer: icalendar components, serialised by the library."""
    calendar = Calendar.new(prodid=PRODID, uid=UUID(int=7), name=name, calscale="GREGORIAN",
                            refresh_interval=REFRESH)
    calendar.add("X-WR-TIMEZONE", TIMEZONE)
    calendar.add("X-PUBLISHED-TTL", "PT15M")
    calendar.add_component(Timezone.from_tzid(TIMEZONE, first_date=date(2026, 1, 1),
                                              last_date=date(2028, 1, 1)))
    for item in sorted(events, key=lambda e: (e.activity.start, str(e.activity.id))):
        a = item.activity
        cancelled = a.status is ActivityStatus.CANCELLED
        changed_at = item.updated_at.astimezone(UTC)
        event = Event.new(uid=feed_uid(a.id),
                          summary=f"vervallen: {a.title}" if cancelled else a.title,
                          start=a.start.astimezone(AMSTERDAM), end=a.end.astimezone(AMSTERDAM),
                          stamp=changed_at, last_modified=changed_at,
                          sequence=max(0, item.version - 1),
                          categories=[_CATEGORY[a.activity_kind]])
        event.add("STATUS", "CANCELLED" if cancelled else "CONFIRMED")
        event.add("TRANSP", "TRANSPARENT" if cancelled else "OPAQUE")
        if a.rooms:
            event.add("LOCATION", ",".join(a.rooms))
        for group in a.group_ids:
            event.add("X-MBO-GROUP-ID", str(group))
        if a.course_id is not None:
            event.add("X-MBO-COURSE-ID", str(a.course_id))
        calendar.add_component(event)
    document: bytes = calendar.to_ical()
    return document


def _activity(ident: str, title: str = "Nederlands", rooms: tuple[str, ...] = ("A1.02",),
              **over: object) -> TimetableActivity:
    start = datetime(2026, 10, 20, 8, 30, tzinfo=UTC) + timedelta(days=int(ident) * 3)
    fields: dict[str, object] = {"title": title, "start": start,
                                 "end": start + timedelta(minutes=50), "rooms": rooms,
                                 "group_ids": (G1,)}
    fields.update(over)
    activity: TimetableActivity = TimetableActivity.create(
        tenant="roc-a", source=SourceRef(system="rooster", id=ident), **fields)
    return activity


def _render(events: list[FeedEvent], name: str = "Rooster 1A") -> bytes:
    return feed_calendar(events, calendar_id=UUID(int=7), name=name, window=WINDOW)


def test_the_text_renderer_matches_the_library_byte_for_byte() -> None:
    titles = ["Nederlands", "Rekenen; 2F, herkansing", "Engels\nmet\r\nregels\rmeer",
              "pad C:\\vakken\\nl", "ë" * 80, "Burgerschap en loopbaanoriëntatie " * 5,
              "x" * 73 + "é€😀" * 20, "a" * 72 + "\\;" + "b" * 80,
              "x" * 65 + ";fold after the backslash" + "y" * 70, "— één — " * 12]
    events = [FeedEvent(_activity(str(n), title=t, rooms=("A1.02", "B,2;3") if n % 2 else ()),
                        n + 1, CHANGED_AT) for n, t in enumerate(titles)]
    events += [
        FeedEvent(_activity("20", status=ActivityStatus.CANCELLED, group_ids=(G1, G2),
                            course_id=COURSE, activity_kind=ActivityKind.EXAM), 4, CHANGED_AT),
        FeedEvent(_activity("21", start=datetime(2027, 3, 29, 7, 0, tzinfo=UTC),  # CEST
                            end=datetime(2027, 3, 29, 9, 5, 7, tzinfo=UTC),
                            activity_kind=ActivityKind.OTHER, group_ids=()), 1,
                  datetime(2027, 3, 1, 12, 0, tzinfo=AMSTERDAM)),
        FeedEvent(_activity("22", rooms=tuple(f"Lokaal-{n:03}" for n in range(12))), 2,
                  CHANGED_AT),
    ]
    for name in ("Rooster 1A", "Rooster lokaal B,2;3"):
        assert _render(events, name) == _library_calendar(events, name)
    assert _render([]) == _library_calendar([], "Rooster 1A")


_TEXT = st.text(st.sampled_from(list("abZ09 ;,:\\\n\r\"'é€—😀\t^")), min_size=1, max_size=240)


@settings(max_examples=200, deadline=None)
@given(title=_TEXT, rooms=st.lists(_TEXT, max_size=4), cancelled=st.booleans())
def test_any_title_and_rooms_parse_back_and_fold_within_75_octets(
        title: str, rooms: list[str], cancelled: bool) -> None:
    # the library's parser reads an escaped backslash before n/N as a line break
    assume(not re.search(r"\\[nN]", title + "".join(rooms)))
    assume(title.strip() and all(rooms))
    status = ActivityStatus.CANCELLED if cancelled else ActivityStatus.SCHEDULED
    activity = _activity("1", title=title, rooms=tuple(rooms), status=status)
    document = _render([FeedEvent(activity, 1, CHANGED_AT)])
    lines = document.split(b"\r\n")
    assert lines[-1] == b"" and all(len(line) <= 75 for line in lines)
    assert all(line.decode("utf-8") for line in lines[:-1])  # no character split
    [event] = Calendar.from_ical(document).walk("VEVENT")

    def breaks(text: str) -> str:
        return text.replace("\r\n", "\n").replace("\r", "\n")

    summary = f"vervallen: {activity.title}" if cancelled else activity.title
    assert str(event["SUMMARY"]) == breaks(summary)
    assert str(event.get("LOCATION", "")) == breaks(",".join(activity.rooms))
    assert event.decoded("DTSTART") == activity.start


def test_escaping_and_folding_by_hand() -> None:
    assert escape_text("a\\b;c,d\ne\r\nf\rg") == "a\\\\b\\;c\\,d\\ne\\nf\\ng"
    assert fold("x" * 74) == "x" * 74
    assert fold("x" * 75) == "x" * 74 + "\r\n x"
    folded = fold("é" * 40).encode()  # 80 octets: 37 characters fit the first line
    assert folded.split(b"\r\n ") == ["é".encode() * 37, "é".encode() * 3]


def test_the_display_name_is_part_of_the_cached_frame() -> None:
    first = Calendar.from_ical(_render([], name="Rooster 1A"))
    second = Calendar.from_ical(_render([], name="Rooster 1B"))
    assert (str(first["NAME"]), str(second["NAME"])) == ("Rooster 1A", "Rooster 1B")


def test_the_feed_cache_keeps_recent_bodies_within_its_bound() -> None:
    cache = FeedCache(max_bytes=10)
    cache.put("a", b"1234")
    cache.put("b", b"5678")
    assert cache.get("a") == b"1234"  # a is now the most recent
    cache.put("c", b"90ab")  # 12 bytes: b (least recent) goes
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (b"1234", None, b"90ab")
    cache.put("big", b"x" * 11)  # larger than the bound: not kept, nothing evicted
    assert cache.get("big") is None and len(cache) == 2
    cache.clear()
    assert cache.get("a") is None and len(cache) == 0
