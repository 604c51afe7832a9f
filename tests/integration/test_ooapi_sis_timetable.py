"""The simulated SIS's klassen and timetable over real loopback HTTP: paging, validity, changes.

Every page is validated against the official ``ooapi.json`` (the mbo profile's lists
``/offerings`` and ``/components`` as official ``Pagination`` of official items, see
:mod:`gateway.adapters.ooapi.spec_document`); members against the profile.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from gateway.adapters.ooapi import OoapiSchemas, ooapi_schemas
from gateway.adapters.ooapi.mbo_profile import mbo_profile
from gateway.adapters.standards import Standards
from tests.integration.rostering_support import roster_of, serving_timetable_school
from tests.integration.sis_school import SchoolSis

STUDENTS = 200


@pytest.fixture(scope="module")
def sis(standards: Standards) -> Iterator[SchoolSis]:
    with serving_timetable_school(standards, students=STUDENTS, offerings=8,
                                  seed=5) as served:
        yield served


@pytest.fixture(scope="module")
def schemas(standards: Standards) -> OoapiSchemas:
    return ooapi_schemas(standards)


@pytest.fixture
def client(sis: SchoolSis) -> Iterator[httpx.Client]:
    with sis.client() as authed:
        yield authed


def all_pages(client: httpx.Client, schemas: OoapiSchemas, template: str, path: str,
              size: int = 20, **params: Any) -> list[dict[str, Any]]:
    """Every item of a list, each page validated against the official response."""
    items: list[dict[str, Any]] = []
    number = 1
    while True:
        reply = client.get(path, params={"pageSize": size, "pageNumber": number, **params})
        assert reply.status_code == 200, reply.text
        page = reply.json()
        assert schemas.validate_response(template, "get", 200, page) == []
        assert len(page["items"]) <= size
        items += page["items"]
        if not page["hasNextPage"]:
            return items
        number += 1


def test_component_offerings_are_listed_paged_and_valid(
    sis: SchoolSis, client: httpx.Client, schemas: OoapiSchemas
) -> None:
    roster = roster_of(sis.school)
    listed = all_pages(client, schemas, "/offerings", "/offerings", offeringType="component",
                       since="2000-01-01")
    assert [d["offeringId"] for d in listed] == sorted(
        roster.offerings, key=lambda o: (roster.offerings[o]["startDateTime"], o))
    assert {d["offeringType"] for d in listed} == {"component"}
    assert len(listed) == len(roster.offerings) > 100
    every = all_pages(client, schemas, "/offerings", "/offerings", size=250,
                      since="2000-01-01")
    assert len(every) == len(listed) + len(sis.catalogue.offerings)
    one = listed[0]
    reply = client.get(f"/offerings/{one['offeringId']}")
    assert schemas.validate_response("/offerings/{offeringId}", "get", 200, reply.json()) == []
    assert reply.json() == one
    # by default only what starts from today on, as the spec says
    ahead = all_pages(client, schemas, "/offerings", "/offerings", offeringType="component")
    assert 0 < len(ahead) < len(listed)


def test_components_and_their_offerings(
    sis: SchoolSis, client: httpx.Client, schemas: OoapiSchemas
) -> None:
    components = all_pages(client, schemas, "/components", "/components", sort="componentId")
    assert len(components) == 2 * len(sis.catalogue.courses)
    assert [c["componentId"] for c in components] == sorted(c["componentId"]
                                                            for c in components)
    assert {c["componentType"] for c in components} == {"lecture", "test"}
    exam = next(c for c in components if c["componentType"] == "test")
    reply = client.get(f"/components/{exam['componentId']}")
    assert schemas.validate_response("/components/{componentId}", "get", 200,
                                     reply.json()) == []
    template = "/components/{componentId}/offerings"
    used = {d["component"] for d in roster_of(sis.school).offerings.values()}
    with_offerings = next(c["componentId"] for c in components if c["componentId"] in used)
    offerings = all_pages(client, schemas, template, f"/components/{with_offerings}/offerings",
                          since="2000-01-01")
    assert offerings and {o["component"] for o in offerings} == {with_offerings}
    code = components[3]["primaryCode"]["code"]
    assert [c["primaryCode"]["code"] for c in all_pages(
        client, schemas, "/components", "/components", primaryCode=code)] == [code]


def test_the_persons_and_members_of_a_klas(
    sis: SchoolSis, client: httpx.Client, schemas: OoapiSchemas, standards: Standards
) -> None:
    roster = roster_of(sis.school)
    group = sorted(roster.groups)[2]
    template = "/groups/{groupId}/persons"
    persons = all_pages(client, schemas, template, f"/groups/{group}/persons", size=10)
    members = [m for k, m in roster.members.items() if k.startswith(group)]
    assert [p["personId"] for p in persons] == sorted(m["personId"] for m in members)
    staff = all_pages(client, schemas, template, f"/groups/{group}/persons",
                      affiliations="employee")
    assert [p["personId"] for p in staff] == [m["personId"] for m in members
                                              if m["role"] == "lecturer"]
    profile = mbo_profile(standards)
    page = client.get(f"/groups/{group}/members", params={"pageSize": 100}).json()
    assert profile.validate_response("/groups/{groupId}/members", "get", 200, page) == []


@pytest.mark.parametrize(("path", "params", "status"), [
    ("/components", {"sort": "startDate"}, 400),
    ("/components/{component}/offerings", {"since": "soon"}, 400),
    ("/groups/{group}/persons", {"affiliations": "alumnus"}, 400),
    ("/groups/{group}/persons", {"pageSize": "7"}, 400),
    ("/components/{unknown}", {}, 404),
    ("/groups/{unknown}/persons", {}, 404),
    ("/offerings/{unknown}", {}, 404),
])
def test_bad_requests_are_problems(
    sis: SchoolSis, client: httpx.Client, path: str, params: dict[str, str], status: int
) -> None:
    roster = roster_of(sis.school)
    component = next(iter(roster.offerings.values()))["component"]
    url = path.format(component=component, group=next(iter(roster.groups)),
                      unknown=uuid.uuid4())
    reply = client.get(url, params=params)
    assert reply.status_code == status
    assert reply.headers["content-type"].startswith("application/problem+json")


def test_changes_show_in_every_list(sis: SchoolSis, client: httpx.Client,
                                    schemas: OoapiSchemas) -> None:
    before = roster_of(sis.school)
    group, offering = sorted(before.groups)[0], sorted(before.offerings)[0]
    version = sis.catalogue.version
    reply = client.post("/_simulator/mutate", params={
        "dropGroup": group, "dropOffering": offering, "timetable": "3", "groups": "2"})
    assert reply.status_code == 200, reply.text
    assert len(reply.json()["changes"]) == 7
    assert reply.json()["version"] == version  # the catalogue did not change
    after = roster_of(sis.school)
    assert group not in after.groups and offering not in after.offerings
    assert client.get(f"/groups/{group}").status_code == 404
    assert client.get(f"/groups/{group}/persons").status_code == 404
    assert client.get(f"/offerings/{offering}").status_code == 404
    listed = all_pages(client, schemas, "/offerings", "/offerings", size=250,
                       offeringType="component", since="2000-01-01")
    assert {d["offeringId"]: d for d in listed} == after.offerings
    groups = all_pages(client, schemas, "/groups", "/groups", size=50)
    assert {g["groupId"] for g in groups} == set(after.groups)
    assert client.post("/_simulator/mutate",
                       params={"dropGroup": group}).status_code == 404
