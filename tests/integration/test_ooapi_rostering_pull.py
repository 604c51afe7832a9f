"""Pull klassen, their members and the timetable from the simulated SIS over loopback HTTP.

Into SQLite and PostgreSQL (the ``engine`` fixture). The SIS runs in uvicorn behind OAuth2
client credentials; the gateway pages through ``/groups``, ``/groups/{groupId}/members``
(or ``/persons``), ``/components`` and ``/offerings?offeringType=component``, validating
every item. Expected results come from the simulator's own documents before and after a
change, not from the gateway's mapping.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import Engine

from gateway.adapters.ooapi.mbo_profile import mbo_profile
from gateway.adapters.standards import Standards
from gateway.bootstrap import Gateway
from gateway.errors import RetriableUpstreamError
from gateway.store.quarantine import Quarantine
from gateway.sync.mbo_groups import put_group
from gateway.sync.mbo_receiver import MboReceiver
from gateway.sync.ooapi_rostering import run_rostering_sync
from tests.integration.rostering_support import (
    SOURCE,
    TENANT,
    Roster,
    canonical,
    events_since,
    gateway_for,
    membership_id,
    roster_of,
    serving_timetable_school,
    tick,
)
from tests.integration.sis_school import SchoolSis

STUDENTS = 120
UPSERTED = "nl.mbo.timetable.{}.upserted.v1"
DELETED = "nl.mbo.timetable.{}.deleted.v1"


@pytest.fixture
def sis(standards: Standards) -> Iterator[SchoolSis]:
    with serving_timetable_school(standards, students=STUDENTS) as served:
        yield served


@pytest.fixture
def gateway(engine: Engine, sis: SchoolSis, standards: Standards) -> Iterator[Gateway]:
    gw = gateway_for(engine, sis, standards)
    yield gw
    gw.close()


def expected_events(before: Roster, after: Roster) -> set[tuple[str, str]]:
    """(event type, subject) of what changed between two rosters, as the SIS serves them;
    a group counts as changed when what a Group holds of it changed (not ``personCount``),
    an offering also when its groups or staff did."""
    def group_view(doc: dict[str, Any]) -> Any:
        return {k: v for k, v in doc.items() if k != "personCount"}

    found: set[tuple[str, str]] = set()
    offerings = [{k: (d, roster.relations[k]) for k, d in roster.offerings.items()}
                 for roster in (before, after)]
    kinds = (("group", before.groups, after.groups, group_view, lambda i: canonical("group", i)),
             ("membership", before.members, after.members, lambda d: d, membership_id),
             ("timetable-activity", *offerings, lambda d: d,
              lambda i: canonical("timetable-activity", i)))
    for kind, old, new, view, ident in kinds:
        for key, doc in old.items():
            if key not in new:
                found.add((DELETED.format(kind), ident(key)))
            elif view(new[key]) != view(doc):
                found.add((UPSERTED.format(kind), ident(key)))
    return found


def test_full_pull_then_nothing_then_exactly_the_changes(
    gateway: Gateway, sis: SchoolSis
) -> None:
    roster = roster_of(sis.school)
    assert len(roster.groups) > 5 and len(roster.offerings) > 50
    cursor = gateway.event_log.head(TENANT)

    first = run_rostering_sync(gateway, TENANT, SOURCE, full=True)
    assert (first.mode, first.quarantined, sum(first.deleted.values())) == ("full", 0, 0)
    assert first.created == {"group": len(roster.groups), "membership": len(roster.members),
                             "timetable-activity": len(roster.offerings)}
    events = events_since(gateway, cursor)
    assert Counter(e.type for e in events) == {
        UPSERTED.format("group"): len(roster.groups),
        UPSERTED.format("membership"): len(roster.members),
        UPSERTED.format("timetable-activity"): len(roster.offerings)}
    assert {e.subject: e.type.split(".")[3] for e in events} == {
        k: v for k, v in roster.subjects().items()}
    assert first.events == len(events)
    # lessons are lessons in a room, exam sessions exams at their location (the component)
    data = {e.subject: e.data["entity"] for e in events}
    kinds = Counter(data[canonical("timetable-activity", o)]["activity_kind"]
                    for o in roster.offerings)
    assert kinds == {"lesson": len(roster.offerings) * 4 // 5,
                     "exam": len(roster.offerings) // 5}
    lesson = next(d for d in roster.offerings.values() if "room" in d)
    assert data[canonical("timetable-activity", lesson["offeringId"])]["rooms"] == [
        lesson["room"]["primaryCode"]["code"]]
    # each lesson and exam session with its klas and its lecturer, as the SIS lists them
    # under the offering (/offerings/{offeringId}/groups and /associations)
    for oid, (groups, staff) in roster.relations.items():
        entity = data[canonical("timetable-activity", oid)]
        assert len(groups) == len(staff) == 1
        assert entity["group_ids"] == [canonical("group", g) for g in groups]
        assert entity["staff_ids"] == [canonical("person", p) for p in staff]
    # two reads per offering, no more: its groups and its associations
    reads = Counter(h.rsplit("/", 1)[-1] for h in sis.hits if h.startswith("/offerings/"))
    assert reads == {"groups": len(roster.offerings), "associations": len(roster.offerings)}
    assert first.relation_pages == 2 * len(roster.offerings)

    cursor = gateway.event_log.head(TENANT)
    tick(gateway)
    again = run_rostering_sync(gateway, TENANT, SOURCE, full=True)
    assert (again.events, sum(again.created.values()), sum(again.changed.values())) == (0, 0, 0)
    assert sum(again.unchanged.values()) == len(roster.subjects())
    assert events_since(gateway, cursor) == []

    # klassen renamed, dissolved, a student taken out; lessons moved, other room, cancelled,
    # taken off the timetable
    member = sorted(roster.members)[-1]
    changes = sis.mutate(groups=5, timetable=8, dropMember=member,
                         dropOffering=next(iter(roster.offerings)))["changes"]
    after = roster_of(sis.school)
    expected = expected_events(roster, after)
    assert len(expected) >= 10
    assert (DELETED.format("membership"), membership_id(member)) in expected
    assert {t.split(".")[3:5] == ["group", "deleted"] for t, _ in expected} == {True, False}
    tick(gateway)
    full = run_rostering_sync(gateway, TENANT, SOURCE, full=True)
    events = events_since(gateway, cursor)
    assert {(e.type, e.subject) for e in events} == expected
    assert len(events) == len(expected) == full.events
    assert full.quarantined == 0
    assert any(c.endswith((" moved a day", ": other room", " cancelled")) for c in changes)
    # a moved lesson or one in another room is "changed", a cancelled one "cancelled"
    # a lesson of a dissolved klas keeps its time: "scheduled", without the group
    regrouped = 0
    for ident, doc in after.offerings.items():
        found = [e.data["entity"] for e in events
                 if e.subject == canonical("timetable-activity", ident)]
        if found and doc == roster.offerings[ident]:
            regrouped += 1
            assert after.relations[ident][0] == ()
            assert (found[0]["status"], found[0]["group_ids"]) == ("scheduled", [])
        elif found:
            state = doc["consumers"][0]["offeringState"]
            assert [f["status"] for f in found] == [
                "cancelled" if state == "canceled" else "changed"]
    assert regrouped > 0
    log = full.line()
    assert log.startswith(f"{TENANT}/{SOURCE} rostering full: fetched ")
    for doc in after.offerings.values():
        assert doc["name"][0]["value"] not in log


def test_incremental_reads_what_lies_ahead_and_deletes_nothing(
    gateway: Gateway, sis: SchoolSis
) -> None:
    run_rostering_sync(gateway, TENANT, SOURCE, full=True)
    roster = roster_of(sis.school)
    past = [o for o, d in roster.offerings.items() if d["startDateTime"] < "2026-03-01"]
    ahead = [o for o in roster.offerings if o not in past]
    assert past and ahead
    sis.mutate(dropOffering=ahead[0])
    sis.mutate(dropGroup=next(iter(roster.groups)))
    cursor = gateway.event_log.head(TENANT)
    tick(gateway, 24)

    # the dissolved klas's lessons stay, without their group: those ahead change now
    after = roster_of(sis.school)
    regrouped = {o for o in after.offerings if after.relations[o] != roster.relations[o]}
    regrouped_ahead = regrouped & set(ahead)
    assert regrouped_ahead and regrouped - regrouped_ahead

    incremental = run_rostering_sync(gateway, TENANT, SOURCE, full=False)
    assert (incremental.mode, incremental.since) == ("incremental", "2026-03-01")
    assert sum(incremental.deleted.values()) == 0
    assert incremental.events == len(regrouped_ahead)
    assert incremental.unchanged["timetable-activity"] == len(ahead) - 1 - len(regrouped_ahead)
    assert {(e.type, e.subject) for e in events_since(gateway, cursor)} == {
        (UPSERTED.format("timetable-activity"), canonical("timetable-activity", o))
        for o in regrouped_ahead}

    full = run_rostering_sync(gateway, TENANT, SOURCE, full=True)
    gone = next(iter(roster.groups))
    members = [k for k in roster.members if k.startswith(f"{gone}/")]
    assert full.deleted == {"group": 1, "membership": len(members), "timetable-activity": 1}
    assert {(e.type, e.subject) for e in events_since(gateway, cursor)} == {
        (DELETED.format("group"), canonical("group", gone)),
        (DELETED.format("timetable-activity"), canonical("timetable-activity", ahead[0])),
        *((DELETED.format("membership"), membership_id(k)) for k in members),
        *((UPSERTED.format("timetable-activity"), canonical("timetable-activity", o))
          for o in regrouped)}


def test_broken_items_are_quarantined_with_their_reason_and_spared(
    gateway: Gateway, sis: SchoolSis
) -> None:
    roster = roster_of(sis.school)
    group, offering = sorted(roster.groups)[1], sorted(roster.offerings)[7]
    member = next(k for k in sorted(roster.members) if not k.startswith(group))
    broken_group, broken_member = group, member.split("/")[1]

    def break_items(path: str, doc: dict[str, Any]) -> None:
        for item in doc.get("items", []):
            if item.get("groupId") == broken_group:
                item["groupType"] = "klas"
            if item.get("offeringId") == offering:
                item["endDateTime"] = "tomorrow"
            if path.endswith("/members") and item.get("personId") == broken_member:
                item["role"] = "headmaster"

    first = run_rostering_sync(gateway, TENANT, SOURCE, full=True)
    assert first.quarantined == 0
    sis.change = break_items
    cursor = gateway.event_log.head(TENANT)
    tick(gateway)
    second = run_rostering_sync(gateway, TENANT, SOURCE, full=True)
    assert (second.quarantined, second.events, sum(second.deleted.values())) == (3, 0, 0)
    assert events_since(gateway, cursor) == []
    kept = {r.kind: r for r in Quarantine(gateway.engine).list(TENANT) if r.source == SOURCE}
    assert set(kept) == {"Group", "Membership", "ComponentOffering"}
    assert kept["Group"].reason.startswith("schema: /groupType: ")
    assert json.loads(kept["Group"].raw)["groupId"] == broken_group
    assert "/endDateTime" in kept["ComponentOffering"].reason
    assert json.loads(kept["ComponentOffering"].raw)["endDateTime"] == "tomorrow"
    assert kept["Membership"].reason.startswith("schema: /role: ")

    # read again, the same broken items are counted, and kept once
    third = run_rostering_sync(gateway, TENANT, SOURCE, full=True)
    assert third.quarantined == 3
    assert len([r for r in Quarantine(gateway.engine).list(TENANT) if r.source == SOURCE]) == 3


def test_a_broken_component_keeps_its_offerings_as_they_were(
    gateway: Gateway, sis: SchoolSis
) -> None:
    run_rostering_sync(gateway, TENANT, SOURCE, full=True)
    roster = roster_of(sis.school)
    component = next(iter(roster.offerings.values()))["component"]
    using = [o for o, d in roster.offerings.items() if d["component"] == component]
    assert len(using) > 1

    def break_component(path: str, doc: dict[str, Any]) -> None:
        for item in doc.get("items", []):
            if item.get("componentId") == component:
                del item["componentType"]

    sis.change = break_component
    sis.mutate(dropOffering=using[0])  # gone from the list: gone, whatever its component
    cursor = gateway.event_log.head(TENANT)
    tick(gateway)
    report = run_rostering_sync(gateway, TENANT, SOURCE, full=True)
    assert (report.quarantined, report.events, sum(report.deleted.values())) == (1, 1, 1)
    assert [(e.type, e.subject) for e in events_since(gateway, cursor)] == [
        (DELETED.format("timetable-activity"), canonical("timetable-activity", using[0]))]
    (kept,) = [r for r in Quarantine(gateway.engine).list(TENANT) if r.source == SOURCE]
    assert (kept.kind, json.loads(kept.raw)["componentId"]) == ("Component", component)
    assert report.unchanged["timetable-activity"] == len(roster.offerings) - len(using)


def test_a_new_pull_with_a_broken_item_writes_the_rest(
    gateway: Gateway, sis: SchoolSis
) -> None:
    roster = roster_of(sis.school)
    offering = sorted(roster.offerings)[3]

    def break_offering(path: str, doc: dict[str, Any]) -> None:
        for item in doc.get("items", []):
            if item.get("offeringId") == offering:
                del item["startDateTime"]

    sis.change = break_offering
    report = run_rostering_sync(gateway, TENANT, SOURCE, full=True)
    assert report.quarantined == 1
    assert report.created["timetable-activity"] == len(roster.offerings) - 1
    assert report.created["group"] == len(roster.groups)


def test_pushed_and_pulled_group_are_one_entity(
    gateway: Gateway, sis: SchoolSis, standards: Standards
) -> None:
    roster = roster_of(sis.school)
    gid, doc = next(iter(roster.groups.items()))
    receiver = MboReceiver(gateway.store, mbo_profile(standards))
    pushed = put_group(receiver, TENANT, UUID(gid),
                       {k: v for k, v in doc.items() if k not in ("personCount",)})
    assert pushed.created
    ident = UUID(canonical("group", gid))
    before = gateway.store.get(TENANT, ident)
    cursor = gateway.event_log.head(TENANT)

    report = run_rostering_sync(gateway, TENANT, SOURCE, full=True)
    assert report.created["group"] == len(roster.groups) - 1
    assert report.unchanged["group"] == 1
    assert gateway.store.get(TENANT, ident).version == before.version
    assert canonical("group", gid) not in {e.subject for e in events_since(gateway, cursor)
                                           if e.type == UPSERTED.format("group")}


def test_members_from_the_official_persons_list(gateway: Gateway, sis: SchoolSis) -> None:
    roster = roster_of(sis.school)
    cursor = gateway.event_log.head(TENANT)
    report = run_rostering_sync(gateway, TENANT, SOURCE, full=True, members_from="persons")
    assert report.members_from == "persons"
    assert report.created["membership"] == len(roster.members)
    roles = Counter(e.data["entity"]["role"] for e in events_since(gateway, cursor)
                    if e.type == UPSERTED.format("membership"))
    assert roles == {"teacher": len(roster.groups),
                     "student": len(roster.members) - len(roster.groups)}


def test_a_failing_sis_deletes_nothing_and_keeps_the_last_run(
    gateway: Gateway, sis: SchoolSis
) -> None:
    run_rostering_sync(gateway, TENANT, SOURCE, full=True)
    roster = roster_of(sis.school)
    sis.mutate(dropOffering=next(iter(roster.offerings)))
    sis.refuse = lambda path: 503 if path == "/offerings" else None
    cursor = gateway.event_log.head(TENANT)
    with pytest.raises(RetriableUpstreamError):
        run_rostering_sync(gateway, TENANT, SOURCE, full=True)
    assert events_since(gateway, cursor) == []
    sis.refuse = lambda path: None
    report = run_rostering_sync(gateway, TENANT, SOURCE, full=False)
    assert report.mode == "incremental"



def test_a_fixed_group_closes_its_row_and_leaves_the_enrolment_pulls_rows_open(
    gateway: Gateway, sis: SchoolSis
) -> None:
    quarantine = Quarantine(gateway.engine)
    broken = sorted(roster_of(sis.school).groups)[2]

    def break_group(path: str, doc: dict[str, Any]) -> None:
        for item in doc.get("items", []):
            if item.get("groupId") == broken:
                item["groupType"] = "klas"

    sis.change = break_group
    assert run_rostering_sync(gateway, TENANT, SOURCE, full=True).quarantined == 1
    (held,) = quarantine.list(TENANT)
    # the enrolment and catalogue pulls of the same source: "Association" is theirs
    others = {quarantine.put(tenant=TENANT, source=SOURCE, kind=kind, reason="r", raw="{}")
              for kind in ("Association", "Person", "ProgramOffering")}
    sis.change = lambda path, doc: None
    tick(gateway)
    assert run_rostering_sync(gateway, TENANT, SOURCE, full=False).quarantine_resolved == 0
    assert {r.id for r in quarantine.list(TENANT)} == {held.id, *others}
    tick(gateway)
    report = run_rostering_sync(gateway, TENANT, SOURCE, full=True)
    assert (report.quarantined, report.quarantine_resolved) == (0, 1)
    assert "quarantine resolved 1" in report.line()
    assert {r.id for r in quarantine.list(TENANT)} == others
