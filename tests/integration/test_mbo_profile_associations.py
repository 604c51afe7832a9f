"""``/ooapi/v5-mbo/associations/{associationId}`` and the association lists over HTTP.

On SQLite and PostgreSQL: component associations (exam registrations) and a student's
programme association (the enrolment), their events on the enrolment topic, state
changes through the enrolment state machine (a refused one is 409 and changes nothing),
PATCH as a merge patch, the lists of a person and of an offering, all valid against the
profile; references must resolve; the flow scopes and tenants are kept apart.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from gateway.adapters.standards import Standards
from gateway.mappings.ooapi_v5_mbo_in import canonical_id
from gateway.store.audit import AuditLog
from gateway.store.persons import PersonStore
from tests.integration.mbo_profile_support import (
    DATABASES,
    Receiver,
    association_doc,
    new_id,
    offering_doc,
    person_doc,
    running_receiver,
)

PATH = "/associations/{associationId}"
BY_PERSON = "/persons/{personId}/associations"
BY_OFFERING = "/offerings/{offeringId}/associations"


@pytest.fixture(scope="module", params=DATABASES)
def receiver(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
             standards: Standards) -> Iterator[Receiver]:
    with running_receiver(request, tmp_path_factory, standards) as running:
        yield running


def _session(receiver: Receiver, tenant_client: str = "sis") -> tuple[str, str]:
    """A new person and a new component offering (an exam session)."""
    pid, oid = new_id(), new_id()
    assert receiver.put(f"/persons/{pid}", person_doc(pid), client=tenant_client
                        ).status_code == 201
    assert receiver.put(f"/offerings/{oid}", offering_doc(oid), client=tenant_client
                        ).status_code == 201
    return pid, oid


def _registered(receiver: Receiver, **over: Any) -> tuple[str, dict[str, Any]]:
    pid, oid = _session(receiver)
    aid = new_id()
    doc = association_doc(aid, pid, oid, **over)
    assert receiver.put(f"/associations/{aid}", doc).status_code == 201
    return aid, doc


def _state(receiver: Receiver, aid: str, kind: str = "participation") -> str:
    stored = receiver.gateway.store.get("roc-a", canonical_id("roc-a", kind, aid))
    return str(stored.state["state"])


def test_a_component_association_round_trips_and_is_an_event(receiver: Receiver) -> None:
    pid, oid = _session(receiver)
    aid = new_id()
    cursor = receiver.head()
    doc = association_doc(aid, pid, oid)
    reply = receiver.put(f"/associations/{aid}", doc, client="planner")
    assert reply.status_code == 201, reply.text
    (event,) = receiver.events_after(cursor)
    assert event.type == "nl.mbo.enrolment.participation.upserted.v1"
    assert event.topic.endswith(".roc-a.enrolment")
    entity = event.data["entity"]
    assert (entity["offering_kind"], entity["state"], entity["role"]) == (
        "component", "enrolled", "student")
    assert entity["person_id"] == str(canonical_id("roc-a", "person", pid))
    assert "extraTime" not in json.dumps(event.data)  # personal needs stay in the store
    assert receiver.valid(PATH, receiver.get(f"/associations/{aid}")) == doc


def test_a_repeated_put_emits_nothing(receiver: Receiver) -> None:
    aid, doc = _registered(receiver)
    cursor = receiver.head()
    assert receiver.put(f"/associations/{aid}", doc).status_code == 200
    assert receiver.events_after(cursor) == []


def test_a_programme_association_is_the_enrolment(receiver: Receiver) -> None:
    pid = new_id()
    receiver.put(f"/persons/{pid}", person_doc(pid))
    cohort = receiver.cohorts["roc-a"]
    aid = new_id()
    doc = association_doc(aid, pid, str(cohort.id), kind="programOfferingAssociation",
                          state="pending", needs=())
    cursor = receiver.head()
    assert receiver.put(f"/associations/{aid}", doc).status_code == 201
    (event,) = receiver.events_after(cursor)
    assert event.type == "nl.mbo.enrolment.enrolment.upserted.v1"
    entity = event.data["entity"]
    # pending is undecided: in review (the SIS may still deny it), no longer "accepted"
    assert (entity["state"], entity["cohort_id"], entity["offering_id"], entity["start_date"]
            ) == ("in_review", str(cohort.id), str(cohort.offering_id), "2026-09-01")
    reply = receiver.patch(f"/associations/{aid}", {"state": "associated"})
    assert receiver.valid(PATH, reply, "patch")["state"] == "associated"
    assert _state(receiver, aid, "enrolment") == "enrolled"
    listed = receiver.valid(BY_PERSON, receiver.get(f"/persons/{pid}/associations"))
    (item,) = listed["items"]
    assert item["offering"]["offeringId"] == str(cohort.id)  # in full, as the profile wants
    assert item["offering"]["offeringType"] == "program"
    by_cohort = receiver.valid(BY_OFFERING, receiver.get(f"/offerings/{cohort.id}/associations"))
    assert [i["associationId"] for i in by_cohort["items"]] == [aid]


def _programme(receiver: Receiver, state: str) -> tuple[str, dict[str, Any]]:
    """A student's programme association (an enrolment) in ``state``."""
    pid = new_id()
    receiver.put(f"/persons/{pid}", person_doc(pid))
    aid = new_id()
    doc = association_doc(aid, pid, str(receiver.cohorts["roc-a"].id),
                          kind="programOfferingAssociation", state=state, needs=())
    assert receiver.put(f"/associations/{aid}", doc).status_code == 201
    return aid, doc


