"""The rostering pull's pure parts: its source over httpx.MockTransport, report, keys."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from gateway.adapters.ooapi import ooapi_schemas
from gateway.adapters.ooapi.client import OoapiClient
from gateway.adapters.ooapi.mbo_profile import mbo_profile
from gateway.adapters.ooapi.rostering_source import MembersFrom, OoapiRosteringSource
from gateway.adapters.standards import Standards
from gateway.domain import SourceRef, TimetableActivity
from gateway.sync.activity_status import with_status
from gateway.sync.enrolment_report import state_key as enrolment_key
from gateway.sync.rostering_pages import RosterRun, model_salt, record_key
from gateway.sync.rostering_report import RosteringSyncReport, state_key

GROUP = "5f0c8f59-3b39-4a5c-9a53-0d5cf1f3f7a1"
PERSON = "0b6b1f3e-8a49-4c43-9a0f-27b4c8f2b1c2"
COMPONENT = "9a1c7b4e-2f62-4d0e-8e35-1b7f5c9d3e20"


def offering(ident: str, kind: str = "component", **extra: Any) -> dict[str, Any]:
    doc = {"offeringId": ident, "offeringType": kind, "resultExpected": False,
           "primaryCode": {"codeType": "offeringCode", "code": ident[:8]},
           "name": [{"language": "nl-NL", "value": "Les"}],
           "description": [{"language": "nl-NL", "value": "Een les"}],
           "teachingLanguage": "nld", "component": COMPONENT,
           "startDateTime": "2026-03-02T08:30:00+01:00",
           "endDateTime": "2026-03-02T10:00:00+01:00"}
    return {**doc, **extra}


COMPONENT_DOC = {"componentId": COMPONENT, "componentType": "test", "abbreviation": "EX",
                 "primaryCode": {"codeType": "componentCode", "code": "EX-1"},
                 "name": [{"language": "nl-NL", "value": "Examen"}], "teachingLanguage": "nld"}


def page(items: list[Any]) -> dict[str, Any]:
    return {"pageSize": 10, "pageNumber": 1, "hasPreviousPage": False, "hasNextPage": False,
            "totalPages": 1, "items": items}


@pytest.fixture
def source(standards: Standards) -> Iterator[tuple[OoapiRosteringSource, list[httpx.Request]]]:
    seen: list[httpx.Request] = []
    pages = {
        "/offerings": page([offering("11111111-1111-4111-8111-111111111111"),
                            offering("22222222-2222-4222-8222-222222222222", "course"),
                            offering("33333333-3333-4333-8333-333333333333",
                                     endDateTime="later")]),
        "/components": page([COMPONENT_DOC, {"componentId": "x"}]),
        f"/groups/{GROUP}/members": page([
            {"personId": PERSON, "startDateTime": "2026-09-01T08:30:00+02:00",
             "role": "student"},
            {"personId": PERSON, "startDateTime": "2026-09-01T08:30:00+02:00",
             "role": "headmaster"}]),
    }

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=pages[request.url.path])

    with OoapiClient("http://sis.test", transport=httpx.MockTransport(handler)) as client:
        yield (OoapiRosteringSource(client, ooapi_schemas(standards), mbo_profile(standards)),
               seen)


def test_component_offerings_come_with_their_component_and_others_are_passed_over(
    source: tuple[OoapiRosteringSource, list[httpx.Request]],
) -> None:
    reader, seen = source
    components, rejected = reader.components()
    assert list(components) == [COMPONENT]
    assert len(rejected) == 1 and rejected[0].errors
    items = [i for p in reader.offerings(components) for i in p]
    assert [(i.source_id, i.document is not None) for i in items] == [
        ("11111111-1111-4111-8111-111111111111", True),
        ("33333333-3333-4333-8333-333333333333", False)]
    assert items[0].document is not None
    assert items[0].document["component"] == COMPONENT_DOC
    assert items[1].rejected is not None
    assert items[1].rejected.errors[0].pointer == "/endDateTime"
    assert "later" not in json.dumps([e.message for e in items[1].rejected.errors])
    query = seen[-1].url.params
    assert (query["offeringType"], query["since"]) == ("component", "1900-01-01")
    assert reader.fetched == 2 + 3


def test_members_are_checked_against_the_profile(
    source: tuple[OoapiRosteringSource, list[httpx.Request]],
) -> None:
    reader, _ = source
    good, bad = next(iter(reader.members(GROUP)))
    assert good.source_id == bad.source_id == f"{GROUP}/{PERSON}"
    assert good.document is not None and bad.rejected is not None
    assert bad.rejected.errors[0].pointer == "/role"


@pytest.mark.parametrize(("affiliations", "role"), [(["employee"], "lecturer"),
                                                    (["student"], "student")])
def test_members_from_persons_are_their_ids_and_a_role(
    standards: Standards, affiliations: list[str], role: str
) -> None:
    person = {"personId": PERSON, "primaryCode": {"codeType": "studentNumber", "code": "1"},
              "givenName": "Sam", "surname": "Jansen", "displayName": "Sam Jansen",
              "affiliations": affiliations, "mail": "sam@example.nl", "activeEnrollment": True}

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == f"/groups/{GROUP}/persons"
        return httpx.Response(200, json=page([person]))

    members_from: MembersFrom = "persons"
    with OoapiClient("http://sis.test", transport=httpx.MockTransport(handler)) as client:
        reader = OoapiRosteringSource(client, ooapi_schemas(standards),
                                      mbo_profile(standards), members_from=members_from)
        (item,) = next(iter(reader.members(GROUP)))
    assert item.rejected is None, item.rejected
    assert item.document == {"personId": PERSON, "role": role}  # no personal data kept


def test_state_keys_fit_and_differ_from_the_enrolment_pull() -> None:
    assert state_key("sis") == "sis:rostering" != enrolment_key("sis")
    long = "s" * 64
    assert len(state_key(long)) <= 64 and state_key(long) != state_key(long[:-1] + "t")


def test_the_report_line_counts_per_kind() -> None:
    report = RosteringSyncReport("roc-a", "sis", "incremental", "2026-03-01")
    report.count(report.created, "group", 2)
    report.count(report.changed, "group")
    report.count(report.deleted, "timetable-activity", 4)
    report.count(report.unchanged, "membership", 9)
    line = report.line()
    assert line.startswith("roc-a/sis rostering incremental since 2026-03-01: fetched 0, ")
    assert "groups changed 3 (2 new), deleted 0" in line
    assert "activities changed 0 (0 new), deleted 4" in line
    assert "unchanged 9" in line
    assert json.loads(json.dumps(report.as_dict()))["deleted"]["timetable-activity"] == 4


def test_a_broken_group_spares_its_members_and_only_them() -> None:
    run = RosterRun.__new__(RosterRun)
    run.spared, run.spared_prefixes = {record_key("offering", "o1")}, {"member/g1/"}
    assert run.is_spared("offering/o1") and run.is_spared("member/g1/p9")
    assert not run.is_spared("member/g10/p9") and not run.is_spared("group/g1")
    assert model_salt() == model_salt() and len(model_salt()) == 32


def activity(**fields: Any) -> TimetableActivity:
    values = {"title": "Les", "start": "2026-03-02T08:30:00+01:00",
              "end": "2026-03-02T10:00:00+01:00", "rooms": ("B1.01",), **fields}
    made: TimetableActivity = TimetableActivity.create(
        tenant="roc-a", source=SourceRef(system="s", id="1"), **values)
    return made


@pytest.mark.parametrize(("now", "stored", "status"), [
    ({}, None, "scheduled"),
    ({}, {}, "scheduled"),
    ({"start": "2026-03-03T08:30:00+01:00", "end": "2026-03-03T10:00:00+01:00"}, {},
     "changed"),
    ({"rooms": ("B5.01",)}, {}, "changed"),
    ({}, {"status": "changed"}, "changed"),
    ({"rooms": ("B5.01",), "status": "cancelled"}, {}, "cancelled"),
    ({}, {"status": "cancelled"}, "scheduled"),
])
def test_an_activity_is_changed_when_it_moved_since_it_was_stored(
    now: dict[str, Any], stored: dict[str, Any] | None, status: str
) -> None:
    state = None if stored is None else {**activity().snapshot(), **stored}
    assert with_status(activity(**now), state).status == status
