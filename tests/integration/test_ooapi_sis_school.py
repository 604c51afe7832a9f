"""The simulated SIS's population over real loopback HTTP: paging, validity, errors, pushes."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from gateway.adapters.ooapi import OoapiSchemas, ooapi_schemas
from gateway.adapters.ooapi.association_checks import AssociationChecks
from gateway.adapters.ooapi.mbo_profile import mbo_profile
from gateway.adapters.standards import Standards
from simulators.ooapi_sis.population import APPLICATION, PROGRAMME
from tests.integration.sis_school import SchoolSis, serving_school

STUDENTS = 400


@pytest.fixture(scope="module")
def sis(standards: Standards) -> Iterator[SchoolSis]:
    with serving_school(standards, students=STUDENTS, offerings=16, seed=8) as served:
        yield served


@pytest.fixture(scope="module")
def schemas(standards: Standards) -> OoapiSchemas:
    return ooapi_schemas(standards)


@pytest.fixture
def client(sis: SchoolSis) -> Iterator[httpx.Client]:
    with sis.client() as authed:
        yield authed


def all_pages(client: httpx.Client, path: str, size: int = 250,
              **params: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    pages, items, number = [], [], 1
    while True:
        reply = client.get(path, params={"pageSize": size, "pageNumber": number, **params})
        assert reply.status_code == 200, reply.text
        pages.append(reply.json())
        items += reply.json()["items"]
        if not reply.json()["hasNextPage"]:
            return pages, items
        number += 1


def test_the_population_endpoints_need_a_bearer_token(sis: SchoolSis) -> None:
    person = sis.school.person_id(0)
    with httpx.Client(base_url=sis.url, timeout=10) as anonymous:
        for path in ("/persons", f"/persons/{person}", f"/persons/{person}/associations",
                     "/groups", f"/offerings/{sis.school.running[0]}/associations"):
            reply = anonymous.get(path)
            assert reply.status_code == 401 and reply.headers["WWW-Authenticate"]
            assert reply.json()["status"] == "401"
        assert anonymous.put(f"/persons/{person}", json={}).status_code == 401


def test_persons_page_completely_in_order_and_are_officially_valid(
    client: httpx.Client, sis: SchoolSis, schemas: OoapiSchemas,
) -> None:
    pages, persons = all_pages(client, "/persons", 100)
    school = sis.school
    assert len(persons) == school.persons == STUDENTS + STUDENTS // 25
    assert [p["personId"] for p in persons] == sorted(p["personId"] for p in persons)
    assert len(pages) == pages[0]["totalPages"] == -(-school.persons // 100)
    for page in pages:
        assert schemas.validate_response("/persons", "get", 200, page) == []
    _, backwards = all_pages(client, "/persons", 250, sort="-personId")
    assert backwards == persons[::-1]
    _, staff = all_pages(client, "/persons", 50, affiliations="employee")
    assert {p["affiliations"][0] for p in staff} == {"employee"} and len(staff) == school.staff
    _, by_name = all_pages(client, "/persons", 250, sort="surName,givenName")
    keys = [(p["surname"].casefold(), p["givenName"].casefold()) for p in by_name]
    assert keys == sorted(keys) and len(by_name) == school.persons
    wanted = persons[5]["primaryCode"]["code"]
    _, found = all_pages(client, "/persons", 10, q=wanted)
    assert [p["personId"] for p in found] == [persons[5]["personId"]]
    one = client.get(f"/persons/{persons[5]['personId']}")
    assert one.json() == persons[5]
    assert schemas.validate_response("/persons/{personId}", "get", 200, one.json()) == []


def test_associations_by_person_and_by_offering_are_the_same_and_valid(
    client: httpx.Client, sis: SchoolSis, schemas: OoapiSchemas,
) -> None:
    checks = AssociationChecks(schemas)
    school = sis.school
    by_person: dict[str, tuple[str, str]] = {}
    for n in range(0, STUDENTS, 7):
        person = school.person_id(n)
        pages, items = all_pages(client, f"/persons/{person}/associations", 10)
        for page in pages:
            assert schemas.validate_response("/persons/{personId}/associations", "get", 200,
                                             page) == []
        for item in items:
            assert checks.under_person(item) == []
            by_person[item["associationId"]] = (person, item["offering"]["offeringId"])
    assert len(by_person) > STUDENTS / 7
    by_offering: dict[str, tuple[str, str]] = {}
    for offering in {o for _, o in by_person.values()}:
        _, items = all_pages(client, f"/offerings/{offering}/associations", 20)
        for item in items:
            assert checks.under_offering(item) == []
            by_offering[item["associationId"]] = (item["person"]["personId"], offering)
    assert by_person.items() <= by_offering.items()
    some = next(iter(by_person))
    single = client.get(f"/associations/{some}").json()
    assert checks.on_its_own(single) == []
    assert (single["person"], single["offering"]) == by_person[some]
    applications = client.get(f"/offerings/{school.upcoming[0]}/associations",
                              params={"state": "pending", "associationType":
                                      "programOffering"}).json()["items"]
    assert all(i["state"] == "pending" for i in applications)


def test_groups_and_members_page_and_are_valid(
    client: httpx.Client, sis: SchoolSis, schemas: OoapiSchemas, standards: Standards,
) -> None:
    pages, groups = all_pages(client, "/groups", 20)
    assert len(groups) == len(sis.school.groups)
    for page in pages:
        assert schemas.validate_response("/groups", "get", 200, page) == []
    names = [g["name"][0]["value"].casefold() for g in groups]
    assert names == sorted(names)
    profile = mbo_profile(standards)
    seen: set[str] = set()
    for group in groups[:12]:
        single = client.get(f"/groups/{group['groupId']}").json()
        assert single == group
        assert schemas.validate_response("/groups/{groupId}", "get", 200, single) == []
        member_pages, members = all_pages(client, f"/groups/{group['groupId']}/members", 10)
        for page in member_pages:
            assert profile.validate_response("/groups/{groupId}/members", "get", 200,
                                             page) == []
        assert len(members) == group["personCount"]
        students = {m["personId"] for m in members if m["role"] == "student"}
        assert not students & seen
        seen |= students


@pytest.mark.parametrize(("path", "params", "status"), [
    ("/persons", {"pageSize": 7}, 400),
    ("/persons", {"sort": "mail"}, 400),
    ("/persons", {"affiliations": "alumni"}, 400),
    ("/persons/not-a-uuid", {}, 400),
    ("/persons/5d3c1b7e-0000-4000-8000-000000000000", {}, 404),
    ("/persons/5d3c1b7e-0000-4000-8000-000000000000/associations", {}, 404),
    ("/offerings/5d3c1b7e-0000-4000-8000-000000000000/associations", {}, 404),
    ("/associations/5d3c1b7e-0000-4000-8000-000000000000", {}, 404),
    ("/groups/5d3c1b7e-0000-4000-8000-000000000000/members", {}, 404),
    ("/groups", {"groupType": "club"}, 400),
])
def test_bad_requests_are_problems_with_the_reason(
    client: httpx.Client, path: str, params: dict[str, Any], status: int,
) -> None:
    reply = client.get(path, params=params)
    assert reply.status_code == status
    assert reply.headers["content-type"] == "application/problem+json"
    assert reply.json()["status"] == str(status) and reply.json()["detail"]


def test_bad_association_filters_are_refused(client: httpx.Client, sis: SchoolSis) -> None:
    path = f"/persons/{sis.school.person_id(1)}/associations"
    for params in ({"associationType": "program"}, {"state": "done"}, {"role": "boss"}):
        assert client.get(path, params=params).status_code == 400


def _association(ident: str, person: Any, offering: str, **extra: Any) -> dict[str, Any]:
    return {"associationId": ident, "associationType": "programOfferingAssociation",
            "role": "student", "state": "pending", "person": person, "offering": offering,
            **extra}


def _new_person() -> dict[str, Any]:
    ident = str(uuid.uuid4())
    return {"personId": ident, "primaryCode": {"codeType": "identifier", "code": "A-1"},
            "givenName": "Sam", "surname": "Testpersoon", "displayName": "Sam Testpersoon",
            "affiliations": ["student"], "mail": "sam@aanmelder.example.nl",
            "activeEnrollment": False}


def test_a_pushed_association_is_checked_kept_served_and_decided(
    client: httpx.Client, sis: SchoolSis, schemas: OoapiSchemas,
) -> None:
    school = sis.school
    offering = school.upcoming[1]
    person = _new_person()
    ident = str(uuid.uuid4())
    created = client.put(f"/associations/{ident}", json=_association(
        ident, person, offering, remoteState="pending"))
    assert created.status_code == 201, created.text
    assert created.json() == {**_association(ident, person["personId"], offering)}
    replaced = client.put(f"/associations/{ident}", json=_association(
        ident, person["personId"], offering))
    assert replaced.status_code == 200
    assert client.get(f"/persons/{person['personId']}").json()["surname"] == "Testpersoon"
    [mine] = client.get(f"/persons/{person['personId']}/associations").json()["items"]
    assert mine["associationId"] == ident and mine["offering"]["offeringId"] == offering
    assert AssociationChecks(schemas).under_person(mine) == []
    listed = client.get(f"/offerings/{offering}/associations", params={"pageSize": 250})
    assert ident in {i["associationId"] for i in listed.json()["items"]}

    decided = sis.mutate(accept=ident)
    assert decided["changes"] == [f"association {ident}: associated"]
    assert client.get(f"/associations/{ident}").json()["state"] == "associated"
    with sis.client() as other:
        again = other.post("/_simulator/mutate", params={"reject": ident})
    assert again.status_code == 409
    cancelled = sis.mutate(cancel=ident)
    assert cancelled["changes"] == [f"association {ident}: canceled"]


def test_pushes_that_do_not_fit_are_refused_with_the_reason(
    client: httpx.Client, sis: SchoolSis,
) -> None:
    school = sis.school
    ident, offering = str(uuid.uuid4()), school.upcoming[0]
    known = school.person_id(3)
    course = school.courses[0]
    own = school.association_ids.encode(3 * 4 + PROGRAMME)
    cases = [
        (_association(ident, known, offering, state="sleeping"), 400, "/state"),
        (_association(ident, known, offering, role=7), 400, "/role"),
        (_association(str(uuid.uuid4()), known, offering), 400, "differs from the path"),
        (_association(ident, str(uuid.uuid4()), offering), 404, "no person"),
        (_association(ident, known, str(uuid.uuid4())), 404, "no offering"),
        (_association(ident, known, course), 400, "courseOfferingAssociation"),
    ]
    for body, status, reason in cases:
        reply = client.put(f"/associations/{ident}", json=body)
        assert (reply.status_code, reply.headers["content-type"]) == (
            status, "application/problem+json"), reply.text
        assert reason in reply.json()["detail"]
    reply = client.put(f"/associations/{own}", json=_association(own, known, offering))
    assert reply.status_code == 409
    raw = {"content-type": "application/json"}
    assert client.put(f"/associations/{ident}", content=b"{nope", headers=raw).status_code == 400
    assert client.put(f"/associations/{ident}", content=b"x",
                      headers={"content-type": "text/plain"}).status_code == 415
    assert client.put(f"/associations/{ident}", content=b" " * (2 * 1024 * 1024),
                      headers=raw).status_code == 413
    assert school.received.association(ident) is None


def test_a_pushed_person_replaces_a_generated_one(client: httpx.Client, sis: SchoolSis,
                                                  schemas: OoapiSchemas) -> None:
    ident = sis.school.person_id(11)
    before = client.get(f"/persons/{ident}").json()
    body = {k: v for k, v in before.items() if k not in ("address", "otherCodes")}
    body["surname"] = "Anders"
    assert client.put(f"/persons/{ident}", json=body).status_code == 200
    after = client.get(f"/persons/{ident}").json()
    assert after == body and schemas.validate("Person", after) == []
    assert client.put(f"/persons/{ident}", json={**body, "personId": str(uuid.uuid4())}
                      ).status_code == 400


def test_mutate_changes_persons_and_enrolments_and_refuses_nonsense(
    client: httpx.Client, sis: SchoolSis,
) -> None:
    version = sis.school.version
    reply = sis.mutate(persons=3, enrolments=4)
    assert len(reply["changes"]) == 7 and reply["schoolVersion"] == version + 2
    catalogue_version = sis.catalogue.version
    assert sis.mutate(count=2)["version"] == catalogue_version + 1
    pending = next(n for n in range(STUDENTS) if sis.school.slot_offering[APPLICATION][n] >= 0
                   and sis.school.slot_state[APPLICATION][n] == 1)
    for params, status in (({"persons": "many"}, 400), ({"enrolments": 10_001}, 400),
                           ({"accept": str(uuid.uuid4())}, 404), ({"accept": "x"}, 400),
                           ({"cancel": sis.school.association_ids.encode(
                               pending * 4 + APPLICATION)}, 409)):
        assert client.post("/_simulator/mutate", params=params).status_code == status
