"""The simulated timetabling system over loopback HTTP: feeds, validators, push mode.

Feeds: 200 with a strong ETag and Last-Modified, 304 on ``If-None-Match`` or
``If-Modified-Since`` while nothing changed, a new body and tag after ``changes_for_day``,
per-klas feeds holding only that klas. Push: the exam sessions ``PUT`` as component
offerings to the gateway's mbo profile receiver (SQLite) become timetable activities.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import httpx
import icalendar
import pytest

from gateway.adapters.standards import Standards
from simulators.timetable import TimetableSchool, exam_document, push_to, running_timetable
from tests.integration.mbo_profile_support import Receiver, running_receiver

DAY = date(2026, 11, 23)


@pytest.fixture
def served() -> Iterator[tuple[TimetableSchool, httpx.Client]]:
    school = TimetableSchool(100, seed=11)
    with running_timetable(school) as base, httpx.Client(base_url=base, timeout=30) as http:
        yield school, http


def test_the_school_feed_answers_200_then_304_until_it_changes(
        served: tuple[TimetableSchool, httpx.Client]) -> None:
    school, http = served
    first = http.get("/school.ics")
    assert first.status_code == 200
    assert first.headers["content-type"] == "text/calendar; charset=utf-8"
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    assert etag.startswith('"') and modified.endswith("GMT")
    calendar = icalendar.Calendar.from_ical(first.content)
    assert len(calendar.walk("VEVENT")) == len(school.series) + len(school.exams)

    same = http.get("/school.ics", headers={"If-None-Match": etag})
    assert (same.status_code, same.content, same.headers["etag"]) == (304, b"", etag)
    assert http.get("/school.ics", headers={"If-None-Match": f'"x", W/{etag}'}
                    ).status_code == 304
    assert http.get("/school.ics", headers={"If-Modified-Since": modified}).status_code == 304
    assert http.get("/school.ics", headers={"If-None-Match": '"other"'}).status_code == 200
    assert http.get("/school.ics", headers={"If-Modified-Since": "not a date"}
                    ).status_code == 200

    changes = school.changes_for_day(DAY, share=0.05)
    assert changes
    changed = http.get("/school.ics", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    assert http.get("/school.ics", headers={"If-Modified-Since": modified}).status_code == 200
    overrides = [e for e in icalendar.Calendar.from_ical(changed.content).walk("VEVENT")
                 if "RECURRENCE-ID" in e]
    assert sorted(str(e["UID"]) for e in overrides) == sorted(c.uid for c in changes)
    assert http.get("/school.ics", headers={"If-None-Match": changed.headers["etag"]}
                    ).status_code == 304


def test_a_klas_feed_holds_that_klas_only(
        served: tuple[TimetableSchool, httpx.Client]) -> None:
    school, http = served
    listed = http.get("/feeds").json()
    assert listed["school"] == "/school.ics"
    assert len(listed["groups"]) == len(school.group_ids)
    group = school.group_ids[1]
    reply = http.get(f"/groups/{group}.ics")
    assert reply.status_code == 200
    events = icalendar.Calendar.from_ical(reply.content).walk("VEVENT")
    assert events and {str(e["X-MBO-GROUP-ID"]) for e in events} == {group}
    assert len(events) == len(school.by_group[1]) + sum(e.group == 1 for e in school.exams)
    assert http.get(f"/groups/{reply.headers['etag']}.ics").status_code == 404


@pytest.fixture(scope="module", params=["sqlite"])
def receiver(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
             standards: Standards) -> Iterator[Receiver]:
    with running_receiver(request, tmp_path_factory, standards) as running:
        yield running


def test_push_sends_the_exam_sessions_as_component_offerings(receiver: Receiver) -> None:
    school = TimetableSchool(100, seed=12)
    cursor = receiver.head()
    report = push_to(school, receiver.base, receiver.tokens["planner"], concurrency=4,
                     limit=12)
    assert report.ok and report.statuses == {201: 12}, report.line()
    events = receiver.events_after(cursor)
    assert len(events) == 12
    assert {e.data["entity"]["activity_kind"] for e in events} == {"exam"}
    exam = school.exams[0]
    stored = receiver.valid("/offerings/{offeringId}",
                            receiver.get(f"/offerings/{exam.offering_id}", client="planner"))
    assert stored == exam_document(school, exam)
    again = push_to(school, receiver.base, receiver.tokens["planner"], limit=12)
    assert again.statuses == {200: 12} and receiver.events_after(cursor)[12:] == []
    refused = push_to(school, receiver.base, receiver.tokens["other"], limit=2)
    assert not refused.ok and refused.statuses == {403: 2}