@pytest.mark.parametrize(("path", "canonical"), [
    (["pending", "denied"], ["in_review", "rejected"]),  # refused when pending was accepted
    (["queued", "pending", "denied"], ["in_review", "in_review", "rejected"]),
    (["pending", "canceled"], ["in_review", "withdrawn"]),
    (["pending", "associated", "canceled"], ["in_review", "enrolled", "ended"]),
    (["pending", "associated", "finished"], ["in_review", "enrolled", "ended"]),
])
def test_an_sis_lifecycle_of_an_enrolment_is_accepted(
    receiver: Receiver, path: list[str], canonical: list[str]
) -> None:
    aid, doc = _programme(receiver, path[0])
    seen = [_state(receiver, aid, "enrolment")]
    for state in path[1:]:
        reply = receiver.patch(f"/associations/{aid}", {"state": state})
        assert receiver.valid(PATH, reply, "patch")["state"] == state
        seen.append(_state(receiver, aid, "enrolment"))
    assert seen == canonical


def test_a_denied_enrolment_stays_denied(receiver: Receiver) -> None:
    aid, doc = _programme(receiver, "pending")
    assert receiver.patch(f"/associations/{aid}", {"state": "denied"}).status_code == 200
    before, cursor = receiver.get(f"/associations/{aid}").json(), receiver.head()
    reply = receiver.put(f"/associations/{aid}", {**doc, "state": "associated"})
    assert reply.status_code == 409, reply.text
    body = reply.json()
    assert (body["from"], body["toAssociationState"]) == ("rejected", "associated")
    assert "denied -> associated is not allowed" in body["detail"]
    assert receiver.events_after(cursor) == []
    assert receiver.get(f"/associations/{aid}").json() == before
    assert _state(receiver, aid, "enrolment") == "rejected"


def test_the_association_start_date_wins_over_the_cohort_start(receiver: Receiver) -> None:
    pid = new_id()
    receiver.put(f"/persons/{pid}", person_doc(pid))
    cohort = receiver.cohorts["roc-a"]
    aid = new_id()
    doc = association_doc(aid, pid, str(cohort.id), kind="programOfferingAssociation",
                          start="2026-09-03")
    assert receiver.put(f"/associations/{aid}", doc).status_code == 201
    entity = receiver.gateway.store.get("roc-a", canonical_id("roc-a", "enrolment", aid))
    assert entity.state["start_date"] == "2026-09-03"


def test_a_cohort_is_found_by_its_source_id_too(receiver: Receiver) -> None:
    pid = new_id()
    receiver.put(f"/persons/{pid}", person_doc(pid))
    cohort = receiver.cohorts["roc-a"]
    aid = new_id()
    doc = association_doc(aid, pid, cohort.source.id, kind="programOfferingAssociation")
    reply = receiver.put(f"/associations/{aid}", doc)
    assert reply.status_code == 201, reply.text
    entity = receiver.gateway.store.get("roc-a", canonical_id("roc-a", "enrolment", aid))
    assert entity.state["cohort_id"] == str(cohort.id)


