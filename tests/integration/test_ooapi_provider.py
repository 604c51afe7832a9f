"""The OOAPI v5 provider over HTTP: valid documents, paging, sorting, searching, filtering.

Every response is validated with the shared codec against the official ``ooapi.json``
(and, for ``consumers`` entries, the published RIO and mbo consumer profiles); each test
runs on SQLite and on PostgreSQL (see ``ooapi_catalogue``).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from gateway.adapters.ooapi import OoapiSchemas, ooapi_schemas
from gateway.adapters.standards import Standards
from tests.integration.ooapi_catalogue import DATABASES, YEARS, Provider, running_provider

ALL = {"since": "2000-01-01"}  # offerings of every school year, not only future ones
CODES = [f"{year}-{year + 1}" for year in YEARS]  # cohort codes = school years, in order


@pytest.fixture(scope="module")
def schemas(standards: Standards) -> OoapiSchemas:
    return ooapi_schemas(standards)


@pytest.fixture(scope="module", params=DATABASES)
def ooapi_provider(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Provider]:
    with running_provider(request, tmp_path_factory) as provider:
        yield provider


def valid(schemas: OoapiSchemas, template: str, reply: Any, status: int = 200) -> Any:
    """The body of ``reply`` after checking its status and its schema."""
    assert reply.status_code == status, reply.text
    body = reply.json()
    errors = schemas.validate_response(template, "get", status, body)
    assert not errors, [str(e) for e in errors[:5]]
    return body


def pages(provider: Provider, path: str, size: int = 10, **params: Any) -> list[dict[str, Any]]:
    """Every item of a collection, page by page, checking the Pagination fields."""
    items: list[dict[str, Any]] = []
    number = 1
    while True:
        body = provider.get(path, pageSize=size, pageNumber=number, **params).json()
        assert (body["pageSize"], body["pageNumber"]) == (size, number)
        assert body["hasPreviousPage"] is (number > 1)
        items.extend(body["items"])
        if not body["hasNextPage"]:
            assert body["totalPages"] == (number if items else 0)
            return items
        assert len(body["items"]) == size
        number += 1


def ids(items: list[dict[str, Any]], key: str) -> list[str]:
    return [item[key] for item in items]


def first(provider: Provider, kind: str, tenant: str = "roc-a", n: int = 0) -> str:
    return str(provider.of(tenant, kind)[n].id)


# -- every endpoint answers with valid documents --------------------------------------------

COLLECTIONS = [
    ("/organizations", {}), ("/programs", {}), ("/programs", {"consumer": "rio"}),
    ("/courses", {}), ("/courses", {"consumer": "rio"}), ("/academic-sessions", {}),
    ("/education-specifications", {}), ("/education-specifications", {"consumer": "rio"}),
    ("/offerings", ALL), ("/offerings", {**ALL, "consumer": "rio"}),
]


@pytest.mark.parametrize(("path", "params"), COLLECTIONS)
def test_every_item_of_every_collection_is_valid(
    ooapi_provider: Provider, schemas: OoapiSchemas, path: str, params: dict[str, str]
) -> None:
    body = valid(schemas, path, ooapi_provider.get(path, pageSize=250, **params))
    assert body["items"]


def test_service_document_is_valid(ooapi_provider: Provider, schemas: OoapiSchemas) -> None:
    body = valid(schemas, "/", ooapi_provider.get("/"))
    assert {c["consumerKey"] for c in body["consumers"]} == {"rio", "nl-test-admin"}


@pytest.mark.parametrize("consumer", [None, "rio"])
def test_every_program_and_its_offerings_are_valid(
    ooapi_provider: Provider, schemas: OoapiSchemas, consumer: str | None
) -> None:
    extra = {"consumer": consumer} if consumer else {}
    for offering in ooapi_provider.of("roc-a", "programme-offering")[:20]:
        valid(schemas, "/programs/{programId}", ooapi_provider.get(
            f"/programs/{offering.id}", expand="organization,educationSpecification",
            returnTimelineOverrides="true", **extra))
        body = valid(schemas, "/programs/{programId}/offerings", ooapi_provider.get(
            f"/programs/{offering.id}/offerings", **ALL, **extra))
        assert len(body["items"]) == 3
        for item in body["items"]:
            valid(schemas, "/offerings/{offeringId}", ooapi_provider.get(
                f"/offerings/{item['offeringId']}",
                expand="program,organization,academicSession"))


def test_every_course_is_valid(ooapi_provider: Provider, schemas: OoapiSchemas) -> None:
    for course in ooapi_provider.of("roc-a", "course")[:12]:
        valid(schemas, "/courses/{courseId}", ooapi_provider.get(
            f"/courses/{course.id}", expand="programs,organization"))
        body = valid(schemas, "/courses/{courseId}/offerings",
                     ooapi_provider.get(f"/courses/{course.id}/offerings"))
        assert body["items"] == []  # the catalogue has no course offerings


# -- paging -------------------------------------------------------------------------------

@pytest.mark.parametrize(("path", "key", "kind", "params"), [
    ("/programs", "programId", "programme-offering", {}),
    ("/courses", "courseId", "course", {}),
    ("/education-specifications", "educationSpecificationId", "qualification", {}),
    ("/offerings", "offeringId", "cohort", ALL),
])
@pytest.mark.parametrize("size", [10, 20, 50])
def test_pages_hold_every_item_exactly_once(
    ooapi_provider: Provider, path: str, key: str, kind: str, params: dict[str, str], size: int
) -> None:
    found = ids(pages(ooapi_provider, path, size, **params), key)
    assert len(found) == len(set(found))
    assert set(found) == {str(e.id) for e in ooapi_provider.of("roc-a", kind)}


def test_a_page_past_the_end_is_empty_not_an_error(ooapi_provider: Provider) -> None:
    body = ooapi_provider.get("/programs", pageSize=50, pageNumber=99).json()
    assert body["items"] == [] and body["hasNextPage"] is False
    assert (body["totalPages"], body["hasPreviousPage"]) == (2, True)


# -- sort -----------------------------------------------------------------------------------

def _ordered(values: list[Any], descending: bool = False) -> bool:
    pairs = list(zip(values, values[1:], strict=False))
    return all(a >= b if descending else a <= b for a, b in pairs)


@pytest.mark.parametrize(("sort", "descending"), [("name", False), ("-name", True)])
def test_programs_sort_by_name(ooapi_provider: Provider, sort: str, descending: bool) -> None:
    names = [p["name"][0]["value"].lower() for p in pages(ooapi_provider, "/programs", 20,
                                                            sort=sort)]
    assert _ordered(names, descending) and len(names) == 60


def test_programs_sort_by_id_both_ways(ooapi_provider: Provider) -> None:
    ascending = ids(pages(ooapi_provider, "/programs", 50, sort="programId"), "programId")
    descending = ids(pages(ooapi_provider, "/programs", 50, sort="-programId"), "programId")
    assert ascending == sorted(ascending) and descending == ascending[::-1]


@pytest.mark.parametrize(("sort", "field", "descending"), [
    ("startDateTime", "startDate", False), ("-startDateTime", "startDate", True),
    ("endDateTime", "endDate", False), ("-endDateTime", "endDate", True),
])
def test_offerings_sort_by_dates_with_id_as_tie_breaker(
    ooapi_provider: Provider, sort: str, field: str, descending: bool
) -> None:
    items = pages(ooapi_provider, "/offerings", 50, sort=sort, **ALL)
    for a, b in zip(items, items[1:], strict=False):
        assert (a[field] >= b[field]) if descending else (a[field] <= b[field])
        if a[field] == b[field]:
            assert a["offeringId"] < b["offeringId"]


def test_offerings_of_a_program_are_chronological_by_default(ooapi_provider: Provider) -> None:
    program = first(ooapi_provider, "programme-offering", n=5)
    items = ooapi_provider.get(f"/programs/{program}/offerings", **ALL).json()["items"]
    assert [i["abbreviation"] for i in items] == CODES
    backwards = ooapi_provider.get(f"/programs/{program}/offerings", sort="-endDate", **ALL)
    assert [i["offeringId"] for i in backwards.json()["items"]] == ids(items, "offeringId")[::-1]


def test_specifications_and_sessions_sort(ooapi_provider: Provider) -> None:
    codes = [s["primaryCode"]["code"]
             for s in pages(ooapi_provider, "/education-specifications", 10, sort="-primaryCode")]
    assert codes == sorted(codes, reverse=True)
    years = ooapi_provider.get("/academic-sessions", sort="-startDate").json()["items"]
    assert [y["primaryCode"]["code"] for y in years] == CODES[::-1]


# -- q and filters --------------------------------------------------------------------------

def _programs(provider: Provider, **params: Any) -> list[dict[str, Any]]:
    return pages(provider, "/programs", 250, **params)


@pytest.mark.parametrize(("term", "matches"), [
    ("zORG", lambda o: "zorg" in o.name.lower()),
    ("nummer 1", lambda o: "nummer 1" in (o.description or "")),
    ("25003 bbl", lambda o: o.crebo == "25003" and o.leerweg == "BBL"),
    ("%", lambda o: False), ("_", lambda o: False), ("opleiding 00", lambda o: "00" in o.name),
])
def test_q_is_a_case_insensitive_substring_of_name_abbreviation_or_description(
    ooapi_provider: Provider, term: str, matches: Any
) -> None:
    found = set(ids(_programs(ooapi_provider, q=term), "programId"))
    expected = {str(o.id) for o in ooapi_provider.of("roc-a", "programme-offering") if matches(o)}
    assert found == expected


def test_q_on_offerings_courses_and_specifications(ooapi_provider: Provider) -> None:
    cohorts = pages(ooapi_provider, "/offerings", 250, q=CODES[2], **ALL)
    assert len(cohorts) == 60 and {c["abbreviation"] for c in cohorts} == {CODES[2]}
    courses = pages(ooapi_provider, "/courses", 50, q="k000")
    assert sorted(c["primaryCode"]["code"] for c in courses) == [
        f"K000{n}" for n in range(10) if n % 3 != 2]
    specs = pages(ooapi_provider, "/education-specifications", 50, q="kwalificatie BOUW")
    assert set(ids(specs, "educationSpecificationId")) == {
        str(q.id) for q in ooapi_provider.of("roc-a", "qualification") if "Bouw" in q.name}


@pytest.mark.parametrize(("params", "matches"), [
    ({"teachingLanguage": "eng"}, lambda o: o.language == "ENG"),
    ({"levelOfQualification": "2"}, lambda o: o.level == 2),
    ({"primaryCode": "25003-BBL-101X456"}, lambda o: o.crebo == "25003" and o.leerweg == "BBL"),
    ({"primaryCode": "25003"}, lambda o: False),
    ({"programType": "program"}, lambda o: True), ({"programType": "minor"}, lambda o: False),
    ({"sector": "secondary vocational education"}, lambda o: True),
    ({"sector": "university education"}, lambda o: False),
    ({"levelOfQualification": "6"}, lambda o: False),
    ({"qualificationAwarded": "BA"}, lambda o: False), ({"fieldsOfStudy": "0613"}, lambda o: False),
])
def test_program_filters(ooapi_provider: Provider, params: dict[str, str], matches: Any) -> None:
    found = set(ids(_programs(ooapi_provider, **params), "programId"))
    expected = {str(o.id) for o in ooapi_provider.of("roc-a", "programme-offering") if matches(o)}
    assert found == expected


def test_offering_filters(ooapi_provider: Provider) -> None:
    bol = next(o for o in ooapi_provider.of("roc-a", "programme-offering") if o.leerweg == "BOL")
    path = f"/programs/{bol.id}/offerings"
    future = ooapi_provider.get(path).json()["items"]  # since defaults to today
    assert [i["abbreviation"] for i in future] == CODES[1:]
    assert all(i["startDate"] >= date.today().isoformat() for i in future)
    assert len(ooapi_provider.get(path, modeOfStudy="full-time").json()["items"]) == 2
    assert ooapi_provider.get(path, modeOfStudy="dual training").json()["items"] == []
    assert ooapi_provider.get(path, resultExpected="false").json()["items"] == []
    assert len(ooapi_provider.get(path, resultExpected="true", **ALL).json()["items"]) == 3
    assert ooapi_provider.get("/offerings", offeringType="course", **ALL).json()["items"] == []


def test_since_and_until_bound_start_and_end(ooapi_provider: Provider) -> None:
    everything = pages(ooapi_provider, "/offerings", 250, **ALL)
    since, until = f"{YEARS[1]}-09-10", f"{YEARS[1] + 3}-09-01"
    window = pages(ooapi_provider, "/offerings", 250, since=since, until=until)
    expected = {i["offeringId"] for i in everything
                if i["startDate"] >= since and i["endDate"] <= until}
    assert set(ids(window, "offeringId")) == expected and 0 < len(expected) < len(everything)


def test_course_filters(ooapi_provider: Provider) -> None:
    courses = ooapi_provider.of("roc-a", "course")
    programmes = {o.id: o for o in ooapi_provider.of("roc-a", "programme-offering")}

    def found(**params: Any) -> set[str]:
        return set(ids(pages(ooapi_provider, "/courses", 250, **params), "courseId"))

    level2 = {str(c.id) for c in courses if c.offering_id and programmes[c.offering_id].level == 2}
    assert found(level="secondary vocational education 2") == level2
    assert found(level="secondary vocational education") == {
        str(c.id) for c in courses if c.offering_id is None}
    assert found(teachingLanguage="eng") == {
        str(c.id) for c in courses if c.offering_id and programmes[c.offering_id].language == "ENG"}
    assert found(primaryCode="K0004") == {str(c.id) for c in courses if c.code == "K0004"}
    assert found(level="bachelor") == set() and found(modeOfDelivery="online") == set()


def test_small_collections_filter(ooapi_provider: Provider) -> None:
    get = ooapi_provider.get
    sessions = get("/academic-sessions").json()["items"]
    assert [s["primaryCode"]["code"] for s in sessions] == CODES
    assert len(get("/academic-sessions", primaryCode=CODES[1]).json()["items"]) == 1
    assert get("/academic-sessions", academicSessionType="semester").json()["items"] == []
    assert len(get("/education-specifications", primaryCode="25003").json()["items"]) == 1
    assert get("/education-specifications", educationSpecificationType="course").json()[
        "items"] == []
    assert len(get("/organizations", q="AMSTEL", primaryCode="12AB").json()["items"]) == 1
    assert get("/organizations", organizationType="school").json()["items"] == []


# -- consumer=rio and expand ------------------------------------------------------------------

def test_consumer_rio_adds_the_rio_entries(ooapi_provider: Provider) -> None:
    for program in _programs(ooapi_provider, consumer="rio"):
        [rio] = [c for c in program["consumers"] if c["consumerKey"] == "rio"]
        assert rio["educationOffererCode"] == "123A456"
        assert program["primaryCode"]["code"].endswith(rio["educationLocationCode"])
    cohorts = {str(c.id): c for c in ooapi_provider.of("roc-a", "cohort")}
    for item in pages(ooapi_provider, "/offerings", 250, consumer="rio", **ALL):
        entries = {c["consumerKey"]: c for c in item["consumers"]}
        cohort = cohorts[item["offeringId"]]
        assert entries["rio"]["registrationStatus"] == cohort.status.value
        assert entries["rio"]["requiredPermissionRegistration"] == (
            "yes" if cohort.consent_required else "no")
        assert entries["nl-test-admin"]["cohort"] == cohort.code
    plain = ooapi_provider.get("/programs").json()["items"]
    assert all("consumers" not in p for p in plain)


def test_expand_gives_whole_objects(ooapi_provider: Provider) -> None:
    program = first(ooapi_provider, "programme-offering", n=4)
    doc = ooapi_provider.get(f"/programs/{program}",
                             expand="organization,educationSpecification").json()
    assert doc["organization"]["shortName"] == "roc-a"
    assert doc["educationSpecification"]["primaryCode"]["code"] == doc["otherCodes"][0]["code"]
    cohort = next(str(c.id) for c in ooapi_provider.of("roc-a", "cohort")
                  if str(c.offering_id) == program)
    offering = ooapi_provider.get(f"/offerings/{cohort}", expand="program,academicSession").json()
    assert offering["program"]["programId"] == program
    assert offering["academicSession"]["academicSessionType"] == "academic year"
    assert isinstance(ooapi_provider.get(f"/offerings/{cohort}").json()["program"], str)


def test_flexible_intake_and_end_dates(ooapi_provider: Provider) -> None:
    cohorts = {str(c.id): c for c in ooapi_provider.of("roc-a", "cohort")}
    for item in pages(ooapi_provider, "/offerings", 250, **ALL):
        cohort = cohorts[item["offeringId"]]
        if cohort.flexible_intake:
            assert item["flexibleEntryPeriodStart"] == cohort.flexible_intake.start.isoformat()
            assert item["startDate"] == item["flexibleEntryPeriodStart"]
        if cohort.end_date:
            assert item["endDate"] == cohort.end_date.isoformat()
        assert date.fromisoformat(item["endDate"]) > date.fromisoformat(item["startDate"])
