"""Component offerings, groups and members of ``/ooapi/v5-mbo`` over HTTP.

On SQLite and PostgreSQL: PUT/PATCH/GET of component offerings (exam sessions, on the
timetable topic), groups and members, with responses valid against the profile, repeated
PUTs silent, bad bodies located, scopes and tenants kept apart.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from gateway.adapters.ooapi.mbo_profile import mbo_profile
from gateway.adapters.standards import Standards
from gateway.mappings.ooapi_v5_mbo_in import canonical_id
from gateway.sync.mbo_offerings import restaff_offering_in
from gateway.sync.mbo_receiver import MboReceiver
from tests.integration.mbo_profile_support import (
    DATABASES,
    Receiver,
    association_doc,
    group_doc,
    member_doc,
    new_id,
    offering_doc,
    person_doc,
    running_receiver,
)

OFFERING = "/offerings/{offeringId}"
GROUPS, GROUP, MEMBERS = "/groups", "/groups/{groupId}", "/groups/{groupId}/members"


@pytest.fixture(scope="module", params=DATABASES)
def receiver(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
             standards: Standards) -> Iterator[Receiver]:
    with running_receiver(request, tmp_path_factory, standards) as running:
        yield running


def test_a_component_offering_is_a_timetable_activity(receiver: Receiver) -> None:
    oid = new_id()
    cursor = receiver.head()
    assert receiver.put(f"/offerings/{oid}", offering_doc(oid), client="planner"
                        ).status_code == 201
    (event,) = receiver.events_after(cursor)
    assert event.type == "nl.mbo.timetable.timetable-activity.upserted.v1"
    entity = event.data["entity"]
    assert (entity["activity_kind"], entity["status"], entity["rooms"]) == (
        "exam", "scheduled", ["A-22"])
    assert entity["start"] == "2026-06-21T12:45:00+02:00"
    assert receiver.valid(OFFERING, receiver.get(f"/offerings/{oid}")) == offering_doc(oid)
    cursor = receiver.head()
    assert receiver.put(f"/offerings/{oid}", offering_doc(oid)).status_code == 200
    assert receiver.events_after(cursor) == []


def _activity(receiver: Receiver, oid: str) -> dict[str, Any]:
    stored = receiver.gateway.store.get("roc-a", canonical_id("roc-a", "timetable-activity", oid))
    return dict(stored.state)


def _ids(kind: str, *refs: str) -> list[str]:
    return sorted(str(canonical_id("roc-a", kind, ref)) for ref in refs)


def test_an_offering_carries_its_groups_and_its_staff(receiver: Receiver,
                                                       standards: Standards) -> None:
    """Groups: the profile has no way to send them, so ``ext.groups`` (OOAPI's place for
    non-standard attributes); staff: the offering's associations with a staff role."""
    oid, gid, unknown = new_id(), new_id(), new_id()
    lecturer, invigilator, student, gone = (new_id() for _ in range(4))
    receiver.put(f"/groups/{gid}", group_doc(gid))
    for pid in (lecturer, invigilator, student, gone):
        receiver.put(f"/persons/{pid}", person_doc(pid))
    # a known group by id, one the gateway never saw as a Group object: both kept as ids
    doc = {**offering_doc(oid), "ext": {"groups": [gid, {"groupId": unknown}, gid]}}
    cursor = receiver.head()
    assert receiver.put(f"/offerings/{oid}", doc).status_code == 201
    (event,) = receiver.events_after(cursor)
    assert event.data["entity"]["group_ids"] == _ids("group", gid, unknown)
    assert event.data["entity"]["staff_ids"] == []
    assert receiver.valid(OFFERING, receiver.get(f"/offerings/{oid}")) == doc

    staffing = [(lecturer, "lecturer", "associated"), (invigilator, "invigilator", "associated"),
                (student, "student", "associated"), (gone, "lecturer", "canceled")]
    cursor = receiver.head()
    lecturer_aid = ""
    for pid, role, state in staffing:
        aid = new_id()
        lecturer_aid = lecturer_aid or aid
        reply = receiver.put(f"/associations/{aid}",
                             association_doc(aid, pid, oid, role=role, state=state))
        assert reply.status_code == 201, reply.text
    # the profile has associations after their offering: a staff association re-stores it
    staffed = [e for e in receiver.events_after(cursor)
               if e.type.startswith("nl.mbo.timetable.")]
    assert [e.data["entity"]["staff_ids"] for e in staffed] == [
        _ids("person", lecturer), _ids("person", lecturer, invigilator)]  # 1 event per change
    assert staffed[-1].data["entity"]["group_ids"] == _ids("group", gid, unknown)
    mbo = MboReceiver(receiver.gateway.store, mbo_profile(standards))
    cursor = receiver.head()
    written = mbo.in_transaction(lambda conn: restaff_offering_in(mbo, conn, "roc-a", oid))
    assert written is not None and not written.changed
    assert receiver.events_after(cursor) == []
    assert mbo.in_transaction(lambda conn: restaff_offering_in(
        mbo, conn, "roc-a", new_id())) is None
    # the lecturer's association is cancelled: the session loses them
    cancelled = association_doc(lecturer_aid, lecturer, oid, role="lecturer", state="canceled")
    assert receiver.put(f"/associations/{lecturer_aid}", cancelled).status_code == 200
    assert _activity(receiver, oid)["staff_ids"] == _ids("person", invigilator)

    # a PUT of the offering keeps both; another group list changes it
    cursor = receiver.head()
    assert receiver.put(f"/offerings/{oid}", doc).status_code == 200
    assert receiver.events_after(cursor) == []
    assert receiver.put(f"/offerings/{oid}", offering_doc(oid)).status_code == 200
    assert _activity(receiver, oid)["group_ids"] == []
    assert _activity(receiver, oid)["staff_ids"] == _ids("person", invigilator)


