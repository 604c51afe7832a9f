"""Parsing a feed: what is refused as not valid iCalendar, with the parser's reason."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from gateway.adapters.icalendar.codec import parse_feed
from gateway.adapters.icalendar.zones import DEFAULT_ZONE
from gateway.errors import ValidationError
from tests.ical_feeds import feed, vevent

SERIES = vevent("s1", "20261019T090000", "20261019T103000", rrule="FREQ=WEEKLY;COUNT=4")


def refused(data: bytes, **options: int) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        parse_feed(data, **options)
    return caught.value


def test_a_valid_feed_is_parsed_with_its_events_and_zone() -> None:
    parsed = parse_feed(feed(SERIES, vevent("s2", "20261020T110000", "20261020T120000")))
    assert parsed.events == 2
    assert parsed.zone == DEFAULT_ZONE
    assert sorted(str(s.uid) for s in parsed.query.series) == ["s1", "s2"]


@pytest.mark.parametrize(("data", "reason"), [
    (b"hello world", "Content line could not be parsed"),
    (b"<html><body>Service unavailable</body></html>", "Content line could not be parsed"),
    (b"", "Found no components"),
    (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:x\r\n", "Found no components"),
])
def test_text_that_is_not_icalendar_is_refused_with_the_parsers_reason(
        data: bytes, reason: str) -> None:
    error = refused(data)
    assert error.message.startswith("not an iCalendar feed: ")
    assert reason in error.message
    assert isinstance(error.__cause__, ValueError)  # translated at the boundary


def test_a_document_other_than_a_vcalendar_is_refused() -> None:
    error = refused(b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:x\r\nEND:VCARD\r\n")
    assert "is a VCARD, not a VCALENDAR" in error.message


def test_a_broken_property_is_refused_with_its_path_and_reason() -> None:
    bad = vevent("s2", "2026XXX", "20261020T120000", zone=None)
    error = refused(feed(SERIES, bad))
    assert error.path.endswith("[UID=s2]/DTSTART")
    assert "Expected" in error.message and "2026XXX" in error.message
    assert error.errors[0]["path"] == error.path


def test_a_bad_recurrence_rule_is_refused() -> None:
    bad = vevent("s2", "20261020T110000", "20261020T120000", rrule="FREQ=SOMETIMES")
    error = refused(feed(bad))
    assert "RRULE" in error.message and "SOMETIMES" in error.message


def test_an_unknown_time_zone_is_refused_not_read_as_local_time() -> None:
    bad = vevent("s2", "20261020T110000", "20261020T120000", zone="Mars/Olympus")
    error = refused(feed(SERIES, bad))
    assert "unknown time zone 'Mars/Olympus'" in error.message
    assert "(and 1 more)" in error.message  # DTEND too
    assert len(error.errors) == 2


@pytest.mark.parametrize(("line", "reason"), [("UID:", "UID is missing"),
                                              ("SUMMARY:x", "UID is missing")])
def test_an_event_needs_a_uid(line: str, reason: str) -> None:
    text = vevent("s2", "20261020T110000", "20261020T120000").replace("UID:s2", line)
    assert reason in refused(feed(text)).message


def test_an_event_needs_one_start() -> None:
    text = vevent("s2", "20261020T110000", "20261020T120000")
    without = "\n".join(x for x in text.split("\n") if not x.startswith("DTSTART"))
    assert "DTSTART is missing" in refused(feed(without)).message
    twice = text.replace("DTEND", "DTSTART;TZID=Europe/Amsterdam:20261020T100000\nDTEND")
    assert "DTSTART is repeated" in refused(feed(twice)).message


def test_the_size_is_capped_before_parsing() -> None:
    data = feed(SERIES)
    error = refused(data, max_bytes=len(data) - 1)
    assert f"the feed is {len(data)} bytes, more than the {len(data) - 1}" in error.message
    assert parse_feed(data, max_bytes=len(data)).events == 1


def test_floating_times_are_read_in_the_feeds_zone() -> None:
    floating = vevent("f", "20261019T090000", "20261019T100000", zone=None)
    parsed = parse_feed(feed(floating, vtimezone=False))
    [event] = parsed.calendar.walk("VEVENT")
    assert event.decoded("DTSTART") == datetime(2026, 10, 19, 9, tzinfo=DEFAULT_ZONE)
    london = parse_feed(feed(floating, vtimezone=False, header=["X-WR-TIMEZONE:Europe/London"]))
    [event] = london.calendar.walk("VEVENT")
    assert london.zone == ZoneInfo("Europe/London")
    assert event.decoded("DTSTART") == datetime(2026, 10, 19, 9,
                                                tzinfo=ZoneInfo("Europe/London"))


def test_an_unknown_x_wr_timezone_is_refused() -> None:
    floating = vevent("f", "20261019T090000", "20261019T100000", zone=None)
    error = refused(feed(floating, vtimezone=False, header=["X-WR-TIMEZONE:Nowhere/None"]))
    assert "X-WR-TIMEZONE: unknown time zone 'Nowhere/None'" in error.message
