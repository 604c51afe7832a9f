"""``/persons/{personId}`` and ``/persons/{personId}/associations`` of the mbo profile."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import JSONResponse, Response

from gateway.api.routers.ooapi.context import page_response
from gateway.api.routers.ooapi.params import QueryParams, path_uuid
from gateway.api.routers.ooapi_mbo.audit import (
    NO_STORE,
    person_reader,
    record_needs_reads,
    record_read,
)
from gateway.api.routers.ooapi_mbo.context import JsonBody, Mbo, mbo_context
from gateway.api.routers.ooapi_mbo.errors import MboRoute
from gateway.api.routers.ooapi_mbo.writes import put_response
from gateway.errors import NotFoundError
from gateway.mappings.ooapi_v5_mbo_in import canonical_id
from gateway.store.audit import AuditOutcome
from gateway.sync.mbo_association_reads import AssociationFilter, list_for_person
from gateway.sync.mbo_persons import PERSON_PATH, get_person, put_person

__all__ = ["ASSOCIATION_ROLES", "ASSOCIATION_STATES", "RESULT_STATES", "association_filter",
           "router"]

router = APIRouter(route_class=MboRoute)

LIST_PATH = "/persons/{personId}/associations"
ASSOCIATION_ROLES = ("student", "lecturer", "teaching assistant", "coordinator", "guest",
                     "invigilator", "assessor")
ASSOCIATION_STATES = ("pending", "canceled", "denied", "associated", "queued", "finished")
RESULT_STATES = ("in progress", "postponed", "completed", "queued")


@router.get(PERSON_PATH, response_class=JSONResponse, summary="A person (personal data)")
def read_person(
    personId: str,  # noqa: N803 - the profile's name
    mbo: Annotated[Mbo, Depends(person_reader)],
) -> JSONResponse:
    """The person as the SIS last PUT it; personal data, so every read is audited."""
    ref = path_uuid(personId, "personId")
    ident = canonical_id(mbo.tenant, "person", ref)
    try:
        document = get_person(mbo.receiver, mbo.tenant, ref)
    except NotFoundError:
        record_read(mbo, ident, AuditOutcome.NOT_FOUND)
        raise
    record_read(mbo, ident, AuditOutcome.GRANTED, sorted(document))
    return JSONResponse(document, headers={"Cache-Control": "no-store"})


@router.put(PERSON_PATH, summary="Create or replace a person", status_code=200)
def replace_person(
    request: Request,
    personId: str,  # noqa: N803
    body: JsonBody,
    mbo: Annotated[Mbo, Depends(mbo_context("put", PERSON_PATH))],
) -> Response:
    """201 when the person is new, 200 when replaced (also when nothing changed)."""
    written = put_person(mbo.receiver, mbo.tenant, path_uuid(personId, "personId"), body)
    return put_response(request, written)


def association_filter(params: QueryParams, types: tuple[str, ...]) -> AssociationFilter:
    """The profile's filters and ``sort`` of an association list."""
    sort = params.sort({"associationId": "id"}, default=["associationId"])
    return AssociationFilter(
        association_type=params.choice("associationType", types),
        role=params.choice("role", ASSOCIATION_ROLES),
        state=params.choice("state", ASSOCIATION_STATES),
        result_state=params.choice("result-state", RESULT_STATES),
        descending=bool(sort and sort[0][1]))


@router.get(LIST_PATH, response_class=JSONResponse, summary="A person's associations")
def read_person_associations(
    request: Request,
    personId: str,  # noqa: N803
    mbo: Annotated[Mbo, Depends(mbo_context("get", LIST_PATH))],
) -> JSONResponse:
    """Each with its offering in full, as the profile requires."""
    params = QueryParams(request)
    page = params.page()
    params.text("consumer")
    where = association_filter(params, ("programOffering", "courseOffering",
                                        "componentOffering"))
    person = path_uuid(personId, "personId")
    items, total = list_for_person(mbo.receiver, mbo.tenant, person, where, page,
                                   mbo.institution)
    response = page_response(items, total, page)
    if record_needs_reads(mbo, items, canonical_id(mbo.tenant, "person", person)):
        response.headers.update(NO_STORE)
    return response