def test_groups_that_are_no_group_ids_are_refused_by_place(receiver: Receiver) -> None:
    oid = new_id()
    for groups, path in (([new_id(), "klas 1A"], "/ext/groups/1"),
                         ({"groupId": new_id()}, "/ext/groups")):
        reply = receiver.put(f"/offerings/{oid}", {**offering_doc(oid), "ext": {"groups": groups}})
        assert reply.status_code == 400, reply.text
        assert reply.json()["errors"][0]["path"] == path
    assert receiver.get(f"/offerings/{oid}").status_code == 404


def test_patch_cancels_the_session(receiver: Receiver) -> None:
    oid = new_id()
    receiver.put(f"/offerings/{oid}", offering_doc(oid))
    cursor = receiver.head()
    patch = {"offeringType": "component", "consumers": [
        {"consumerKey": "nl-test-admin", "offeringState": "canceled"}]}
    assert receiver.patch(f"/offerings/{oid}", patch).status_code == 200
    (event,) = receiver.events_after(cursor)
    assert event.data["entity"]["status"] == "cancelled"
    body = receiver.valid(OFFERING, receiver.get(f"/offerings/{oid}"))
    assert body == {**offering_doc(oid), "consumers": patch["consumers"]}  # RFC 7386
    assert receiver.patch(f"/offerings/{new_id()}", patch).status_code == 404


def test_a_patch_that_breaks_the_offering_is_refused(receiver: Receiver) -> None:
    oid = new_id()
    receiver.put(f"/offerings/{oid}", offering_doc(oid))
    reply = receiver.patch(f"/offerings/{oid}", {"name": None})  # name is required
    assert reply.status_code == 400
    assert reply.json()["errors"][0]["schema_path"].endswith("/required")
    assert receiver.get(f"/offerings/{oid}").json() == offering_doc(oid)


def test_an_offering_that_ends_before_it_starts_is_400(receiver: Receiver) -> None:
    oid = new_id()
    doc = offering_doc(oid, start="2026-06-21T13:45:00+02:00", end="2026-06-21T12:45:00+02:00")
    reply = receiver.put(f"/offerings/{oid}", doc)
    assert reply.status_code == 400, reply.text
    assert receiver.get(f"/offerings/{oid}").status_code == 404


def test_offerings_are_the_profile_s_component_offerings_only(receiver: Receiver) -> None:
    oid = new_id()
    doc = {**offering_doc(oid), "offeringType": "program"}
    del doc["startDateTime"]
    reply = receiver.put(f"/offerings/{oid}", doc)
    assert reply.status_code == 400
    assert "/startDateTime" not in {e["path"] for e in reply.json()["errors"]}  # root: required
    assert receiver.get(f"/offerings/{receiver.cohorts['roc-a'].id}").status_code == 404


