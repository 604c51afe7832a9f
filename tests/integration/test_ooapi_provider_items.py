"""The single-item paths of the lists without nested items: ``/organizations/{organizationId}``,
``/academic-sessions/{academicSessionId}`` and
``/education-specifications/{educationSpecificationId}``.

A client follows the ids a list gives it, so every listed item must answer on its own path
with the same document, valid against the official ``ooapi.json``; an id the caller's tenant
does not have is a 404 ``Problem``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from gateway.adapters.ooapi import OoapiSchemas, ooapi_schemas
from gateway.adapters.standards import Standards
from gateway.mappings.ooapi_v5_institution import academic_session_id
from tests.integration.ooapi_catalogue import DATABASES, YEARS, Provider, running_provider

ORGANIZATION = "/organizations/{organizationId}"
SESSION = "/academic-sessions/{academicSessionId}"
SPECIFICATION = "/education-specifications/{educationSpecificationId}"
#: Each single-item path with its list and the id key of both.
ITEM_PATHS = [
    (ORGANIZATION, "/organizations", "organizationId"),
    (SESSION, "/academic-sessions", "academicSessionId"),
    (SPECIFICATION, "/education-specifications", "educationSpecificationId"),
]


@pytest.fixture(scope="module")
def schemas(standards: Standards) -> OoapiSchemas:
    return ooapi_schemas(standards)


@pytest.fixture(scope="module", params=DATABASES)
def ooapi_provider(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Provider]:
    with running_provider(request, tmp_path_factory) as provider:
        yield provider


def item_errors(schemas: OoapiSchemas, template: str, body: Any) -> list[str]:
    """The schema errors of a 200 body of ``template``.

    The 200 of ``/education-specifications/{id}`` is ``oneOf`` EducationSpecification and
    EducationSpecificationExpanded, which only adds an optional ``timelineOverrides``: every
    document matches both, so no document passes the ``oneOf`` as written. It is checked
    against the alternative the spec's titles name ("With timelineOverrides" or without),
    as the ``ooapi-v5`` contract suite does.
    """
    if template == SPECIFICATION:
        name = ("EducationSpecificationExpanded" if "timelineOverrides" in body
                else "EducationSpecification")
        return [str(e) for e in schemas.validate(name, body)]
    return [str(e) for e in schemas.validate_response(template, "get", 200, body)]


def listed(provider: Provider, path: str, client: str = "a") -> list[dict[str, Any]]:
    reply = provider.get(path, client=client, pageSize=250)
    assert reply.status_code == 200, reply.text
    body: dict[str, Any] = reply.json()
    assert not body["hasNextPage"]
    return list(body["items"])


def problem(schemas: OoapiSchemas, template: str, reply: Any, status: int) -> dict[str, Any]:
    """The OOAPI Problem of ``reply``, checked against the spec for that path and status."""
    assert reply.status_code == status, reply.text
    assert reply.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = reply.json()
    assert body["status"] == str(status)
    assert not schemas.validate_response(template, "get", status, body)
    return body


def item_path(template: str, ident: str) -> str:
    return template.split("{")[0] + ident


@pytest.mark.parametrize(("template", "path", "key"), ITEM_PATHS)
def test_every_listed_item_answers_on_its_own_path(
    ooapi_provider: Provider, schemas: OoapiSchemas, template: str, path: str, key: str
) -> None:
    for client in ("a", "b"):
        items = listed(ooapi_provider, path, client)
        assert items, f"{path} lists nothing for {client}"
        for item in items:
            reply = ooapi_provider.get(item_path(template, item[key]), client=client)
            assert reply.status_code == 200, reply.text
            assert reply.headers["content-type"] == "application/json"
            assert reply.json() == item
            assert item_errors(schemas, template, reply.json()) == []


def test_the_lists_hold_what_the_catalogue_has(ooapi_provider: Provider) -> None:
    """The items the previous test walks: one organization, the cohorts' school years, one
    specification per stored qualification."""
    assert len(listed(ooapi_provider, "/organizations")) == 1
    sessions = listed(ooapi_provider, "/academic-sessions")
    assert [s["primaryCode"]["code"] for s in sessions] == [f"{y}-{y + 1}" for y in YEARS]
    specs = listed(ooapi_provider, "/education-specifications")
    assert {s["educationSpecificationId"] for s in specs} == {
        str(q.id) for q in ooapi_provider.of("roc-a", "qualification")}


@pytest.mark.parametrize(("template", "path", "key"), ITEM_PATHS)
def test_unknown_and_other_tenants_ids_are_404_problems(
    ooapi_provider: Provider, schemas: OoapiSchemas, template: str, path: str, key: str
) -> None:
    unknown = ooapi_provider.get(item_path(template, str(uuid.uuid4())))
    body = problem(schemas, template, unknown, 404)
    assert body["title"] == "Not Found" and body["detail"]
    for item in listed(ooapi_provider, path, client="b"):
        other = ooapi_provider.get(item_path(template, item[key]), client="a")
        problem(schemas, template, other, 404)


def test_a_school_year_without_cohorts_is_not_found(
    ooapi_provider: Provider, schemas: OoapiSchemas
) -> None:
    empty = academic_session_id("roc-a", YEARS[0] - 10)
    problem(schemas, SESSION, ooapi_provider.get(item_path(SESSION, str(empty))), 404)


@pytest.mark.parametrize("template", [t for t, _, _ in ITEM_PATHS])
@pytest.mark.parametrize(("ident", "params", "name"), [
    ("not-a-uuid", {}, None),
    (None, {"expand": "nothing"}, "expand"),
    (None, {"expand": ""}, "expand"),
])
def test_bad_ids_and_parameters_are_400_problems(
    ooapi_provider: Provider, schemas: OoapiSchemas, template: str, ident: str | None,
    params: dict[str, str], name: str | None,
) -> None:
    """A malformed id or ``expand`` is 400 naming it (``name`` None: the path's id)."""
    path_id = ident or str(uuid.uuid4())
    body = problem(schemas, template,
                   ooapi_provider.get(item_path(template, path_id), **params), 400)
    assert (name or template.split("{")[1].rstrip("}")) in body["detail"]


def test_expand_on_an_organization_and_a_session_changes_nothing(
    ooapi_provider: Provider, schemas: OoapiSchemas
) -> None:
    for template, path, key, expand in (
        (ORGANIZATION, "/organizations", "organizationId", "parent,children"),
        (SESSION, "/academic-sessions", "academicSessionId", "parent,children,year"),
    ):
        item = listed(ooapi_provider, path)[0]
        reply = ooapi_provider.get(item_path(template, item[key]), expand=expand)
        assert reply.status_code == 200, reply.text
        assert reply.json() == item


def test_a_specification_expands_its_organization_and_gives_timeline_overrides(
    ooapi_provider: Provider, schemas: OoapiSchemas
) -> None:
    spec = listed(ooapi_provider, "/education-specifications")[0]
    organization = listed(ooapi_provider, "/organizations")[0]
    path = item_path(SPECIFICATION, spec["educationSpecificationId"])
    expanded = ooapi_provider.get(path, expand="organization,parent,children").json()
    assert expanded == {**spec, "organization": organization}
    assert item_errors(schemas, SPECIFICATION, expanded) == []
    timeline = ooapi_provider.get(path, returnTimelineOverrides="true").json()
    assert timeline == {**spec, "timelineOverrides": []}
    assert item_errors(schemas, SPECIFICATION, timeline) == []
    assert ooapi_provider.get(path, returnTimelineOverrides="false").json() == spec
    problem(schemas, SPECIFICATION, ooapi_provider.get(path, returnTimelineOverrides="yes"), 400)


@pytest.mark.parametrize(("template", "path", "key"), ITEM_PATHS)
def test_no_token_or_the_wrong_scope_is_refused(
    ooapi_provider: Provider, schemas: OoapiSchemas, template: str, path: str, key: str
) -> None:
    ident = listed(ooapi_provider, path)[0][key]
    for client, status in ((None, 401), ("forged", 401), ("events", 403)):
        problem(schemas, template, ooapi_provider.get(item_path(template, ident), client=client),
                status)
