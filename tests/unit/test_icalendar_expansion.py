"""Expanding series: RRULE across both daylight-saving changes, RDATE, EXDATE, overrides."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from gateway.adapters.icalendar.codec import parse_feed
from gateway.adapters.icalendar.expansion import Occurrence, SeriesOccurrences, expand
from tests.ical_feeds import COURSE, GROUP, GROUP_2, STAFF, feed, vevent

AMS = ZoneInfo("Europe/Amsterdam")
WINDOW = (datetime(2026, 8, 1, tzinfo=AMS), datetime(2027, 8, 1, tzinfo=AMS))


def series_of(*events: str, window: tuple[datetime, datetime] = WINDOW,
              **options: object) -> dict[str, SeriesOccurrences]:
    parsed = parse_feed(feed(*events, **options))  # type: ignore[arg-type]
    return {s.uid: s for s in expand(parsed, *window)}


def occurrences(*events: str, **options: object) -> list[Occurrence]:
    found = [o for s in series_of(*events, **options).values() for o in s.occurrences]
    return sorted(found, key=lambda o: o.start)


def test_a_weekly_lesson_stays_at_nine_local_across_the_october_change() -> None:
    # the last Sunday of October 2026 is the 25th
    got = occurrences(vevent("s", "20261012T090000", "20261012T103000",
                             rrule="FREQ=WEEKLY;COUNT=4"))
    assert [o.start.astimezone(AMS).strftime("%m-%d %H:%M") for o in got] == [
        "10-12 09:00", "10-19 09:00", "10-26 09:00", "11-02 09:00"]
    assert [o.recurrence_id for o in got] == [
        "20261012T070000Z", "20261019T070000Z", "20261026T080000Z", "20261102T080000Z"]
    assert all(o.end - o.start == timedelta(minutes=90) for o in got)
    assert not any(o.differs_from_rule or o.cancelled for o in got)


def test_a_weekly_lesson_stays_at_nine_local_across_the_march_change() -> None:
    # the last Sunday of March 2027 is the 28th
    got = occurrences(vevent("s", "20270315T090000", "20270315T100000",
                             rrule="FREQ=WEEKLY;COUNT=3;INTERVAL=2"))
    assert [o.start.astimezone(AMS).hour for o in got] == [9, 9, 9]
    assert [o.recurrence_id for o in got] == [
        "20270315T080000Z", "20270329T070000Z", "20270412T070000Z"]


def test_rdate_adds_an_occurrence_and_exdate_drops_one() -> None:
    got = occurrences(vevent("s", "20261012T090000", "20261012T100000",
                             rrule="FREQ=WEEKLY;COUNT=3", rdates=["20261017T100000"],
                             exdates=["20261019T090000"]))
    assert [o.start.astimezone(AMS).strftime("%m-%d %H:%M") for o in got] == [
        "10-12 09:00", "10-17 10:00", "10-26 09:00"]
    saturday = got[1]
    assert saturday.recurrence_id == "20261017T080000Z"
    assert saturday.end - saturday.start == timedelta(hours=1)
    assert not saturday.differs_from_rule


def test_an_override_moves_one_occurrence_and_keeps_its_recurrence_id() -> None:
    got = occurrences(
        vevent("s", "20261019T090000", "20261019T100000", rrule="FREQ=WEEKLY;COUNT=3"),
        vevent("s", "20261026T130000", "20261026T140000", recurrence_id="20261026T090000",
               sequence=1))
    moved = got[1]
    assert moved.recurrence_id == "20261026T080000Z"  # the original start, in UTC
    assert moved.start == datetime(2026, 10, 26, 13, tzinfo=AMS)
    assert moved.differs_from_rule
    assert [o.differs_from_rule for o in got] == [False, True, False]


def test_an_override_with_another_room_differs_and_one_that_does_not_does_not() -> None:
    got = occurrences(
        vevent("s", "20261019T090000", "20261019T100000", rrule="FREQ=WEEKLY;COUNT=3",
               location="A1.02"),
        vevent("s", "20261019T090000", "20261019T100000", recurrence_id="20261019T090000",
               location="B2.01"),
        vevent("s", "20261026T090000", "20261026T100000", recurrence_id="20261026T090000",
               location="A1.02", summary="Nederlands (toets)"))
    assert [(o.rooms, o.differs_from_rule) for o in got] == [
        (("B2.01",), True), (("A1.02",), False), (("A1.02",), False)]
    assert got[1].title == "Nederlands (toets)"


def test_a_longer_override_at_the_same_start_differs() -> None:
    got = occurrences(
        vevent("s", "20261019T090000", "20261019T100000", rrule="FREQ=WEEKLY;COUNT=2"),
        vevent("s", "20261019T090000", "20261019T110000", recurrence_id="20261019T090000"))
    assert [o.differs_from_rule for o in got] == [True, False]


def test_a_cancelled_override_and_a_cancelled_series() -> None:
    got = occurrences(
        vevent("s", "20261019T090000", "20261019T100000", rrule="FREQ=WEEKLY;COUNT=3"),
        vevent("s", "20261026T090000", "20261026T100000", recurrence_id="20261026T090000",
               status="CANCELLED"))
    assert [o.cancelled for o in got] == [False, True, False]
    whole = occurrences(vevent("c", "20261019T090000", "20261019T100000",
                               rrule="FREQ=WEEKLY;COUNT=2", status="CANCELLED"))
    assert [o.status for o in whole] == ["CANCELLED", "CANCELLED"]


def test_an_override_without_ids_or_title_keeps_the_series_ones_but_not_its_room() -> None:
    got = occurrences(
        vevent("s", "20261019T090000", "20261019T100000", rrule="FREQ=WEEKLY;COUNT=2",
               groups=[GROUP, GROUP_2], course=COURSE, categories="EXAM"),
        vevent("s", "20261019T100000", "20261019T110000", recurrence_id="20261019T090000",
               groups=(), staff=(), categories=None, summary=None, location=None))
    override = got[0]
    assert override.group_refs == (GROUP, GROUP_2)
    assert override.staff_refs == (STAFF,)
    assert override.course_ref == COURSE
    assert (override.kind, override.title) == ("EXAM", "Nederlands")
    assert override.rooms == ()


def test_the_values_a_timetable_reads() -> None:
    [got] = occurrences(vevent("s", "20261019T090000", "20261019T100000",
                               location="A1.02\\,A1.03", categories="EXAM",
                               groups=[GROUP.upper()], course=COURSE, summary="Rekenen 2F"))
    assert got.rooms == ("A1.02", "A1.03")
    assert got.group_refs == (GROUP,)  # normalised
    assert (got.kind, got.title, got.course_ref, got.status) == ("EXAM", "Rekenen 2F",
                                                                 COURSE, "")
    [other] = occurrences(vevent("o", "20261019T090000", "20261019T100000",
                                 categories="MEETING"))
    assert other.kind == "OTHER"


def test_only_occurrences_starting_inside_the_window_count() -> None:
    window = (datetime(2026, 10, 19, 9, tzinfo=AMS), datetime(2026, 11, 2, 9, tzinfo=AMS))
    got = occurrences(vevent("s", "20261012T090000", "20261012T100000",
                             rrule="FREQ=WEEKLY;COUNT=5"), window=window)
    assert [o.start.date().isoformat() for o in got] == ["2026-10-19", "2026-10-26"]


def test_all_day_events_are_counted_and_skipped() -> None:
    found = series_of(vevent("holiday", "20261019", "20261024"),
                      vevent("s", "20261019T090000", "20261019T100000"))
    assert found["holiday"].occurrences == () and found["holiday"].all_day == 1
    assert found["holiday"].problem is None
    assert len(found["s"].occurrences) == 1


def test_floating_and_utc_times_are_placed_correctly() -> None:
    [floating] = occurrences(vevent("f", "20261019T090000", "20261019T100000", zone=None),
                             vtimezone=False)
    assert floating.start == datetime(2026, 10, 19, 9, tzinfo=AMS)
    assert floating.recurrence_id == "20261019T070000Z"
    [utc] = occurrences(vevent("u", "20261019T070000Z", "20261019T080000Z"))
    assert utc.start == datetime(2026, 10, 19, 7, tzinfo=UTC)


def test_a_series_with_unusable_values_is_refused_alone_with_its_raw_text() -> None:
    found = series_of(
        vevent("bad", "20261019T090000", "20261019T100000", rrule="FREQ=WEEKLY;COUNT=2",
               groups=["klas-1a"]),
        vevent("bad", "20261019T110000", "20261019T120000", recurrence_id="20261019T090000"),
        vevent("untitled", "20261019T090000", "20261019T100000", summary=None),
        vevent("good", "20261019T090000", "20261019T100000"))
    assert found["bad"].problem == "UID bad: X-MBO-GROUP-ID 'klas-1a' is not a UUID"
    raw = found["bad"].raw()
    assert raw.count("BEGIN:VEVENT") == 2 and "X-MBO-GROUP-ID:klas-1a" in raw
    assert found["bad"].occurrences == ()
    assert "SUMMARY (the lesson's title) is missing" in (found["untitled"].problem or "")
    assert len(found["good"].occurrences) == 1


def test_an_event_that_ends_before_it_starts_is_refused() -> None:
    found = series_of(vevent("s", "20261019T090000", "20261019T080000"))
    assert found["s"].problem is not None
    assert found["s"].occurrences == ()


def test_of_two_overrides_of_one_occurrence_the_higher_sequence_wins() -> None:
    got = occurrences(
        vevent("s", "20261019T090000", "20261019T100000", rrule="FREQ=WEEKLY;COUNT=2"),
        vevent("s", "20261019T130000", "20261019T140000", recurrence_id="20261019T090000",
               sequence=2, location="NEW"),
        vevent("s", "20261019T110000", "20261019T120000", recurrence_id="20261019T090000",
               sequence=1, location="OLD"))
    assert [(o.start.hour, o.rooms) for o in got] == [(13, ("NEW",)), (9, ("A1.02",))]


def test_with_a_lookahead_the_next_start_after_the_window_is_given() -> None:
    weekly = vevent("w", "20260707T090000", "20260707T100000", rrule="FREQ=WEEKLY")
    ended = vevent("e", "20261013T130000", "20261013T140000", rrule="FREQ=WEEKLY;COUNT=4")
    moved = vevent("w", "20270804T090000", "20270804T100000", recurrence_id="20270803T090000")
    parsed = parse_feed(feed(weekly, ended))
    found = {s.uid: s for s in expand(parsed, *WINDOW, lookahead=timedelta(days=28))}
    # 1 August 2027 is a Sunday: the next Tuesday lesson is on the 3rd
    assert found["w"].quiet_until == datetime(2027, 8, 3, 9, tzinfo=AMS)
    assert found["e"].quiet_until == WINDOW[1] + timedelta(days=28)
    [again] = expand(parse_feed(feed(weekly, moved)), *WINDOW, lookahead=timedelta(days=28))
    assert again.quiet_until == datetime(2027, 8, 4, 9, tzinfo=AMS)  # where it now is
    assert all(s.quiet_until is None for s in expand(parsed, *WINDOW))
