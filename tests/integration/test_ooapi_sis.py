"""The simulated SIS over real loopback HTTP: auth, paging, official validity, changes."""

from __future__ import annotations

import math
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date
from typing import Any

import httpx
import pytest

from gateway.adapters.ooapi import OoapiSchemas, ooapi_schemas
from gateway.adapters.standards import Standards
from gateway.mappings.ooapi_v5_in import program_records, to_canonical
from gateway.testing import free_port, stop_pid, tcp_accepts
from simulators.ooapi_sis import SisCatalogue
from simulators.ooapi_sis.server import running_sis

CLIENT, SECRET = "gateway", "sis-secret-for-tests"
TODAY = date(2026, 11, 22)
OFFERINGS, COHORTS, COURSES = 60, 3, 150

LISTS = ["/programs", "/courses", "/offerings", "/education-specifications", "/organizations",
         "/academic-sessions"]


@pytest.fixture(scope="module")
def catalogue() -> SisCatalogue:
    return SisCatalogue(OFFERINGS, seed=4, cohorts=COHORTS, courses=COURSES, today=TODAY)


@pytest.fixture(scope="module")
def base_url(catalogue: SisCatalogue) -> Iterator[str]:
    with running_sis(catalogue, client_id=CLIENT, client_secret=SECRET) as url:
        yield url


@pytest.fixture(scope="module")
def schemas(standards: Standards) -> OoapiSchemas:
    return ooapi_schemas(standards)


def _token(client: httpx.Client) -> str:
    reply = client.post("/oauth/token", data={"grant_type": "client_credentials"},
                        auth=(CLIENT, SECRET))
    assert reply.status_code == 200, reply.text
    assert reply.json()["token_type"] == "Bearer"
    return str(reply.json()["access_token"])


@pytest.fixture()
def client(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=10) as plain:
        token = _token(plain)
    with httpx.Client(base_url=base_url, timeout=10,
                      headers={"Authorization": f"Bearer {token}"}) as authed:
        yield authed


