"""The groups and staff of pulled lessons and exam sessions, and pulled groups served back.

Into SQLite and PostgreSQL (the ``engine`` fixture), from the simulated SIS over loopback
HTTP. OOAPI v5 names an offering's groups and staff only in lists under it
(``/offerings/{offeringId}/groups`` and ``/associations``): references the gateway does
not know are kept, broken ones quarantined, a list the SIS does not offer is asked for
once, an offering gone before its lists are read is left as it was. A pulled group is
served by the gateway's own ``/ooapi/v5-mbo`` GETs as a pushed one is, until the SIS
drops it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any
from uuid import UUID, uuid4

import pytest
from sqlalchemy import Engine

from gateway.adapters.ooapi.mbo_profile import mbo_profile
from gateway.adapters.standards import Standards
from gateway.bootstrap import Gateway
from gateway.store.quarantine import Quarantine
from gateway.sync.ooapi_rostering import run_rostering_sync
from tests.integration.rostering_support import (
    SOURCE,
    TENANT,
    canonical,
    events_since,
    gateway_for,
    profile_reader,
    roster_of,
    serving_timetable_school,
    tick,
)
from tests.integration.sis_school import SchoolSis

UPSERTED = "nl.mbo.timetable.{}.upserted.v1"


@pytest.fixture
def sis(standards: Standards) -> Iterator[SchoolSis]:
    with serving_timetable_school(standards, students=120) as served:
        yield served


@pytest.fixture
def gateway(engine: Engine, sis: SchoolSis, standards: Standards) -> Iterator[Gateway]:
    gw = gateway_for(engine, sis, standards)
    yield gw
    gw.close()


def test_a_pulled_group_is_served_like_a_pushed_one(
    gateway: Gateway, sis: SchoolSis, standards: Standards
) -> None:
    roster = roster_of(sis.school)
    gid = sorted(roster.groups)[0]
    members = sorted((m for k, m in roster.members.items() if k.startswith(f"{gid}/")),
                     key=lambda m: str(m["personId"]))
    assert {m["state"] for m in members} >= {"active"}
    profile = mbo_profile(standards)
    run_rostering_sync(gateway, TENANT, SOURCE, full=True)
    with profile_reader(gateway) as get:
        reply = get(f"/groups/{gid}")
        assert reply.status_code == 200, reply.text
        group = reply.json()
        assert not profile.validate_response("/groups/{groupId}", "get", 200, group)
        assert group == {**roster.groups[gid],
                         "personCount": sum(m["state"] == "active" for m in members)}
        reply = get(f"/groups/{gid}/members", pageSize=250)
        assert reply.status_code == 200, reply.text
        assert not profile.validate_response("/groups/{groupId}/members", "get", 200,
                                             reply.json())
        assert reply.json()["items"] == members
        listed = get("/groups", pageSize=250).json()["items"]
        assert {g["groupId"] for g in listed} == set(roster.groups)

    # a klas the SIS dissolves is gone from the profile's GETs too, with its members
    sis.mutate(dropGroup=gid)
    tick(gateway)
    run_rostering_sync(gateway, TENANT, SOURCE, full=True)
    with profile_reader(gateway) as get:
        assert get(f"/groups/{gid}").status_code == 404
        assert get(f"/groups/{gid}/members").json()["items"] == []
        assert get(f"/groups/{sorted(roster.groups)[1]}").status_code == 200


def test_references_to_unknown_groups_are_kept_and_bad_ones_quarantined(
    gateway: Gateway, sis: SchoolSis
) -> None:
    roster = roster_of(sis.school)
    oid, other = sorted(roster.offerings)[2], sorted(roster.offerings)[3]
    unknown_group, unknown_person = str(uuid4()), str(uuid4())

    def refer(path: str, doc: dict[str, Any]) -> None:
        if path == f"/offerings/{oid}/groups":
            doc["items"].append({**doc["items"][0], "groupId": unknown_group})
            doc["items"].append({**doc["items"][0], "groupId": "klas-1a"})
        if path == f"/offerings/{oid}/associations":
            doc["items"].append({**doc["items"][0], "associationId": str(uuid4()),
                                 "person": {"personId": unknown_person}})
            doc["items"].append({**doc["items"][0], "associationId": str(uuid4()),
                                 "role": "student", "person": {"personId": str(uuid4())}})
        if path == f"/offerings/{other}/associations":
            doc["items"][0]["person"] = {"personId": "MW00001"}

    sis.change = refer
    cursor = gateway.event_log.head(TENANT)
    report = run_rostering_sync(gateway, TENANT, SOURCE, full=True)
    assert report.quarantined == 2
    data = {e.subject: e.data["entity"] for e in events_since(gateway, cursor)}
    groups, staff = roster.relations[oid]
    activity = data[canonical("timetable-activity", oid)]
    assert activity["group_ids"] == sorted(canonical("group", g)
                                           for g in (*groups, unknown_group))
    assert activity["staff_ids"] == sorted(canonical("person", p)
                                           for p in (*staff, unknown_person))
    assert data[canonical("timetable-activity", other)]["staff_ids"] == []
    kept = sorted((r.kind, r.reason) for r in Quarantine(gateway.engine).list(TENANT))
    assert kept == [("Group", "groupId: not a UUID"),
                    ("OfferingAssociation", "person: not a personId (a UUID)")]


def test_a_list_the_sis_does_not_offer_is_asked_for_once(
    gateway: Gateway, sis: SchoolSis
) -> None:
    roster = roster_of(sis.school)
    sis.refuse = lambda path: 404 if path.startswith("/offerings/") and path.endswith(
        "/groups") else None
    cursor = gateway.event_log.head(TENANT)
    report = run_rostering_sync(gateway, TENANT, SOURCE, full=True)
    assert report.relations_not_offered == ["groups"]
    assert report.quarantined == 0
    reads = Counter(h.rsplit("/", 1)[-1] for h in sis.hits if h.startswith("/offerings/"))
    assert reads == {"groups": 1, "associations": len(roster.offerings)}
    activities = [e.data["entity"] for e in events_since(gateway, cursor)
                  if e.type == UPSERTED.format("timetable-activity")]
    assert len(activities) == len(roster.offerings)
    assert {len(a["group_ids"]) for a in activities} == {0}
    assert {len(a["staff_ids"]) for a in activities} == {1}


def test_an_offering_gone_before_its_lists_are_read_is_left_as_it_was(
    gateway: Gateway, sis: SchoolSis
) -> None:
    run_rostering_sync(gateway, TENANT, SOURCE, full=True)
    roster = roster_of(sis.school)
    last = max(roster.offerings, key=lambda o: (roster.offerings[o]["startDateTime"], o))
    ident = UUID(canonical("timetable-activity", last))
    before = gateway.store.get(TENANT, ident)
    sis.refuse = lambda path: 404 if path == f"/offerings/{last}/associations" else None
    sis.change = lambda path, doc: doc["items"].clear() if path == f"/offerings/{last}/groups" \
        else None
    cursor = gateway.event_log.head(TENANT)
    tick(gateway)
    report = run_rostering_sync(gateway, TENANT, SOURCE, full=True)
    assert (report.events, sum(report.deleted.values()), report.relations_not_offered) == (
        0, 0, [])
    assert events_since(gateway, cursor) == []
    assert gateway.store.get(TENANT, ident).version == before.version
