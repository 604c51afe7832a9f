"""``/offerings/{offeringId}`` (component offerings) and its associations, mbo profile."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import JSONResponse, Response

from gateway.api.routers.ooapi.context import page_response
from gateway.api.routers.ooapi.params import QueryParams, path_uuid
from gateway.api.routers.ooapi_mbo.audit import NO_STORE, record_needs_reads
from gateway.api.routers.ooapi_mbo.context import JsonBody, Mbo, mbo_context
from gateway.api.routers.ooapi_mbo.errors import MboRoute
from gateway.api.routers.ooapi_mbo.persons import association_filter
from gateway.api.routers.ooapi_mbo.writes import put_response
from gateway.sync.mbo_association_reads import list_for_offering
from gateway.sync.mbo_offerings import OFFERING_PATH, get_offering, patch_offering, put_offering

__all__ = ["OFFERING_EXPAND", "router"]

router = APIRouter(route_class=MboRoute)

LIST_PATH = "/offerings/{offeringId}/associations"
OFFERING_EXPAND = ("program", "programOffering", "course", "courseOffering", "component",
                   "organization", "academicSession")


@router.get(OFFERING_PATH, response_class=JSONResponse, summary="A component offering")
def read_offering(
    request: Request,
    offeringId: str,  # noqa: N803 - the profile's name
    mbo: Annotated[Mbo, Depends(mbo_context("get", OFFERING_PATH))],
) -> JSONResponse:
    """The offering as last PUT or PATCHed; what it holds in full stays in full (``expand``
    is checked, and has nothing more to give)."""
    QueryParams(request).expand(OFFERING_EXPAND)
    return JSONResponse(get_offering(mbo.receiver, mbo.tenant,
                                     path_uuid(offeringId, "offeringId")))


@router.put(OFFERING_PATH, summary="Create or replace a component offering", status_code=200)
def replace_offering(
    request: Request,
    offeringId: str,  # noqa: N803
    body: JsonBody,
    mbo: Annotated[Mbo, Depends(mbo_context("put", OFFERING_PATH))],
) -> Response:
    """201 when the offering is new, 200 when replaced (also when nothing changed)."""
    written = put_offering(mbo.receiver, mbo.tenant, path_uuid(offeringId, "offeringId"), body)
    return put_response(request, written)


@router.patch(OFFERING_PATH, summary="Change a component offering (JSON merge patch)",
              status_code=200)
def update_offering(
    offeringId: str,  # noqa: N803
    body: JsonBody,
    mbo: Annotated[Mbo, Depends(mbo_context("patch", OFFERING_PATH))],
) -> Response:
    """``offeringState: canceled`` in the ``nl-test-admin`` entry cancels the session."""
    patch_offering(mbo.receiver, mbo.tenant, path_uuid(offeringId, "offeringId"), body)
    return Response(status_code=200)


@router.get(LIST_PATH, response_class=JSONResponse, summary="An offering's associations")
def read_offering_associations(
    request: Request,
    offeringId: str,  # noqa: N803
    mbo: Annotated[Mbo, Depends(mbo_context("get", LIST_PATH))],
) -> JSONResponse:
    """A component offering's (or a catalogue cohort's) associations."""
    params = QueryParams(request)
    page = params.page()
    params.text("consumer")
    where = association_filter(params, ("programOfferingAssociation",
                                        "courseOfferingAssociation",
                                        "componentOfferingAssociation"))
    items, total = list_for_offering(mbo.receiver, mbo.tenant,
                                     path_uuid(offeringId, "offeringId"), where, page)
    response = page_response(items, total, page)
    if record_needs_reads(mbo, items):  # a student's needs: audited per person
        response.headers.update(NO_STORE)
    return response