def test_a_group_and_its_members(receiver: Receiver) -> None:
    gid = new_id()
    pids = sorted(new_id() for _ in range(3))
    for pid in pids:
        receiver.put(f"/persons/{pid}", person_doc(pid))
    cursor = receiver.head()
    assert receiver.put(f"/groups/{gid}", group_doc(gid)).status_code == 201
    for n, pid in enumerate(pids):
        reply = receiver.put(f"/groups/{gid}/members",
                             member_doc(pid, state="canceled" if n == 2 else "active",
                                        role="lecturer" if n == 1 else "student"))
        assert reply.status_code == 201, reply.text
    events = receiver.events_after(cursor)
    assert [e.type for e in events] == ["nl.mbo.timetable.group.upserted.v1"] + [
        "nl.mbo.timetable.membership.upserted.v1"] * 3
    assert events[0].data["entity"]["group_kind"] == "class"
    assert [e.data["entity"]["role"] for e in events[1:]] == ["student", "teacher", "student"]
    assert events[3].data["entity"]["state"] == "cancelled"
    assert events[1].data["entity"]["group_id"] == str(canonical_id("roc-a", "group", gid))
    group = receiver.valid(GROUP, receiver.get(f"/groups/{gid}"))
    assert group == {**group_doc(gid), "personCount": 2}
    members = receiver.valid(MEMBERS, receiver.get(f"/groups/{gid}/members"))
    assert [m["personId"] for m in members["items"]] == pids
    assert members["items"][1]["role"] == "lecturer"
    cursor = receiver.head()
    assert receiver.put(f"/groups/{gid}/members", member_doc(pids[0])).status_code == 200
    assert receiver.put(f"/groups/{gid}", group_doc(gid)).status_code == 200
    assert receiver.events_after(cursor) == []


def test_members_need_a_known_group_and_person(receiver: Receiver) -> None:
    gid, pid = new_id(), new_id()
    receiver.put(f"/persons/{pid}", person_doc(pid))
    assert receiver.put(f"/groups/{gid}/members", member_doc(pid)).status_code == 404
    receiver.put(f"/groups/{gid}", group_doc(gid))
    reply = receiver.put(f"/groups/{gid}/members", member_doc(new_id()))
    assert reply.status_code == 404
    assert reply.json()["errors"][0]["path"] == "/personId"
    bad = receiver.put(f"/groups/{gid}/members", {"personId": pid, "state": "gone"})
    assert bad.status_code == 400
    assert {e["path"] for e in bad.json()["errors"]} == {"", "/state"}
    empty = receiver.valid(MEMBERS, receiver.get(f"/groups/{new_id()}/members"))
    assert empty["items"] == []


def test_the_group_list_filters_sorts_and_pages(receiver: Receiver) -> None:
    tag = new_id()[:8]
    made = []
    for n, (kind, name) in enumerate([("class", "Zorg 1A"), ("learning group", "Rekenen 2"),
                                      ("class", "Techniek 3B")]):
        gid = new_id()
        receiver.put(f"/groups/{gid}", group_doc(gid, code=f"{tag}-{n}", kind=kind,
                                                   name=f"{name} {tag}"), client="sis")
        made.append(gid)
    listed = receiver.valid(GROUPS, receiver.get("/groups", q=tag, pageSize=250))
    assert [g["name"][0]["value"].split()[0] for g in listed["items"]] == [
        "Rekenen", "Techniek", "Zorg"]
    classes = receiver.valid(GROUPS, receiver.get("/groups", q=tag, groupType="class",
                                                  sort="-name"))
    assert [g["groupId"] for g in classes["items"]] == [made[0], made[2]]
    one = receiver.valid(GROUPS, receiver.get("/groups", primaryCode=f"{tag}-1"))
    assert [g["groupId"] for g in one["items"]] == [made[1]]
    paged = receiver.valid(GROUPS, receiver.get("/groups", q=tag, pageSize=10, pageNumber=2))
    assert paged["items"] == [] and paged["hasPreviousPage"] is True
    assert receiver.get("/groups", pageSize=7).status_code == 400
    assert receiver.get("/groups", q=tag, client="b").json()["items"] == []


def test_groups_are_flow_1_5_only(receiver: Receiver) -> None:
    gid = new_id()
    assert receiver.put(f"/groups/{gid}", group_doc(gid), client="planner").status_code == 403
    assert receiver.get("/groups", client="planner").status_code == 403
    assert receiver.get("/groups", client=None).status_code == 401
    assert receiver.get(f"/groups/{gid}").status_code == 404


def test_unknown_paths_and_methods_answer_with_the_profile_s_error(receiver: Receiver) -> None:
    reply = receiver.call("DELETE", f"/groups/{new_id()}")
    assert reply.status_code == 405
    assert set(reply.headers["allow"].split(", ")) == {"GET", "PUT"}
    assert reply.json()["status"] == "405"
    assert receiver.get("/programs").status_code == 404
    assert receiver.get("/groups/not-a-uuid").status_code == 400
