"""``RECURRENCE-ID;RANGE=THISANDFUTURE``: "from this week on, room B2 / 10:00".

What each occurrence must be is written down from RFC 5545 (3.2.13, 3.8.4.4) and the
rostering conventions, dates counted by hand: the override's changes hold for its own
occurrence and every later one until another THISANDFUTURE override takes over, the time
shift is wall-clock in Europe/Amsterdam (so it holds on both sides of 25 October 2026 and
28 March 2027), and every occurrence keeps its ORIGINAL start as recurrence id.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from gateway.adapters.icalendar.codec import parse_feed
from gateway.adapters.icalendar.expansion import Occurrence, SeriesOccurrences, expand
from tests.ical_feeds import COURSE, GROUP, GROUP_2, STAFF, feed, vevent

AMS = ZoneInfo("Europe/Amsterdam")
WINDOW = (datetime(2026, 8, 1, tzinfo=AMS), datetime(2027, 8, 1, tzinfo=AMS))
OTHER_STAFF = "1a7a8c66-2222-4f3f-9d80-5b5b5b5b5b5b"

# Mondays 09:00-10:30 from 12 October 2026, six weeks (the clocks go back on 25 October).
MONDAYS = vevent("s", "20261012T090000", "20261012T103000", rrule="FREQ=WEEKLY;COUNT=6")
MONDAY_IDS = ["20261012T070000Z", "20261019T070000Z", "20261026T080000Z",
              "20261102T080000Z", "20261109T080000Z", "20261116T080000Z"]


def from_here_on(text: str) -> str:
    """``text`` (one override) with ``RANGE=THISANDFUTURE`` on its RECURRENCE-ID."""
    if "RECURRENCE-ID;" in text:
        return text.replace("RECURRENCE-ID;", "RECURRENCE-ID;RANGE=THISANDFUTURE;")
    return text.replace("RECURRENCE-ID:", "RECURRENCE-ID;RANGE=THISANDFUTURE:")


def series_of(*events: str, window: tuple[datetime, datetime] = WINDOW,
              lookahead: timedelta | None = None) -> SeriesOccurrences:
    [series] = expand(parse_feed(feed(*events)), *window, lookahead=lookahead)
    return series


def occurrences(*events: str, **options: object) -> list[Occurrence]:
    series = series_of(*events, **options)  # type: ignore[arg-type]
    assert series.problem is None, series.problem
    return sorted(series.occurrences, key=lambda o: o.start)


def local(occurrence: Occurrence) -> str:
    return occurrence.start.astimezone(AMS).strftime("%m-%d %H:%M")


def test_a_new_time_and_room_hold_from_that_week_on_across_the_october_change() -> None:
    change = from_here_on(vevent("s", "20261019T100000", "20261019T113000",
                                 recurrence_id="20261019T090000", location="B2.01",
                                 sequence=1))
    got = occurrences(MONDAYS, change)
    assert [local(o) for o in got] == ["10-12 09:00", "10-19 10:00", "10-26 10:00",
                                       "11-02 10:00", "11-09 10:00", "11-16 10:00"]
    assert [o.start.astimezone(UTC).hour for o in got] == [7, 8, 9, 9, 9, 9]
    assert [o.recurrence_id for o in got] == MONDAY_IDS  # keys stay the original starts
    assert [o.rooms for o in got] == [("A1.02",)] + [("B2.01",)] * 5
    assert all(o.end - o.start == timedelta(minutes=90) for o in got)
    assert [o.differs_from_rule for o in got] == [False] + [True] * 5
    assert not any(o.cancelled for o in got)


def test_an_earlier_longer_lesson_across_the_march_change_with_a_utc_recurrence_id() -> None:
    # Mondays 09:00-10:00 from 15 March 2027; from the 22nd on 08:15-09:45 (the last
    # Sunday of March 2027 is the 28th); the RECURRENCE-ID written in UTC (09:00 CET).
    weekly = vevent("s", "20270315T090000", "20270315T100000", rrule="FREQ=WEEKLY;COUNT=4")
    change = from_here_on(vevent("s", "20270322T081500", "20270322T094500", sequence=1)
                          .replace("DTEND", "RECURRENCE-ID:20270322T080000Z\nDTEND"))
    got = occurrences(weekly, change)
    assert [local(o) for o in got] == ["03-15 09:00", "03-22 08:15", "03-29 08:15",
                                       "04-05 08:15"]
    assert [o.recurrence_id for o in got] == [
        "20270315T080000Z", "20270322T080000Z", "20270329T070000Z", "20270405T070000Z"]
    assert [o.end - o.start for o in got] == [timedelta(hours=1)] + [
        timedelta(minutes=90)] * 3
    assert [o.differs_from_rule for o in got] == [False, True, True, True]


def test_new_ids_and_title_hold_from_that_week_on_and_missing_ones_are_inherited() -> None:
    weekly = vevent("s", "20261012T090000", "20261012T103000", rrule="FREQ=WEEKLY;COUNT=3",
                    categories="EXAM", course=COURSE)
    change = from_here_on(vevent("s", "20261019T090000", "20261019T103000",
                                 recurrence_id="20261019T090000", summary="Nederlands B",
                                 groups=[GROUP_2], staff=[OTHER_STAFF], categories=None,
                                 sequence=1))
    got = occurrences(weekly, change)
    assert [(o.title, o.group_refs, o.staff_refs) for o in got] == [
        ("Nederlands", (GROUP,), (STAFF,)),
        ("Nederlands B", (GROUP_2,), (OTHER_STAFF,)),
        ("Nederlands B", (GROUP_2,), (OTHER_STAFF,))]
    assert {(o.kind, o.course_ref) for o in got} == {("EXAM", COURSE)}  # inherited
    # neither time nor rooms differ: not "changed" by the rule (the conventions)
    assert not any(o.differs_from_rule for o in got)


def test_a_single_override_and_a_later_range_take_over_in_turn() -> None:
    first = from_here_on(vevent("s", "20261019T100000", "20261019T113000",
                                recurrence_id="20261019T090000", location="B2.01",
                                summary="Nederlands B", sequence=1))
    once = vevent("s", "20261102T130000", "20261102T143000", recurrence_id="20261102T090000",
                  location="C0.01", summary=None, sequence=1)
    second = from_here_on(vevent("s", "20261109T090000", "20261109T103000",
                                 recurrence_id="20261109T090000", location="D3.03",
                                 summary=None, sequence=1))
    got = occurrences(MONDAYS, second, once, first)
    assert [(local(o), o.rooms, o.title) for o in got] == [
        ("10-12 09:00", ("A1.02",), "Nederlands"),
        ("10-19 10:00", ("B2.01",), "Nederlands B"),
        ("10-26 10:00", ("B2.01",), "Nederlands B"),
        ("11-02 13:00", ("C0.01",), "Nederlands B"),  # its own time and room, B's title
        ("11-09 09:00", ("D3.03",), "Nederlands B"),  # the second range: back to 09:00
        ("11-16 09:00", ("D3.03",), "Nederlands B")]
    assert [o.recurrence_id for o in got] == MONDAY_IDS
    assert [o.differs_from_rule for o in got] == [False] + [True] * 5


def test_a_cancelled_range_cancels_that_week_and_every_later_one() -> None:
    stop = from_here_on(vevent("s", "20261102T090000", "20261102T103000",
                               recurrence_id="20261102T090000", status="CANCELLED"))
    got = occurrences(MONDAYS, stop)
    assert [o.cancelled for o in got] == [False, False, False, True, True, True]
    assert [o.recurrence_id for o in got] == MONDAY_IDS


def test_a_range_outranked_by_a_newer_single_override_holds_for_nothing_later() -> None:
    old = from_here_on(vevent("s", "20261019T100000", "20261019T113000",
                              recurrence_id="20261019T090000", location="B2.01", sequence=1))
    new = vevent("s", "20261019T110000", "20261019T123000", recurrence_id="20261019T090000",
                 location="C0.01", sequence=2)
    got = occurrences(MONDAYS, old, new)
    assert [(local(o), o.rooms) for o in got][:3] == [
        ("10-12 09:00", ("A1.02",)), ("10-19 11:00", ("C0.01",)), ("10-26 09:00", ("A1.02",))]
    assert [o.differs_from_rule for o in got] == [False, True, False, False, False, False]


def test_rdates_in_the_range_move_and_exdates_stay_out() -> None:
    weekly = vevent("s", "20261012T090000", "20261012T103000", rrule="FREQ=WEEKLY;COUNT=4",
                    rdates=["20261031T100000"], exdates=["20261026T090000"])
    change = from_here_on(vevent("s", "20261019T093000", "20261019T110000",
                                 recurrence_id="20261019T090000", sequence=1))
    got = occurrences(weekly, change)
    assert [local(o) for o in got] == ["10-12 09:00", "10-19 09:30", "10-31 10:30",
                                       "11-02 09:30"]
    assert [o.recurrence_id for o in got] == [
        "20261012T070000Z", "20261019T070000Z", "20261031T090000Z", "20261102T080000Z"]


def test_the_window_takes_occurrences_by_their_moved_start() -> None:
    # from 12 October on the Monday lesson is on Tuesday: a shift of one day
    change = from_here_on(vevent("s", "20261013T090000", "20261013T103000",
                                 recurrence_id="20261012T090000", sequence=1))
    window = (datetime(2026, 10, 20, tzinfo=AMS), datetime(2026, 11, 3, tzinfo=AMS))
    series = series_of(MONDAYS, change, window=window, lookahead=timedelta(days=28))
    assert [(local(o), o.recurrence_id) for o in series.occurrences] == [
        ("10-20 09:00", MONDAY_IDS[1]), ("10-27 09:00", MONDAY_IDS[2])]
    # Monday 2 November is inside the window, its lesson (Tuesday the 3rd) is not
    assert series.quiet_until == datetime(2026, 11, 3, 9, tzinfo=AMS)


def test_the_feed_keeps_its_range_parameter() -> None:
    change = from_here_on(vevent("s", "20261019T100000", "20261019T113000",
                                 recurrence_id="20261019T090000", sequence=1))
    series = series_of(MONDAYS, change)
    assert "RECURRENCE-ID;RANGE=THISANDFUTURE;TZID=Europe/Amsterdam:20261019T090000" in \
        series.raw().replace("\r\n", "\n")
    assert len(series_of(MONDAYS, change).occurrences) == 6  # expanding twice: the same


def test_ranges_the_importer_cannot_read_refuse_their_series_alone() -> None:
    prior = vevent("s", "20261019T100000", "20261019T113000",
                   recurrence_id="20261019T090000").replace(
        "RECURRENCE-ID;", "RECURRENCE-ID;RANGE=THISANDPRIOR;")
    refused = series_of(MONDAYS, prior)
    assert "RANGE=THISANDPRIOR is not supported" in (refused.problem or "")
    assert refused.occurrences == ()
    ruled = from_here_on(vevent("s", "20261019T100000", "20261019T113000",
                                recurrence_id="20261019T090000", rrule="FREQ=WEEKLY"))
    refused = series_of(MONDAYS, ruled)
    assert "with its own RRULE" in (refused.problem or "")
    assert "BEGIN:VEVENT" in refused.raw()


def test_utc_times_of_a_feed_with_x_wr_timezone_keep_the_local_time_of_the_range() -> None:
    # written in UTC, read in Amsterdam (X-WR-TIMEZONE): 09:00 local, from the 19th 10:00
    weekly = vevent("s", "20261012T070000Z", "20261012T083000Z", rrule="FREQ=WEEKLY;COUNT=3")
    change = from_here_on(vevent("s", "20261019T080000Z", "20261019T093000Z",
                                 recurrence_id="20261019T070000Z", sequence=1))
    [series] = expand(parse_feed(feed(weekly, change, vtimezone=False,
                                      header=["X-WR-TIMEZONE:Europe/Amsterdam"])), *WINDOW)
    assert [local(o) for o in series.occurrences] == ["10-12 09:00", "10-19 10:00",
                                                      "10-26 10:00"]
    assert [o.recurrence_id for o in series.occurrences] == [
        "20261012T070000Z", "20261019T070000Z", "20261026T080000Z"]
