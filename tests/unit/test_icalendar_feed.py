"""Rendering of the gateway's iCalendar feeds: RFC 5545 basics, SEQUENCE, CANCELLED, DST."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from gateway.api.conditional import etag_matches
from gateway.api.routers import calendar
from gateway.api.routers.calendar import feed_etag, window
from gateway.domain import SourceRef
from gateway.domain.rostering import ActivityKind, ActivityStatus, TimetableActivity
from gateway.mappings.icalendar_out import FeedEvent, feed_calendar, feed_uid, frame_digest
from gateway.store.timetable_index import FeedTarget, TargetKind

AMS = ZoneInfo("Europe/Amsterdam")
CHANGED_AT = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
WINDOW = (date(2026, 2, 1), date(2027, 2, 1))
GROUP = UUID("7a0c7c1e-4b0e-4d55-9a51-3f2b0c9d8e11")
STAFF = UUID("0f6f7c55-1111-4e2e-8c7f-4a4a4a4a4a4a")


def _activity(ident: str = "1", **over: object) -> TimetableActivity:
    fields: dict[str, object] = {
        "title": "Nederlands", "start": datetime(2026, 3, 27, 9, 0, tzinfo=UTC),
        "end": datetime(2026, 3, 27, 10, 0, tzinfo=UTC), "rooms": ("A1.02", "A1.03"),
        "group_ids": (GROUP,), "staff_ids": (STAFF,)}
    fields.update(over)
    activity: TimetableActivity = TimetableActivity.create(
        tenant="roc-a", source=SourceRef(system="rooster", id=ident), **fields)
    return activity


def _render(*events: FeedEvent) -> bytes:
    return feed_calendar(events, calendar_id=UUID(int=1), name="Rooster 1A", window=WINDOW)


def _vevents(document: bytes) -> list[Calendar]:
    return list(Calendar.from_ical(document).walk("VEVENT"))


def test_an_event_carries_uid_sequence_stamp_location_and_status() -> None:
    activity = _activity()
    [event] = _vevents(_render(FeedEvent(activity, 3, CHANGED_AT)))
    assert str(event["UID"]) == feed_uid(activity.id) == f"{activity.id}@mbo-gateway"
    assert event["SEQUENCE"] == 2  # version 3
    assert event.decoded("DTSTAMP") == CHANGED_AT
    assert event.decoded("LAST-MODIFIED") == CHANGED_AT
    assert str(event["LOCATION"]) == "A1.02,A1.03"
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(event["SUMMARY"]) == "Nederlands"
    assert [str(v) for v in event["CATEGORIES"].cats] == ["LESSON"]
    assert str(event["X-MBO-GROUP-ID"]) == str(GROUP)


def test_a_new_activity_has_sequence_0() -> None:
    [event] = _vevents(_render(FeedEvent(_activity(), 1, CHANGED_AT)))
    assert event["SEQUENCE"] == 0


def test_a_cancelled_lesson_is_status_cancelled_and_blocks_no_time() -> None:
    activity = _activity(status=ActivityStatus.CANCELLED, activity_kind=ActivityKind.EXAM)
    [event] = _vevents(_render(FeedEvent(activity, 2, CHANGED_AT)))
    assert str(event["STATUS"]) == "CANCELLED"
    assert str(event["TRANSP"]) == "TRANSPARENT"
    assert str(event["SUMMARY"]) == "vervallen: Nederlands"
    assert [str(v) for v in event["CATEGORIES"].cats] == ["EXAM"]


def test_times_are_amsterdam_local_with_tzid_on_both_sides_of_the_dst_change() -> None:
    winter = _activity("w", start=datetime(2026, 3, 27, 9, 0, tzinfo=UTC),
                       end=datetime(2026, 3, 27, 10, 0, tzinfo=UTC))
    summer = _activity("s", start=datetime(2026, 3, 30, 8, 0, tzinfo=UTC),
                       end=datetime(2026, 3, 30, 9, 0, tzinfo=UTC))
    document = _render(FeedEvent(winter, 1, CHANGED_AT), FeedEvent(summer, 1, CHANGED_AT))
    text = document.decode()
    assert "DTSTART;TZID=Europe/Amsterdam:20260327T100000\r\n" in text  # CET, +01:00
    assert "DTSTART;TZID=Europe/Amsterdam:20260330T100000\r\n" in text  # CEST, +02:00
    first, second = _vevents(document)
    assert first.decoded("DTSTART") == winter.start
    assert second.decoded("DTSTART") == summer.start
    assert second.decoded("DTEND").utcoffset() == timedelta(hours=2)


def test_the_vtimezone_describes_amsterdam_with_its_transitions() -> None:
    calendar = Calendar.from_ical(_render(FeedEvent(_activity(), 1, CHANGED_AT)))
    [zone] = calendar.walk("VTIMEZONE")
    assert str(zone["TZID"]) == "Europe/Amsterdam"
    daylight = [c for c in zone.walk("DAYLIGHT")]
    standard = [c for c in zone.walk("STANDARD")]
    assert daylight and standard
    assert {c.decoded("TZOFFSETTO") for c in daylight} == {timedelta(hours=2)}
    assert timedelta(hours=1) in {c.decoded("TZOFFSETTO") for c in standard}
    # the library turns it into a tzinfo that agrees with the tz database
    tz = zone.to_tz()
    for moment in (datetime(2026, 3, 29, 0, 30), datetime(2026, 3, 29, 3, 30),
                   datetime(2026, 10, 25, 3, 30), datetime(2026, 7, 1, 12, 0)):
        assert moment.replace(tzinfo=tz).utcoffset() == moment.replace(tzinfo=AMS).utcoffset()


def test_crlf_line_ends_and_folding_at_75_octets() -> None:
    long_title = "Burgerschap en loopbaanoriëntatie " * 8
    document = _render(FeedEvent(_activity(title=long_title.strip()), 1, CHANGED_AT))
    lines = document.split(b"\r\n")
    assert lines[-1] == b""  # ends with CRLF
    assert b"\n" not in b"".join(lines)  # no bare LF anywhere
    assert all(len(line) <= 75 for line in lines)
    assert any(line.startswith(b" ") for line in lines)  # the SUMMARY was folded
    [event] = _vevents(document)
    assert str(event["SUMMARY"]) == long_title.strip()


def test_no_staff_and_no_names_of_persons_in_the_feed() -> None:
    document = _render(FeedEvent(_activity(), 1, CHANGED_AT))
    assert str(STAFF).encode() not in document
    assert b"ATTENDEE" not in document and b"ORGANIZER" not in document


def test_the_same_state_renders_to_the_same_bytes() -> None:
    events = [FeedEvent(_activity(str(n)), n + 1, CHANGED_AT) for n in range(3)]
    assert _render(*events) == _render(*reversed(events))


def test_an_empty_feed_is_still_a_valid_calendar_with_its_timezone() -> None:
    calendar = Calendar.from_ical(_render())
    assert calendar.walk("VEVENT") == []
    assert [str(z["TZID"]) for z in calendar.walk("VTIMEZONE")] == ["Europe/Amsterdam"]
    assert str(calendar["VERSION"]) == "2.0" and calendar["PRODID"]


def test_the_etag_is_weak_and_changes_with_stamp_window_target_and_name() -> None:
    target = FeedTarget("roc-a", TargetKind.GROUP, str(GROUP))
    day = date(2026, 3, 1)
    tag = feed_etag(target, 7, day, "Rooster 1A")
    assert tag.startswith('W/"') and tag.endswith('"')
    assert tag == feed_etag(target, 7, day, "Rooster 1A")
    others = {feed_etag(target, 8, day, "Rooster 1A"),
              feed_etag(target, 7, date(2026, 3, 2), "Rooster 1A"),
              feed_etag(FeedTarget("roc-b", TargetKind.GROUP, str(GROUP)), 7, day,
                        "Rooster 1A"),
              feed_etag(FeedTarget("roc-a", TargetKind.PERSON, str(GROUP)), 7, day,
                        "Rooster 1A"),
              feed_etag(target, 7, day, "Rooster 1B")}  # a renamed group
    assert tag not in others and len(others) == 5


def test_the_etag_changes_with_the_calendar_frame_a_library_renders(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    target = FeedTarget("roc-a", TargetKind.GROUP, str(GROUP))
    tag = feed_etag(target, 7, date(2026, 3, 1), "Rooster 1A")
    assert frame_digest(2026, 2027) == frame_digest(2026, 2027) != frame_digest(2026, 2026)
    monkeypatch.setattr(calendar, "frame_digest", lambda first, last: "another tz database")
    assert feed_etag(target, 7, date(2026, 3, 1), "Rooster 1A") != tag


def test_if_none_match_compares_weakly_and_accepts_lists_and_star() -> None:
    tag = 'W/"abc"'
    assert etag_matches('W/"abc"', tag)
    assert etag_matches('"abc"', tag)  # weak comparison ignores the W/
    assert etag_matches('"x", W/"abc"', tag)
    assert etag_matches("*", tag)
    assert not etag_matches('W/"abd"', tag)
    assert not etag_matches("", tag)
    assert not etag_matches(" , ", tag)


def test_the_window_runs_from_four_weeks_back_to_a_year_ahead_in_amsterdam() -> None:
    late_evening_utc = datetime(2026, 6, 30, 23, 30, tzinfo=UTC)  # already 1 July there
    first, last = window(late_evening_utc)
    assert first == date(2026, 7, 1) - timedelta(weeks=4)
    assert last == date(2027, 7, 1)