@pytest.mark.parametrize(("path", "target", "canonical"), [
    (["canceled"], "canceled", "ended"),
    (["finished"], "finished", "ended"),
    (["canceled", "associated"], None, None),
    (["finished", "pending"], None, None),
])
def test_state_changes_go_through_the_machine(
    receiver: Receiver, path: list[str], target: str | None, canonical: str | None
) -> None:
    aid, doc = _registered(receiver)
    for state in path[:-1]:
        assert receiver.put(f"/associations/{aid}", {**doc, "state": state}).status_code == 200
    before = receiver.get(f"/associations/{aid}").json()
    stored_before = _state(receiver, aid)
    cursor = receiver.head()
    reply = receiver.put(f"/associations/{aid}", {**doc, "state": path[-1]})
    if target is None:
        assert reply.status_code == 409, reply.text
        body = reply.json()
        assert body["status"] == "409"
        assert body["from"] == stored_before and body["toAssociationState"] == path[-1]
        assert isinstance(body["allowed"], list)
        assert receiver.events_after(cursor) == []
        assert receiver.get(f"/associations/{aid}").json() == before
        assert _state(receiver, aid) == stored_before
    else:
        assert reply.status_code == 200
        assert receiver.get(f"/associations/{aid}").json()["state"] == target
        assert _state(receiver, aid) == canonical
        (event,) = receiver.events_after(cursor)
        assert event.data["changedFields"] == ["state"]


def test_cancelling_before_enrolment_is_a_withdrawal(receiver: Receiver) -> None:
    aid, doc = _registered(receiver, state="queued")
    assert _state(receiver, aid) == "in_review"
    assert receiver.patch(f"/associations/{aid}", {"remoteState": "canceled"}).status_code \
        == 200
    assert _state(receiver, aid) == "withdrawn"
    body = receiver.valid(PATH, receiver.get(f"/associations/{aid}"))
    assert body["state"] == "canceled" and "remoteState" not in body
    assert receiver.put(f"/associations/{aid}", {**doc, "state": "canceled"}
                        ).status_code == 200  # the same state again: nothing to refuse


def test_a_waiting_list_place_can_become_an_enrolment(receiver: Receiver) -> None:
    aid, doc = _registered(receiver, state="queued")
    assert receiver.put(f"/associations/{aid}", {**doc, "state": "associated"}
                        ).status_code == 200
    assert _state(receiver, aid) == "enrolled"  # in review -> accepted -> enrolled


def test_patch_merges_results_and_answers_as_the_profile_says(receiver: Receiver) -> None:
    aid, doc = _registered(receiver)
    patch = {"associationType": "componentOfferingAssociation", "result": {
        "state": "completed", "pass": "passed", "score": "8", "resultDate": "2026-06-21",
        "weight": 100, "consumers": [{"consumerKey": "nl-test-admin",
                                      "attendance": "present"}]}}
    reply = receiver.patch(f"/associations/{aid}", patch)
    body = receiver.valid(PATH, reply, "patch")
    assert body["associationId"] == aid and body["state"] == "associated"
    stored = receiver.valid(PATH, receiver.get(f"/associations/{aid}"))
    assert stored == {**doc, "result": patch["result"]}
    assert receiver.patch(f"/associations/{new_id()}", {"state": "canceled"}
                          ).status_code == 404


def test_a_bad_patch_is_located_and_changes_nothing(receiver: Receiver) -> None:
    aid, doc = _registered(receiver)
    reply = receiver.patch(f"/associations/{aid}", {"state": "gone", "role": "boss"})
    assert reply.status_code == 400
    assert {e["path"] for e in reply.json()["errors"]} == {"/state", "/role"}
    assert receiver.get(f"/associations/{aid}").json() == doc


def test_references_must_resolve(receiver: Receiver) -> None:
    pid, oid = _session(receiver)
    cases = {"/person": association_doc(new_id(), new_id(), oid),
             "/offering": association_doc(new_id(), pid, new_id())}
    for where, doc in cases.items():
        reply = receiver.put(f"/associations/{doc['associationId']}", doc)
        assert reply.status_code == 404, reply.text
        assert reply.json()["errors"][0]["path"] == where


def test_an_association_cannot_change_its_kind(receiver: Receiver) -> None:
    aid, doc = _registered(receiver)
    reply = receiver.put(f"/associations/{aid}", {
        **doc, "associationType": "programOfferingAssociation",
        "offering": str(receiver.cohorts["roc-a"].id)})
    assert reply.status_code == 409
    assert receiver.get(f"/associations/{aid}").json() == doc


