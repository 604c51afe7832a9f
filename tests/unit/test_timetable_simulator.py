"""The simulated timetabling system: its size, its feed as iCalendar, and its weekly changes.

The feed is read back with the libraries an importer uses (``icalendar`` and
``recurring_ical_events``), so what the simulator counts is what a reader expands.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time
from typing import Any

import icalendar
import pytest
import recurring_ical_events

from gateway.adapters.ooapi.mbo_profile import mbo_profile
from gateway.adapters.standards import Standards
from gateway.mappings.ooapi_v5_mbo_in import activity_from
from simulators.ooapi_sis.generator import SisCatalogue
from simulators.ooapi_sis.population import SisSchool
from simulators.timetable import ChangeKind, FeedRenderer, TimetableSchool, exam_document
from simulators.timetable.ics import fold
from simulators.timetable.school import SIS_TODAY
from simulators.timetable.school_year import SLOTS, ZONE, utc_basic

YEAR = (date(2026, 8, 1), date(2027, 8, 1))
A_SCHOOL_DAY = date(2026, 11, 23)


@pytest.fixture(scope="module")
def small() -> TimetableSchool:
    return TimetableSchool(100, seed=3)


def expand(body: bytes) -> list[Any]:
    calendar = icalendar.Calendar.from_ical(body)
    return list(recurring_ical_events.of(calendar).between(*YEAR))


def occurrence_key(event: Any) -> tuple[str, str]:
    rid = event.get("RECURRENCE-ID")
    original = rid.dt if rid is not None else event["DTSTART"].dt
    return str(event["UID"]), original.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def test_the_default_school_has_a_year_of_at_least_500000_occurrences() -> None:
    school = TimetableSchool()
    assert school.sis.students == 10_000
    assert school.occurrences() >= 500_000
    assert len(school.group_ids) * 20 >= school.sis.students  # klassen of ~25
    assert FeedRenderer(school).feed().occurrences == school.occurrences()


def test_klassen_and_staff_are_the_ones_of_the_simulated_sis() -> None:
    sis = SisSchool(SisCatalogue(2, seed=3, today=SIS_TODAY), students=100, class_size=25)
    school = TimetableSchool(100, seed=3)
    assert school.group_ids == [sis.group(n)["groupId"] for n in range(len(sis.groups))]
    staff = {sis.person_of(n)["personId"] for n in range(sis.students, sis.persons)}
    assert {school.staff_ids[s.staff] for s in school.series} <= staff
    assert TimetableSchool(sis=sis).group_ids == school.group_ids


def test_the_same_seed_gives_the_same_feed_and_changes(small: TimetableSchool) -> None:
    twin, other = TimetableSchool(100, seed=3), TimetableSchool(100, seed=4)
    assert FeedRenderer(twin).feed().body == FeedRenderer(TimetableSchool(100, seed=3)
                                                          ).feed().body
    assert FeedRenderer(twin).feed().body != FeedRenderer(other).feed().body
    again = TimetableSchool(100, seed=3)
    assert twin.changes_for_day(A_SCHOOL_DAY) == again.changes_for_day(A_SCHOOL_DAY)


def test_icalendar_parses_the_feed(small: TimetableSchool) -> None:
    calendar = icalendar.Calendar.from_ical(FeedRenderer(small).feed().body)
    (zone,) = calendar.walk("VTIMEZONE")
    assert str(zone["TZID"]) == "Europe/Amsterdam"
    events = calendar.walk("VEVENT")
    assert len(events) == len(small.series) + len(small.exams) + len(small.overrides)
    assert all(not event.errors for event in events)
    kinds = Counter(str(event["CATEGORIES"].cats[0]) for event in events)
    assert kinds == {"LESSON": len(small.series), "EXAM": len(small.exams)}
    exam = next(e for e in events if "EXAM" in e["CATEGORIES"].cats)
    assert str(exam["LOCATION"]).count(",") == 1  # two rooms, escaped on the wire
    assert len(exam.get("X-MBO-STAFF-ID")) == 2


def test_recurring_ical_events_expands_to_the_counted_occurrences() -> None:
    school = TimetableSchool(100, seed=5)
    school.changes_for_day(A_SCHOOL_DAY)
    feed = FeedRenderer(school).feed()
    occurrences = expand(feed.body)
    assert len(occurrences) == feed.occurrences == school.occurrences()
    assert len({occurrence_key(e) for e in occurrences}) == len(occurrences)
    extras = [s for s in school.series if s.extra]
    saturdays = [e for e in occurrences if e["DTSTART"].dt.weekday() == 5]
    assert len(saturdays) == len(extras)  # the RDATEs


def test_a_0900_lesson_stays_at_0900_across_both_dst_changes(small: TimetableSchool) -> None:
    uid = next(s.uid for s in small.series if SLOTS[s.slot][1] == 1)
    starts = [e["DTSTART"].dt for e in expand(FeedRenderer(small).feed().body)
              if str(e["UID"]) == uid]
    assert {s.time() for s in starts} == {time(9, 0)}
    offsets = {s.date(): s.utcoffset().total_seconds() / 3600 for s in starts}
    assert offsets[max(d for d in offsets if d < date(2026, 10, 25))] == 2
    assert offsets[min(d for d in offsets if d > date(2026, 10, 25))] == 1
    assert offsets[max(d for d in offsets if d < date(2027, 3, 28))] == 1
    assert offsets[min(d for d in offsets if d > date(2027, 3, 28))] == 2


def test_changes_for_day_moves_swaps_rooms_and_cancels() -> None:
    school = TimetableSchool(100, seed=6)
    before = {occurrence_key(e): e for e in expand(FeedRenderer(school).feed().body)}
    version = school.version
    changes = school.changes_for_day(A_SCHOOL_DAY, share=0.05)
    assert school.version == version + 1
    week = school.week_occurrences(A_SCHOOL_DAY)
    assert len(changes) == round(0.05 * len(week))
    assert Counter(c.kind for c in changes).keys() == set(ChangeKind)
    after = {occurrence_key(e): e for e in expand(FeedRenderer(school).feed().body)}
    assert after.keys() == before.keys()  # an override replaces, a cancellation stays
    for change in changes:
        old, new = before[change.uid, change.recurrence_id], after[change.uid,
                                                                  change.recurrence_id]
        assert A_SCHOOL_DAY <= old["DTSTART"].dt.date() < date(2026, 11, 30)
        assert new["DTSTART"].dt == change.start and new["DTEND"].dt == change.end
        assert str(new["LOCATION"]) == ",".join(change.rooms)
        if change.kind is ChangeKind.MOVED:
            assert new["DTSTART"].dt != old["DTSTART"].dt
            assert str(new["LOCATION"]) == str(old["LOCATION"])
        elif change.kind is ChangeKind.ROOM:
            assert new["DTSTART"].dt == old["DTSTART"].dt
            assert str(new["LOCATION"]) != str(old["LOCATION"])
        else:
            assert str(new["STATUS"]) == "CANCELLED" and change.status == "cancelled"
    untouched = before.keys() - {(c.uid, c.recurrence_id) for c in changes}
    assert all(str(after[k]["DTSTART"].dt) == str(before[k]["DTSTART"].dt) for k in untouched)


def test_a_later_day_changes_other_occurrences_and_a_holiday_week_none() -> None:
    school = TimetableSchool(100, seed=6)
    first = school.changes_for_day(A_SCHOOL_DAY)
    second = school.changes_for_day(A_SCHOOL_DAY)
    assert second and not {(c.uid, c.recurrence_id) for c in first} & {
        (c.uid, c.recurrence_id) for c in second}
    assert school.changes_for_day(date(2026, 12, 21)) == []  # Christmas holiday
    with pytest.raises(ValueError, match="share"):
        school.changes_for_day(A_SCHOOL_DAY, share=2)


def test_recurrence_ids_are_utc_in_basic_format() -> None:
    assert utc_basic(datetime(2026, 10, 26, 9, 0)) == "20261026T080000Z"
    assert utc_basic(datetime(2026, 10, 23, 9, 0)) == "20261023T070000Z"


def test_long_lines_are_folded_at_75_octets() -> None:
    line = "SUMMARY:" + "é" * 100
    folded = fold(line)
    physical = folded.split("\r\n")[:-1]
    assert all(len(p.encode()) <= 75 for p in physical)
    assert "".join(p.removeprefix(" ") for p in physical) == line


def test_exam_sessions_are_valid_component_offerings(small: TimetableSchool,
                                                     standards: Standards) -> None:
    profile = mbo_profile(standards)
    for exam in small.exams[:20]:
        document = exam_document(small, exam)
        assert profile.validate_request("/offerings/{offeringId}", "put", document) == []
        activity = activity_from("roc-a", document)
        assert activity.activity_kind == "exam"
        assert activity.start == exam.start.replace(tzinfo=ZONE)
        assert activity.rooms == (small.rooms[exam.rooms[0]],)
