"""Splitting a feed into its series: the same occurrences as the whole feed, digests that
ignore DTSTAMP only, and framing refused with the parser's reason."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from gateway.adapters.icalendar.codec import parse_feed
from gateway.adapters.icalendar.expansion import expand
from gateway.adapters.icalendar.split import split_feed
from gateway.errors import ValidationError
from tests.ical_feeds import feed, vevent

AMS = ZoneInfo("Europe/Amsterdam")
WINDOW = (datetime(2026, 9, 1, tzinfo=AMS), datetime(2027, 9, 1, tzinfo=AMS))
DUTCH = vevent("les-ned-1a", "20261012T090000", "20261012T103000",
               rrule="FREQ=WEEKLY;COUNT=6", exdates=["20261102T090000"],
               rdates=["20261017T100000"])
MATHS = vevent("les-rek-1a", "20261013T130000", "20261013T140000",
               rrule="FREQ=WEEKLY;COUNT=4", location="B1.10")
MOVED = vevent("les-ned-1a", "20261019T130000", "20261019T143000",
               recurrence_id="20261019T090000", sequence=1, location="C0.01")


def test_series_hold_their_overrides_wherever_they_are_and_expand_as_the_whole() -> None:
    data = feed(DUTCH, MATHS, MOVED, header=["X-WR-CALNAME:Rooster"])
    split = split_feed(data)
    assert list(split.series) == ["les-ned-1a", "les-rek-1a"]
    assert [len(blocks) for blocks in split.series.values()] == [2, 1]
    assert len(split.zones) == 1 and "X-WR-CALNAME:Rooster" in split.header
    whole = {s.uid: s.occurrences for s in expand(parse_feed(data), *WINDOW)}
    parts = {}
    for uid in split.series:
        [series] = expand(parse_feed(split.calendar_of(uid)), *WINDOW)
        parts[series.uid] = series.occurrences
    assert parts == whole
    assert sum(o.differs_from_rule for o in parts["les-ned-1a"]) == 1


def test_a_folded_uid_is_read_unfolded_and_unescaped() -> None:
    text = vevent("x", "20261020T110000", "20261020T120000").replace(
        "UID:x", "UID:lange-uid-van-\n een-les\\,1a")
    assert list(split_feed(feed(text)).series) == ["lange-uid-van-een-les,1a"]


def test_the_digest_ignores_dtstamp_and_nothing_else() -> None:
    digest = split_feed(feed(DUTCH, MATHS)).digest("les-ned-1a")
    restamped = DUTCH.replace("DTSTAMP:20260901T080000Z", "DTSTAMP:20261122T060000Z")
    assert split_feed(feed(restamped, MATHS)).digest("les-ned-1a") == digest
    assert split_feed(feed(DUTCH)).digest("les-ned-1a") == digest  # other series: no matter
    for changed in (DUTCH.replace("A1.02", "A1.03"), DUTCH.replace("COUNT=6", "COUNT=7")):
        assert split_feed(feed(changed, MATHS)).digest("les-ned-1a") != digest
    assert split_feed(feed(DUTCH, MOVED)).digest("les-ned-1a") != digest  # an override
    london = feed(DUTCH, header=["X-WR-TIMEZONE:Europe/London"])
    assert split_feed(london).digest("les-ned-1a") != digest  # the frame counts


def test_the_frame_keeps_the_calendar_properties_and_other_components() -> None:
    todo = "BEGIN:VTODO\nUID:t1\nDTSTAMP:20260901T080000Z\nSUMMARY:x\nEND:VTODO"
    split = split_feed(feed(DUTCH, todo, header=["X-WR-TIMEZONE:Europe/London"]))
    frame = parse_feed(split.frame_calendar())
    assert frame.zone == ZoneInfo("Europe/London") and frame.events == 0
    assert [c.name for c in frame.calendar.subcomponents] == ["VTIMEZONE", "VTODO"]


def test_an_event_without_a_uid_is_kept_under_the_empty_uid() -> None:
    text = vevent("s2", "20261020T110000", "20261020T120000").replace("UID:s2\n", "")
    split = split_feed(feed(DUTCH, text))
    assert set(split.series) == {"les-ned-1a", ""}
    with pytest.raises(ValidationError, match="UID is missing"):
        parse_feed(split.calendar_of(""))


@pytest.mark.parametrize(("data", "reason"), [
    (b"<html><body>Service unavailable</body></html>", "Content line could not be parsed"),
    (b"", "Found no components"),
    (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:x\r\n", "Found no components"),
    (b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:x\r\nEND:VCARD\r\n", "not a VCALENDAR"),
    (feed(DUTCH) + feed(MATHS), "multiple"),
    (b"BEGIN:VCALENDAR\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n", "without an accompanying BEGIN"),
])
def test_framing_it_cannot_follow_is_refused_with_the_parsers_reason(
        data: bytes, reason: str) -> None:
    with pytest.raises(ValidationError) as caught:
        split_feed(data)
    assert caught.value.message.startswith("not an iCalendar feed")
    assert reason.lower() in caught.value.message.lower()


def test_text_is_decoded_as_the_parser_decodes_it() -> None:
    with_bom = b"\xef\xbb\xbf" + feed(DUTCH)
    assert list(split_feed(with_bom).series) == ["les-ned-1a"]
    odd = split_feed(feed(DUTCH).replace(b"Nederlands", b"Nederlands \xff"))
    [series] = expand(parse_feed(odd.calendar_of("les-ned-1a")), *WINDOW)
    assert series.occurrences[0].title == "Nederlands \ufffd"