def test_an_offering_in_full_is_stored_with_the_association(receiver: Receiver) -> None:
    pid, _ = _session(receiver)
    oid, aid = new_id(), new_id()
    doc = association_doc(aid, pid, oid)
    doc["offering"] = offering_doc(oid)
    assert receiver.put(f"/associations/{aid}", doc).status_code == 201
    assert receiver.get(f"/offerings/{oid}").json() == offering_doc(oid)
    assert receiver.get(f"/associations/{aid}").json()["offering"] == oid
    expanded = receiver.valid(PATH, receiver.get(f"/associations/{aid}", expand="offering"))
    assert expanded["offering"] == offering_doc(oid)


def test_expanding_the_person_needs_the_persons_scope(receiver: Receiver) -> None:
    aid, doc = _registered(receiver)
    full = receiver.valid(PATH, receiver.get(f"/associations/{aid}", expand="person"))
    assert full["person"]["personId"] == doc["person"]
    assert receiver.get(f"/associations/{aid}", client="planner", expand="person"
                        ).status_code == 403
    assert receiver.get(f"/associations/{aid}", client="planner").status_code == 200
    assert receiver.get(f"/associations/{aid}", expand="nothing").status_code == 400


def test_the_lists_of_a_person_and_an_offering(receiver: Receiver) -> None:
    pid, oid = _session(receiver)
    ids = sorted(new_id() for _ in range(3))
    for n, aid in enumerate(ids):
        state = "associated" if n else "queued"
        receiver.put(f"/associations/{aid}", association_doc(aid, pid, oid, state=state))
    mine = receiver.valid(BY_PERSON, receiver.get(f"/persons/{pid}/associations",
                                                  client="planner", sort="-associationId"))
    assert [i["associationId"] for i in mine["items"]] == ids[::-1]
    assert all(i["offering"]["offeringId"] == oid for i in mine["items"])
    page = receiver.valid(BY_OFFERING, receiver.get(f"/offerings/{oid}/associations",
                                                    state="associated"))
    assert [i["associationId"] for i in page["items"]] == ids[1:]
    assert all(i["person"] == pid for i in page["items"])
    typed = receiver.get(f"/persons/{pid}/associations", associationType="programOffering")
    assert receiver.valid(BY_PERSON, typed)["items"] == []
    assert receiver.get(f"/persons/{pid}/associations", state="lost").status_code == 400
    assert receiver.get(f"/persons/{new_id()}/associations").status_code == 404
    assert receiver.get(f"/offerings/{new_id()}/associations").status_code == 404


def test_tenants_and_scopes_are_kept_apart(receiver: Receiver) -> None:
    aid, doc = _registered(receiver)
    assert receiver.get(f"/associations/{aid}", client="b").status_code == 404
    assert receiver.put(f"/associations/{aid}", doc, client="b").status_code == 404
    assert receiver.get(f"/associations/{aid}", client="other").status_code == 403
    assert receiver.get(f"/associations/{aid}", client=None).status_code == 401
    assert receiver.get(f"/associations/{aid}").json() == doc


def test_erasing_the_person_strips_the_association(receiver: Receiver) -> None:
    aid, doc = _registered(receiver)
    PersonStore(receiver.gateway.store).erase(
        "roc-a", canonical_id("roc-a", "person", doc["person"]))
    body = receiver.valid(PATH, receiver.get(f"/associations/{aid}"))
    assert "consumers" not in body and body["person"] == doc["person"]
    assert "extraTime" not in receiver.get(f"/offerings/{doc['offering']}/associations").text


def test_no_event_holds_personal_data(receiver: Receiver) -> None:
    aid, doc = _registered(receiver, needs=("spell-checker-on-screen",))
    receiver.patch(f"/associations/{aid}", {"result": {
        "state": "completed", "score": "7.5", "comment": "Goed gedaan", "resultDate":
        "2026-06-21", "weight": 100}})
    events = receiver.events_after(0) + receiver.events_after(0, "roc-b")
    text = " ".join(f"{e.subject} {e.data}" for e in events)
    for word in ("Maartje", "Damme", "student.roc-a.nl", "2007-03-14", "Dorpsstraat",
                 "spell-checker", "extraTime", "Goed gedaan", "7.5"):
        assert word not in text, word


