"""The OOAPI v5 provider's refusals: tokens, tenants, unknown ids, bad parameters, methods.

Every refusal is an OOAPI ``Problem`` (``status`` a string, ``application/problem+json``)
that validates against the official ``ooapi.json`` for that path and status; none is a 500.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from gateway.adapters.ooapi import OoapiSchemas, ooapi_schemas
from gateway.adapters.standards import Standards
from tests.integration.ooapi_catalogue import DATABASES, Provider, running_provider

PATHS = ["/", "/organizations", "/programs", "/programs/{programId}",
         "/programs/{programId}/offerings", "/courses", "/courses/{courseId}",
         "/courses/{courseId}/offerings", "/offerings/{offeringId}", "/academic-sessions",
         "/education-specifications"]
_KIND_OF = {"programId": "programme-offering", "courseId": "course", "offeringId": "cohort"}


@pytest.fixture(scope="module")
def schemas(standards: Standards) -> OoapiSchemas:
    return ooapi_schemas(standards)


@pytest.fixture(scope="module", params=DATABASES)
def ooapi_provider(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Provider]:
    with running_provider(request, tmp_path_factory) as provider:
        yield provider


def fill(template: str, provider: Provider, tenant: str = "roc-a") -> str:
    """The template with stored ids of ``tenant`` for its parameters."""
    path = template
    for name, kind in _KIND_OF.items():
        path = path.replace(f"{{{name}}}", str(provider.of(tenant, kind)[0].id))
    return path


def problem(schemas: OoapiSchemas, template: str, reply: Any, status: int) -> dict[str, Any]:
    """The OOAPI Problem of ``reply``, checked against the spec for that path and status."""
    assert reply.status_code == status, reply.text
    assert reply.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = reply.json()
    assert body["status"] == str(status)
    if template in PATHS or template == "/offerings":
        assert not schemas.validate_response(template, "get", status, body)
    return body


@pytest.mark.parametrize("template", PATHS)
def test_no_token_is_401_with_a_challenge(
    ooapi_provider: Provider, schemas: OoapiSchemas, template: str
) -> None:
    reply = ooapi_provider.get(fill(template, ooapi_provider), client=None)
    problem(schemas, template, reply, 401)
    assert reply.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize(("token", "status"), [("forged", 401), ("events", 403)])
def test_a_bad_token_or_one_without_the_scope_is_refused(
    ooapi_provider: Provider, schemas: OoapiSchemas, token: str, status: int
) -> None:
    problem(schemas, "/programs", ooapi_provider.get("/programs", client=token), status)


@pytest.mark.parametrize("template", [p for p in PATHS if "{" in p])
def test_another_tenants_ids_are_not_found(
    ooapi_provider: Provider, schemas: OoapiSchemas, template: str
) -> None:
    own = ooapi_provider.get(fill(template, ooapi_provider, "roc-b"), client="b")
    assert own.status_code == 200
    other = ooapi_provider.get(fill(template, ooapi_provider, "roc-b"), client="a")
    problem(schemas, template, other, 404)


@pytest.mark.parametrize(("path", "key"), [
    ("/programs", "programId"), ("/courses", "courseId"),
    ("/education-specifications", "educationSpecificationId"),
])
def test_lists_hold_the_callers_tenant_only(ooapi_provider: Provider, path: str, key: str) -> None:
    for token, tenant in (("a", "roc-a"), ("b", "roc-b")):
        reply = ooapi_provider.get(path, client=token, pageSize=250)
        found = {item[key] for item in reply.json()["items"]}
        stored = {str(e.id) for e in ooapi_provider.catalogue[tenant]}
        assert found and found <= stored


@pytest.mark.parametrize("template", [p for p in PATHS if "{" in p])
def test_unknown_ids_are_404_problems(
    ooapi_provider: Provider, schemas: OoapiSchemas, template: str
) -> None:
    unknown = template.split("{")[0] + str(uuid.uuid4()) + template.split("}")[1]
    body = problem(schemas, template, ooapi_provider.get(unknown), 404)
    assert body["title"] == "Not Found" and body["detail"]


def test_an_id_of_another_kind_is_not_found(
    ooapi_provider: Provider, schemas: OoapiSchemas
) -> None:
    cohort = ooapi_provider.of("roc-a", "cohort")[0].id
    program = ooapi_provider.of("roc-a", "programme-offering")[0].id
    problem(schemas, "/programs/{programId}", ooapi_provider.get(f"/programs/{cohort}"), 404)
    problem(schemas, "/offerings/{offeringId}", ooapi_provider.get(f"/offerings/{program}"), 404)


BAD = [
    ("/programs", {"pageSize": "11"}, "pageSize"), ("/programs", {"pageSize": "ten"}, "pageSize"),
    ("/programs", {"pageNumber": "0"}, "pageNumber"),
    ("/programs", {"pageNumber": "-1"}, "pageNumber"),
    ("/programs", {"pageNumber": "1.5"}, "pageNumber"),
    ("/programs", {"pageNumber": "+2"}, "pageNumber"),
    ("/programs", {"pageNumber": "2147483648"}, "pageNumber"),
    ("/programs", {"pageSize": ["10", "20"]}, "pageSize"),
    ("/programs", {"sort": "age"}, "sort"), ("/programs", {"sort": "name,-age"}, "sort"),
    ("/programs", {"sort": ""}, "sort"), ("/programs", {"sort": "name,"}, "sort"),
    ("/programs", {"teachingLanguage": "NLD"}, "teachingLanguage"),
    ("/programs", {"teachingLanguage": "nl"}, "teachingLanguage"),
    ("/programs", {"programType": "course"}, "programType"),
    ("/programs", {"levelOfQualification": "9"}, "levelOfQualification"),
    ("/programs", {"sector": "mbo"}, "sector"),
    ("/programs", {"qualificationAwarded": "MBO"}, "qualificationAwarded"),
    ("/programs/{programId}", {"expand": "everything"}, "expand"),
    ("/programs/{programId}", {"expand": ""}, "expand"),
    ("/programs/{programId}", {"returnTimelineOverrides": "1"}, "returnTimelineOverrides"),
    ("/programs/{programId}/offerings", {"since": "2026-13-01"}, "since"),
    ("/programs/{programId}/offerings", {"until": "2026-1-1"}, "until"),
    ("/programs/{programId}/offerings", {"since": "today"}, "since"),
    ("/programs/{programId}/offerings", {"resultExpected": "yes"}, "resultExpected"),
    ("/programs/{programId}/offerings", {"modeOfStudy": "BOL"}, "modeOfStudy"),
    ("/programs/{programId}/offerings", {"sort": "startDateTime"}, "sort"),
    ("/offerings", {"offeringType": "programme"}, "offeringType"),
    ("/offerings", {"sort": "startDate"}, "sort"),
    ("/offerings/{offeringId}", {"expand": "cohort"}, "expand"),
    ("/courses", {"level": "mbo 4"}, "level"),
    ("/courses", {"modeOfDelivery": "campus"}, "modeOfDelivery"),
    ("/courses/{courseId}/offerings", {"pageSize": "1000"}, "pageSize"),
    ("/academic-sessions", {"parent": "not-a-uuid"}, "parent"),
    ("/academic-sessions", {"year": "2026"}, "year"),
    ("/education-specifications", {"educationSpecificationType": "x"},
     "educationSpecificationType"),
    ("/organizations", {"organizationType": "roc"}, "organizationType"),
]


@pytest.mark.parametrize(("template", "params", "name"), BAD)
def test_bad_parameters_are_400_problems_naming_the_parameter(
    ooapi_provider: Provider, schemas: OoapiSchemas, template: str, params: dict[str, Any],
    name: str,
) -> None:
    reply = ooapi_provider.get(fill(template, ooapi_provider), **params)
    body = problem(schemas, template, reply, 400)
    assert body["errors"][0]["path"] == f"/query/{name}"


@pytest.mark.parametrize("template", [p for p in PATHS if "{" in p])
def test_an_id_that_is_not_a_uuid_is_400(
    ooapi_provider: Provider, schemas: OoapiSchemas, template: str
) -> None:
    path = template.split("{")[0] + "42" + template.split("}")[1]
    body = problem(schemas, template, ooapi_provider.get(path), 400)
    assert body["errors"][0]["path"].startswith("/path/")


@pytest.mark.parametrize("term", ["\x00", "50%", "a_b", "'; drop table entities; --", "é"])
def test_any_search_term_is_answered(ooapi_provider: Provider, term: str) -> None:
    reply = ooapi_provider.get("/programs", q=term)
    assert reply.status_code == 200 and reply.json()["items"] == []


def test_unknown_paths_and_other_methods(ooapi_provider: Provider, schemas: OoapiSchemas) -> None:
    missing = ooapi_provider.get("/persons")
    assert missing.status_code == 404 and missing.json()["status"] == "404"
    headers = {"Authorization": f"Bearer {ooapi_provider.tokens['a']}"}
    posted = ooapi_provider.http.post(f"{ooapi_provider.base}/programs", headers=headers)
    assert posted.status_code == 405 and posted.headers["allow"] == "GET"
    problem(schemas, "/programs", posted, 405)