def _all_pages(client: httpx.Client, path: str, size: int,
               **params: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    pages, items, number = [], [], 1
    while True:
        reply = client.get(path, params={"pageSize": size, "pageNumber": number, **params})
        assert reply.status_code == 200, reply.text
        page = reply.json()
        pages.append(page)
        items += page["items"]
        if not page["hasNextPage"]:
            return pages, items
        number += 1


def test_every_endpoint_needs_a_bearer_token(base_url: str, catalogue: SisCatalogue) -> None:
    program = next(iter(catalogue.programs))
    with httpx.Client(base_url=base_url, timeout=10) as anonymous:
        for path in ["/", *LISTS, f"/programs/{program}", f"/programs/{program}/offerings"]:
            reply = anonymous.get(path)
            assert reply.status_code == 401, path
            assert reply.headers["content-type"] == "application/problem+json"
            assert reply.headers["www-authenticate"].startswith("Bearer")
        assert anonymous.post("/_simulator/mutate").status_code == 401
        assert anonymous.get("/programs", headers={"Authorization": "Bearer forged"}
                             ).status_code == 401


def test_the_token_endpoint_checks_the_client(base_url: str) -> None:
    with httpx.Client(base_url=base_url, timeout=10) as plain:
        wrong = plain.post("/oauth/token", data={"grant_type": "client_credentials"},
                           auth=(CLIENT, "guess"))
        assert (wrong.status_code, wrong.json()["error"]) == (401, "invalid_client")
        grant = plain.post("/oauth/token", data={"grant_type": "password"},
                           auth=(CLIENT, SECRET))
        assert (grant.status_code, grant.json()["error"]) == (400, "unsupported_grant_type")
        form = plain.post("/oauth/token", data={"grant_type": "client_credentials",
                                                 "client_id": CLIENT, "client_secret": SECRET})
        token = form.json()["access_token"]
        assert plain.get("/", headers={"Authorization": f"Bearer {token}"}).status_code == 200


@pytest.mark.parametrize("path", ["/programs", "/courses", "/offerings"])
@pytest.mark.parametrize("size", [10, 50, 250])
def test_pages_hold_every_item_once(client: httpx.Client, catalogue: SisCatalogue, path: str,
                                    size: int) -> None:
    pages, items = _all_pages(client, path, size)
    id_key = {"/programs": "programId", "/courses": "courseId", "/offerings": "offeringId"}[path]
    ids = [item[id_key] for item in items]
    expected = {"/programs": catalogue.programs, "/courses": catalogue.courses,
                "/offerings": catalogue.offerings}[path]
    assert len(ids) == len(set(ids)) == len(expected)
    assert set(ids) == set(expected)
    assert all(p["totalPages"] == math.ceil(len(expected) / size) for p in pages)
    assert [p["pageNumber"] for p in pages] == list(range(1, len(pages) + 1))
    assert [p["hasPreviousPage"] for p in pages] == [False] + [True] * (len(pages) - 1)
    assert all(len(p["items"]) == size for p in pages[:-1])


def test_sort_orders_and_descending_reverses(client: httpx.Client) -> None:
    _, ascending = _all_pages(client, "/programs", 250, sort="name")
    names = [p["name"][0]["value"].casefold() for p in ascending]
    assert names == sorted(names)
    _, descending = _all_pages(client, "/programs", 250, sort="-name")
    assert [p["programId"] for p in descending] != [p["programId"] for p in ascending]
    assert [p["name"][0]["value"].casefold() for p in descending] == sorted(names, reverse=True)


def test_every_list_page_validates_against_the_official_schema(
    client: httpx.Client, schemas: OoapiSchemas,
) -> None:
    for path in LISTS:
        pages, items = _all_pages(client, path, 100)
        assert items, path
        for page in pages:
            assert schemas.validate_response(path, "get", 200, page) == [], path
    service = client.get("/")
    assert schemas.validate_response("/", "get", 200, service.json()) == []


def test_every_item_and_sub_list_validates(client: httpx.Client, schemas: OoapiSchemas,
                                           catalogue: SisCatalogue) -> None:
    checked = 0
    for template, ids in [("/programs/{programId}", list(catalogue.programs)[:40]),
                          ("/courses/{courseId}", list(catalogue.courses)[:40]),
                          ("/offerings/{offeringId}", list(catalogue.offerings)[:120]),
                          ("/organizations/{organizationId}", list(catalogue.organizations)),
                          ("/academic-sessions/{academicSessionId}",
                           list(catalogue.academic_sessions))]:
        for ident in ids:
            path = template.split("{")[0] + ident
            reply = client.get(path)
            assert reply.status_code == 200, path
            assert schemas.validate_response(template, "get", 200, reply.json()) == [], path
            checked += 1
    for template, parents in [("/programs/{programId}/offerings", catalogue.programs),
                              ("/courses/{courseId}/offerings", list(catalogue.courses)[:20])]:
        for parent in parents:
            path = template.replace(template[template.index("{"):template.index("}") + 1],
                                    parent)
            pages, items = _all_pages(client, path, 20)
            for page in pages:
                assert schemas.validate_response(template, "get", 200, page) == [], path
            checked += len(items)
    assert checked > 300


def test_errors_are_official_problems(client: httpx.Client, schemas: OoapiSchemas) -> None:
    unknown = "00000000-0000-4000-8000-000000000000"
    for path, status, template in [(f"/programs/{unknown}", 404, "/programs/{programId}"),
                                   ("/programs/not-a-uuid", 400, "/programs/{programId}"),
                                   ("/programs?pageSize=7", 400, "/programs"),
                                   ("/programs?pageNumber=0", 400, "/programs"),
                                   ("/programs?sort=crebo", 400, "/programs"),
                                   ("/offerings?since=tomorrow", 400, "/offerings"),
                                   (f"/programs/{unknown}/offerings", 404,
                                    "/programs/{programId}/offerings")]:
        reply = client.get(path)
        assert reply.status_code == status, path
        assert reply.headers["content-type"] == "application/problem+json"
        assert schemas.validate_response(template, "get", status, reply.json()) == [], path


def test_the_consumer_parameter_keeps_that_consumers_entries(client: httpx.Client) -> None:
    _, everything = _all_pages(client, "/offerings", 250, offeringType="program")
    assert {e["consumerKey"] for o in everything for e in o["consumers"]} == {
        "nl-test-admin", "rio"}
    _, for_rio = _all_pages(client, "/offerings", 250, offeringType="program", consumer="rio")
    assert len(for_rio) == len(everything)
    assert {e["consumerKey"] for o in for_rio for e in o["consumers"]} == {"rio"}


def test_since_and_until_select_offerings_by_date(client: httpx.Client,
                                                  catalogue: SisCatalogue) -> None:
    first = catalogue.first_year
    _, later = _all_pages(client, "/offerings", 250, since=f"{first + 1}-01-01")
    assert later and all(o["startDate"] >= f"{first + 1}-01-01" for o in later)
    _, early = _all_pages(client, "/offerings", 250, until=f"{first + 1}-08-01")
    assert early and all(o["endDate"] <= f"{first + 1}-08-01" for o in early)
    _, none = _all_pages(client, "/offerings", 10, since="2999-01-01")
    assert none == []


def test_served_documents_map_to_the_canonical_catalogue(client: httpx.Client) -> None:
    _, programs = _all_pages(client, "/programs", 250)
    _, offerings = _all_pages(client, "/offerings", 250, offeringType="program")
    entities = [e for r in program_records(programs, offerings)
                for e in to_canonical("roc-a", "sim-sis", r)]
    assert sum(e.kind == "programme-offering" for e in entities) == OFFERINGS
    assert sum(e.kind == "cohort" for e in entities) == OFFERINGS * COHORTS


def test_mutate_changes_what_is_served(base_url: str, schemas: OoapiSchemas) -> None:
    fresh = SisCatalogue(30, seed=9, cohorts=2, courses=20, today=TODAY)
    with running_sis(fresh, client_id=CLIENT, client_secret=SECRET) as url, \
            httpx.Client(base_url=url, timeout=10) as plain:
        headers = {"Authorization": f"Bearer {_token(plain)}"}
        with httpx.Client(base_url=url, timeout=10, headers=headers) as client:
            _, before = _all_pages(client, "/offerings", 250)
            _, programs_before = _all_pages(client, "/programs", 250)
            reply = client.post("/_simulator/mutate", params={"count": 12})
            assert reply.status_code == 200
            changes = reply.json()["changes"]
            assert len(changes) == 12
            _, after = _all_pages(client, "/offerings", 250)
            _, programs_after = _all_pages(client, "/programs", 250)
            for page in (after[i:i + 250] for i in range(0, len(after), 250)):
                doc = {"pageSize": 250, "pageNumber": 1, "hasPreviousPage": False,
                       "hasNextPage": False, "items": page}
                assert schemas.validate_response("/offerings", "get", 200, doc) == []
            assert client.post("/_simulator/mutate", params={"count": 0}).status_code == 400
    old = {o["offeringId"]: o for o in before}
    new = {o["offeringId"]: o for o in after}
    capacity: dict[str, int] = {}
    withdrawn: set[str] = set()
    for change in changes:  # "capacity of offering <id>: a -> b", "offering <id> withdrawn", ...
        ident = change.split("offering ")[-1].split(":")[0].split(" ")[0]
        if change.endswith("withdrawn"):
            withdrawn.add(ident)
        elif change.startswith("new cohort"):
            assert ident in new and ident not in old
        elif change.startswith("capacity"):
            capacity[ident] = int(change.rsplit("-> ", 1)[1])
    assert withdrawn <= set(old) and not withdrawn & set(new)
    for ident, value in capacity.items():
        assert ident in withdrawn or new[ident]["maxNumberStudents"] == value
    renamed = {c.split(" ")[1] for c in changes if " renamed to " in c}
    names_after = {d.get("programId", d.get("courseId")): d["name"][0]["value"]
                   for d in programs_after}
    assert all(ident not in names_after or "editie" in names_after[ident] for ident in renamed)
    assert old != new or programs_before != programs_after


def test_the_module_runs_the_simulator_with_uvicorn(tmp_path: Any) -> None:
    port = free_port()
    log = (tmp_path / "sis.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "simulators.ooapi_sis", "--port", str(port), "--offerings", "5",
         "--seed", "3", "--client-id", CLIENT, "--client-secret", SECRET],
        stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while not tcp_accepts("127.0.0.1", port):
            assert process.poll() is None, (tmp_path / "sis.log").read_text()
            assert time.monotonic() < deadline, "the simulator did not listen"
            time.sleep(0.05)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as plain:
            headers = {"Authorization": f"Bearer {_token(plain)}"}
            page = plain.get("/offerings", params={"offeringType": "program"},
                             headers=headers).json()
        assert page["totalPages"] == 2 and len(page["items"]) == 10  # 5 offerings x 3 cohorts
    finally:
        stop_pid(process.pid, reap=lambda t: _reaped(process, t))
        log.close()


def _reaped(process: subprocess.Popen[bytes], timeout: float) -> bool:
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        return False
    return True
