"""The flows of issue 4, as the leak test runs them against the world (:mod:`.leak_world`).

Each flow checks the status of every request it makes, so the test cannot pass because
a flow silently did nothing.
"""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from gateway.domain import Cohort
from gateway.sync.intake_applications import IntakeApplications
from gateway.sync.intake_forwarding import IntakeForwarding
from gateway.sync.ooapi_enrolment import run_enrolment_sync
from simulators.ooapi_sis.push import push_to
from tests.e2e.leak_persons import EVERTDINA, WENDELIEN, YSBRAND, quirine_doc
from tests.e2e.leak_world import TENANT, World, new_id
from tests.integration.mbo_profile_support import (
    association_doc,
    group_doc,
    member_doc,
    offering_doc,
    person_doc,
)

__all__ = ["break_one_person", "expect", "forward_and_decide", "intake", "pull",
           "push_from_the_sis", "push_our_own", "read_and_erase", "refused_pushes"]

def expect(reply: Any, *statuses: int) -> Any:
    """``reply`` after checking its status (the body is in the message otherwise)."""
    assert reply.status_code in statuses, (reply.request.method, reply.request.url.path,
                                           reply.status_code, reply.text)
    return reply


def push_from_the_sis(world: World) -> None:
    report = push_to(world.sis.school, f"{world.base}/ooapi/v5-mbo",
                     f"{world.base}/oauth/token", "sis-push", world.secrets["sis-push"],
                     concurrency=4, students=12,
                     association_types=("programOfferingAssociation",))
    assert report.ok, report.failures[:3]


def push_our_own(world: World, cohort: Cohort) -> str:
    """Quirine with an exam session, associations, a klas; returns her profile id."""
    pid, oid, gid = new_id(), new_id(), new_id()
    exam, enrolment = new_id(), new_id()
    expect(world.mbo("sis-push", "PUT", f"/persons/{pid}", quirine_doc(pid)), 201)
    expect(world.mbo("sis-push", "PUT", f"/persons/{pid}", quirine_doc(pid)), 200)
    expect(world.mbo("sis-push", "PUT", f"/persons/{pid}", quirine_doc(pid, moved=True)), 200)
    expect(world.mbo("planner", "PUT", f"/offerings/{oid}", offering_doc(oid)), 201)
    exam_doc = association_doc(exam, pid, oid)
    expect(world.mbo("planner", "PUT", f"/associations/{exam}", exam_doc), 201)
    expect(world.mbo("planner", "PUT", f"/associations/{exam}",
                     {**exam_doc, "state": "canceled"}), 200)
    expect(world.mbo("planner", "PUT", f"/associations/{exam}",  # the machine refuses it
                     {**exam_doc, "state": "associated"}), 409)
    programme = association_doc(enrolment, pid, str(cohort.id),
                                kind="programOfferingAssociation", state="pending", needs=())
    expect(world.mbo("sis-push", "PUT", f"/associations/{enrolment}", programme), 201)
    expect(world.mbo("sis-push", "PATCH", f"/associations/{enrolment}",
                     {"state": "associated"}), 200)
    expect(world.mbo("sis-push", "PUT", f"/groups/{gid}", group_doc(gid)), 201)
    expect(world.mbo("sis-push", "PUT", f"/groups/{gid}/members", member_doc(pid)), 201)
    expect(world.mbo("sis-push", "GET", f"/persons/{pid}"), 200)
    expect(world.mbo("planner", "GET", f"/persons/{pid}/associations"), 200)
    return pid


def refused_pushes(world: World) -> None:
    """Bodies full of personal data that the receiving side refuses."""
    w, pid = WENDELIEN, new_id()
    bad = person_doc(pid, given=w["given"], family=w["family"], mail=w["mail"],
                     dateOfBirth=int(w["born"].strftime("%Y%m%d")),
                     mobileNumber=[w["phone"]], displayName={"text": w["given"]},
                     hobby=f"{w['given']} {w['family']}")
    expect(world.mbo("sis-push", "PUT", f"/persons/{pid}", bad), 400)
    expect(world.mbo("sis-push", "PUT", f"/persons/{pid}", json.dumps(bad).encode()[:-20]),
           400)
    expect(world.mbo(None, "PUT", f"/persons/{pid}", bad), 401)
    expect(world.mbo("timetable", "PUT", f"/persons/{pid}", bad), 403)
    ghost = association_doc(new_id(), pid, new_id())
    ghost["consumers"][0]["personalNeeds"] = [f"{w['given']} {w['family']} dyslexie"]
    expect(world.mbo("sis-push", "PUT", f"/associations/{ghost['associationId']}", ghost),
           400, 404)


