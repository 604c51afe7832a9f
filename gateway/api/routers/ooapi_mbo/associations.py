"""``/associations/{associationId}`` of the mbo profile: enrolments and participations."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import JSONResponse, Response

from gateway.api.routers.ooapi.params import QueryParams, path_uuid
from gateway.api.routers.ooapi_mbo.audit import NO_STORE, record_needs_reads, record_read
from gateway.api.routers.ooapi_mbo.context import FLOW_1_5, JsonBody, Mbo, mbo_context
from gateway.api.routers.ooapi_mbo.errors import MboRoute
from gateway.api.routers.ooapi_mbo.writes import put_response
from gateway.errors import AuthError
from gateway.mappings.ooapi_v5_mbo_in import canonical_id
from gateway.store.audit import AuditOutcome
from gateway.sync.mbo_association_reads import get_association
from gateway.sync.mbo_associations import ASSOCIATION_PATH, patch_association, put_association

__all__ = ["router"]

router = APIRouter(route_class=MboRoute)


@router.get(ASSOCIATION_PATH, response_class=JSONResponse, summary="An association")
def read_association(
    request: Request,
    associationId: str,  # noqa: N803 - the profile's name
    mbo: Annotated[Mbo, Depends(mbo_context("get", ASSOCIATION_PATH))],
) -> JSONResponse:
    """``expand=offering`` gives the offering in full; ``expand=person`` the person, which
    is personal data and needs the persons' scope (``nl-test-admin-flow-1-5``)."""
    expand = QueryParams(request).expand(("person", "offering"))
    ident = path_uuid(associationId, "associationId")
    if "person" in expand and not mbo.may(FLOW_1_5):
        raise AuthError(f"expand=person needs the scope {FLOW_1_5}", forbidden=True)
    document = get_association(mbo.receiver, mbo.tenant, ident, expand, mbo.institution)
    person = document.get("person")
    personal = record_needs_reads(mbo, [document])  # a student's needs: audited too
    if isinstance(person, dict):  # personal data: audited before it leaves
        record_read(mbo, canonical_id(mbo.tenant, "person", str(person["personId"])),
                    AuditOutcome.GRANTED, sorted(person))
        personal = True
    return JSONResponse(document, headers=NO_STORE if personal else None)


@router.put(ASSOCIATION_PATH, summary="Create or replace an association", status_code=200)
def replace_association(
    request: Request,
    associationId: str,  # noqa: N803
    body: JsonBody,
    mbo: Annotated[Mbo, Depends(mbo_context("put", ASSOCIATION_PATH))],
) -> Response:
    """201 when new, 200 when replaced; 409 when the state machine refuses its state."""
    written = put_association(mbo.receiver, mbo.tenant,
                              path_uuid(associationId, "associationId"), body)
    return put_response(request, written)


@router.patch(ASSOCIATION_PATH, response_class=JSONResponse,
              summary="Change an association (JSON merge patch)")
def update_association(
    associationId: str,  # noqa: N803
    body: JsonBody,
    mbo: Annotated[Mbo, Depends(mbo_context("patch", ASSOCIATION_PATH))],
) -> JSONResponse:
    """The profile's answer: the association's id, a message, and its state now."""
    ident = path_uuid(associationId, "associationId")
    written, state = patch_association(mbo.receiver, mbo.tenant, ident, body)
    message = "association changed" if written.changed else "association unchanged"
    return JSONResponse({"associationId": str(ident),
                         "message": [{"language": "en-GB", "value": message}],
                         "state": state})