def _at_once(receiver: Receiver, calls: list[tuple[str, dict[str, Any]]]) -> list[int]:
    """PUT each (path, body) from its own thread and connection, all released together."""
    barrier = threading.Barrier(len(calls))
    statuses: list[int] = [0] * len(calls)

    def put(n: int, path: str, body: dict[str, Any]) -> None:
        with httpx.Client(timeout=60) as http:
            barrier.wait()
            statuses[n] = http.put(f"{receiver.base}{path}", json=body, headers={
                "Authorization": f"Bearer {receiver.tokens['sis']}"}).status_code

    threads = [threading.Thread(target=put, args=(n, *call)) for n, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def test_racing_state_changes_cannot_both_win(receiver: Receiver) -> None:
    """From in review, ``denied`` and ``associated`` are each allowed, but not one after
    the other: whichever commits first, the other is refused against its result."""
    for _ in range(3):
        aid, doc = _registered(receiver, state="queued")
        cursor = receiver.head()
        statuses = _at_once(receiver, [(f"/associations/{aid}", {**doc, "state": "denied"}),
                                       (f"/associations/{aid}", {**doc, "state": "associated"})])
        assert sorted(statuses) == [200, 409]
        won = "denied" if statuses[0] == 200 else "associated"
        assert receiver.get(f"/associations/{aid}").json()["state"] == won
        assert _state(receiver, aid) == ("rejected" if won == "denied" else "enrolled")
        assert len(receiver.events_after(cursor)) == 1


def test_the_same_new_association_put_at_once_is_created_once(receiver: Receiver) -> None:
    pid, oid = _session(receiver)
    aid = new_id()
    doc = association_doc(aid, pid, oid)
    cursor = receiver.head()
    statuses = _at_once(receiver, [(f"/associations/{aid}", doc)] * 4)
    assert sorted(statuses) == [200, 200, 200, 201]
    assert len(receiver.events_after(cursor)) == 1


def test_expanding_the_person_is_an_audited_read(receiver: Receiver) -> None:
    aid, doc = _registered(receiver, needs=())
    doc["consumers"][0].pop("additionalTimeInMin")
    assert receiver.put(f"/associations/{aid}", doc).status_code == 200
    ident = canonical_id("roc-a", "person", doc["person"])
    audit = AuditLog(receiver.gateway.engine)
    plain = receiver.get(f"/associations/{aid}")
    assert audit.list("roc-a", person=ident) == []  # no needs, no person: nothing personal
    assert "no-store" not in plain.headers.get("cache-control", "")
    receiver.get(f"/associations/{aid}", expand="person")
    (entry,) = audit.list("roc-a", person=ident)
    assert entry.outcome.value == "granted" and "givenName" in entry.fields


NEEDS = ("consumers.additionalTimeInMin", "consumers.personalNeeds")


def test_a_students_needs_are_an_audited_read_wherever_they_are_served(
    receiver: Receiver,
) -> None:
    """Extra time and personal needs are about health or disability: every association
    read that returns them is audited for its person, and no cache keeps the response."""
    pid, oid = _session(receiver)
    other_pid, _ = _session(receiver)
    mine, theirs = new_id(), new_id()
    receiver.put(f"/associations/{mine}", association_doc(mine, pid, oid))
    receiver.put(f"/associations/{theirs}", association_doc(theirs, other_pid, oid))
    audit = AuditLog(receiver.gateway.engine)
    ident, other = (canonical_id("roc-a", "person", p) for p in (pid, other_pid))

    one = receiver.get(f"/associations/{mine}", client="planner")
    assert "extraTime" in one.text and one.headers["cache-control"] == "no-store"
    [entry] = audit.list("roc-a", person=ident)
    assert (entry.client_id, entry.fields) == ("mbo-planner", NEEDS)

    listed = receiver.get(f"/persons/{pid}/associations", client="planner")
    assert "extraTime" in listed.text and listed.headers["cache-control"] == "no-store"
    assert [e.fields for e in audit.list("roc-a", person=ident)] == [NEEDS, NEEDS]

    both = receiver.get(f"/offerings/{oid}/associations", client="planner")
    assert both.headers["cache-control"] == "no-store"
    assert len(audit.list("roc-a", person=ident)) == 3
    assert [e.fields for e in audit.list("roc-a", person=other)] == [NEEDS]
