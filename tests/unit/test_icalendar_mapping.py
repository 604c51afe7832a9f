"""An occurrence as a canonical timetable activity: ids, references, the status rule."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest

from gateway.adapters.icalendar.expansion import Occurrence
from gateway.domain.ids import entity_id
from gateway.domain.rostering import ActivityKind, ActivityStatus
from gateway.errors import DomainRuleError
from gateway.mappings.icalendar_in import (
    Placement,
    activity_from,
    activity_status,
    placement_of,
    source_id,
)
from gateway.mappings.ooapi_v5_mbo_in import SOURCE_SYSTEM
from tests.ical_feeds import COURSE, GROUP, GROUP_2, STAFF

AMS = ZoneInfo("Europe/Amsterdam")
START = datetime(2026, 10, 26, 9, tzinfo=AMS)
OCCURRENCE = Occurrence(
    uid="les-1a-ned", recurrence_id="20261026T080000Z", start=START,
    end=START + timedelta(minutes=90), status="CONFIRMED", rooms=("A1.02", "A1.03"),
    group_refs=(GROUP, GROUP_2), staff_refs=(STAFF,), course_ref=COURSE, kind="EXAM",
    title="Nederlands 2F")


def placed(occurrence: Occurrence, status: ActivityStatus) -> Placement:
    return Placement(occurrence.start, occurrence.end, occurrence.rooms, status)


def test_the_activity_is_keyed_by_source_uid_and_recurrence_id() -> None:
    activity = activity_from("roc-a", "rooster", OCCURRENCE, ActivityStatus.SCHEDULED)
    assert activity.source.system == "rooster"
    assert activity.source.id == "les-1a-ned/20261026T080000Z" == source_id(
        OCCURRENCE.uid, OCCURRENCE.recurrence_id)
    assert activity.id == entity_id("roc-a", "rooster", "timetable-activity",
                                    "les-1a-ned/20261026T080000Z")
    assert activity.id != activity_from("roc-b", "rooster", OCCURRENCE,
                                        ActivityStatus.SCHEDULED).id


def test_references_get_the_ids_the_mbo_profile_gives_them() -> None:
    activity = activity_from("roc-a", "rooster", OCCURRENCE, ActivityStatus.CHANGED)
    assert activity.group_ids == (entity_id("roc-a", SOURCE_SYSTEM, "group", GROUP),
                                  entity_id("roc-a", SOURCE_SYSTEM, "group", GROUP_2))
    assert activity.staff_ids == (entity_id("roc-a", SOURCE_SYSTEM, "person", STAFF),)
    assert activity.course_id == entity_id("roc-a", SOURCE_SYSTEM, "course", COURSE)
    assert (activity.activity_kind, activity.title, activity.rooms, activity.status) == (
        ActivityKind.EXAM, "Nederlands 2F", ("A1.02", "A1.03"), ActivityStatus.CHANGED)
    assert (activity.start, activity.end) == (OCCURRENCE.start, OCCURRENCE.end)


def test_kinds_and_a_missing_course() -> None:
    lesson = activity_from("roc-a", "rooster", replace(OCCURRENCE, kind="LESSON",
                                                       course_ref=None),
                           ActivityStatus.SCHEDULED)
    assert (lesson.activity_kind, lesson.course_id) == (ActivityKind.LESSON, None)
    other = activity_from("roc-a", "rooster", replace(OCCURRENCE, kind="OTHER"),
                          ActivityStatus.SCHEDULED)
    assert other.activity_kind is ActivityKind.OTHER


def test_a_value_the_model_refuses_is_a_domain_rule_error_without_the_value() -> None:
    secret = "x" * 501
    with pytest.raises(DomainRuleError) as caught:
        activity_from("roc-a", "rooster", replace(OCCURRENCE, title=secret),
                      ActivityStatus.SCHEDULED)
    assert "title" in caught.value.message
    assert secret not in caught.value.message
    with pytest.raises(DomainRuleError, match="longer than the 239 characters"):
        activity_from("roc-a", "rooster", replace(OCCURRENCE, uid="u" * 240),
                      ActivityStatus.SCHEDULED)
    assert activity_from("roc-a", "rooster", replace(OCCURRENCE, uid="u" * 239),
                         ActivityStatus.SCHEDULED).source.id.startswith("u" * 239)


@pytest.mark.parametrize(("occurrence", "previous", "expected"), [
    # new occurrences: as the feed says
    (OCCURRENCE, None, ActivityStatus.SCHEDULED),
    (replace(OCCURRENCE, status="CANCELLED"), None, ActivityStatus.CANCELLED),
    (replace(OCCURRENCE, differs_from_rule=True), None, ActivityStatus.CHANGED),
    # against the last stored placement
    (OCCURRENCE, placed(OCCURRENCE, ActivityStatus.SCHEDULED), ActivityStatus.SCHEDULED),
    (OCCURRENCE, placed(replace(OCCURRENCE, rooms=("B2.01",)), ActivityStatus.SCHEDULED),
     ActivityStatus.CHANGED),
    (OCCURRENCE, placed(replace(OCCURRENCE, start=START - timedelta(hours=1)),
                        ActivityStatus.SCHEDULED), ActivityStatus.CHANGED),
    (OCCURRENCE, placed(replace(OCCURRENCE, end=START + timedelta(hours=2)),
                        ActivityStatus.SCHEDULED), ActivityStatus.CHANGED),
    # a changed one stays changed while it stays where it is (a re-import changes nothing)
    (OCCURRENCE, placed(OCCURRENCE, ActivityStatus.CHANGED), ActivityStatus.CHANGED),
    # a cancelled one that is back where it was is scheduled again
    (OCCURRENCE, placed(OCCURRENCE, ActivityStatus.CANCELLED), ActivityStatus.SCHEDULED),
    (replace(OCCURRENCE, status="CANCELLED"), placed(OCCURRENCE, ActivityStatus.CHANGED),
     ActivityStatus.CANCELLED),
])
def test_the_status_rule(occurrence: Occurrence, previous: Placement | None,
                         expected: ActivityStatus) -> None:
    assert activity_status(occurrence, previous) is expected


def test_the_same_instant_in_another_zone_is_the_same_place() -> None:
    utc = Placement(START.astimezone(ZoneInfo("UTC")), OCCURRENCE.end, OCCURRENCE.rooms,
                    ActivityStatus.SCHEDULED)
    assert activity_status(OCCURRENCE, utc) is ActivityStatus.SCHEDULED


def test_a_stored_state_reads_back_as_its_placement() -> None:
    activity = activity_from("roc-a", "rooster", OCCURRENCE, ActivityStatus.CHANGED)
    placement = placement_of(activity.snapshot())
    assert placement == Placement(OCCURRENCE.start, OCCURRENCE.end, OCCURRENCE.rooms,
                                  ActivityStatus.CHANGED)
    assert UUID(str(activity.id)) == activity.id