def break_one_person(world: World, number: int) -> str:
    """The SIS serves person ``number`` with Evertdina's data and an invalid birth date."""
    school = world.sis.school
    ident = school.person_id(number)
    e = EVERTDINA

    def change(path: str, doc: dict[str, Any]) -> None:
        for item in [doc, *doc.get("items", [])]:
            if isinstance(item, dict) and item.get("personId") == ident:
                item.update(givenName=e["given"], surname=e["family"], mail=e["mail"],
                            displayName=f"{e['given']} {e['family']}",
                            dateOfBirth=int(e["born"].strftime("%Y%m%d")))
    world.sis.change = change
    return ident


def pull(world: World, *, full: bool) -> None:
    report = run_enrolment_sync(world.gateway, TENANT, "sis", full=full)
    assert report.fetched > 0


def intake(world: World, cohort: Cohort, known: UUID) -> tuple[str, str]:
    """A new applicant and a known person apply; refused requests around them."""
    y = YSBRAND
    applicant = {"givenName": y["given"], "familyName": y["family"],
                 "birthDate": y["born"].isoformat(), "email": y["mail"],
                 "streetAddress": y["street"], "postalCode": y["postal"],
                 "locality": y["city"], "country": "NL"}
    body = {"cohortId": str(cohort.id), "person": applicant, "motivation": y["motivation"]}

    def post(payload: Any, key: str | None, client: str = "intake") -> Any:
        headers = {"Idempotency-Key": f'"{key}"'} if key else {}
        return world.call(client, "POST", "/intake/v1/applications", json=payload,
                          headers=headers)

    first = expect(post(body, "leak-1"), 201)
    replay = expect(post(body, "leak-1"), 201)
    assert replay.json() == first.json()
    expect(post({**body, "motivation": "anders"}, "leak-1"), 422)
    broken = {**body, "person": {**applicant, "email": f"{y['given']} at {y['family']}",
                                 "birthDate": y["born"].strftime("%d-%m-%Y")}}
    expect(post(broken, "leak-2"), 422)
    expect(post({**body, "cohortId": new_id()}, "leak-3"), 422)
    expect(post(body, None), 400)
    expect(post(body, "leak-4", client="timetable"), 403)
    second = expect(post({"cohortId": str(cohort.id), "person": {"personId": str(known)}},
                         "leak-5"), 201)
    new_app, known_app = first.json()["applicationId"], second.json()["applicationId"]
    expect(world.call("intake", "GET", f"/intake/v1/applications/{new_app}"), 200)
    return new_app, known_app


def forward_and_decide(world: World, accepted: str, rejected: str) -> None:
    forwarding = IntakeForwarding(world.gateway, TENANT, standards=world.standards)
    assert forwarding.run_until_idle().forwarded == 2
    world.sis.mutate(accept=accepted, reject=rejected)
    pull(world, full=False)
    intake_use_case = IntakeApplications(world.gateway)
    with world.sis.client() as sis:
        for ident in (accepted, rejected):
            state = sis.get(f"/associations/{ident}").json()["state"]
            intake_use_case.apply_association_state(TENANT, UUID(ident), state)
    expect(world.call("intake", "POST", f"/intake/v1/applications/{rejected}/withdraw",
                      headers={"Idempotency-Key": '"leak-w1"'}), 409)
    expect(world.call("intake", "POST", f"/intake/v1/applications/{accepted}/withdraw",
                      headers={"Idempotency-Key": '"leak-w2"'}), 200)
    assert forwarding.run_until_idle().forwarded == 1


def read_and_erase(world: World, persons: list[UUID], quarantined: UUID) -> str:
    """Reads (allowed, refused, unknown), the audit log, erasures; returns a read body."""
    path = "/api/v1/persons/{}/personal-data"
    control = expect(world.call("lms", "GET", path.format(persons[0])), 200)
    expect(world.call("lms", "GET", path.format(persons[1])), 200)
    expect(world.call("timetable", "GET", path.format(persons[0])), 403)
    expect(world.call("lms", "GET", path.format(new_id())), 404)
    for person in (*persons, quarantined):
        expect(world.call("operator", "DELETE", path.format(person)), 204)
    expect(world.call("lms", "GET", path.format(persons[0])), 404)
    expect(world.call("lms", "DELETE", path.format(persons[1])), 403)
    audit = expect(world.call("operator", "GET", "/api/v1/audit", params={"limit": 1000}), 200)
    ours = [e for e in audit.json()["entries"] if e["clientId"] in {"lms", "timetable",
                                                                      "operator"}]
    # 4 reads, 3 erasures, 2 after; no "SIS's copy of the applicant" erased along any
    # more: the forwarded applicant comes back from the SIS as the same Person
    assert len(ours) == 9
    assert not any(e["personId"] not in {str(p) for p in (*persons, quarantined)}
                   for e in ours if e["action"] == "erase"), ours
    return str(control.text)
