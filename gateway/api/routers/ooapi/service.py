"""``GET /`` (the service document), ``GET /organizations`` and
``GET /organizations/{organizationId}`` (the tenant itself)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse

from gateway.api.routers.ooapi.context import CatalogueDep, contact_email, page_response
from gateway.api.routers.ooapi.errors import OoapiRoute
from gateway.api.routers.ooapi.params import QueryParams, path_uuid
from gateway.errors import NotFoundError
from gateway.mappings.ooapi_v5_institution import organization, service
from gateway.mappings.ooapi_v5_out import MBO_CONSUMER, RIO_CONSUMER

__all__ = ["ORGANIZATION_TYPES", "router"]

router = APIRouter(route_class=OoapiRoute)

ORGANIZATION_TYPES = ("root", "institute", "department", "faculty", "branch", "academy",
                      "school")
ORGANIZATION_EXPAND = ("parent", "children")


@router.get("/", response_class=JSONResponse, summary="The OOAPI service document")
def service_root(catalogue: CatalogueDep) -> JSONResponse:
    """Who runs this provider, and which consumer entries it can add."""
    return JSONResponse(service(contact_email(catalogue.settings), [MBO_CONSUMER, RIO_CONSUMER]))


@router.get("/organizations", response_class=JSONResponse, summary="The institution")
def list_organizations(request: Request, catalogue: CatalogueDep) -> JSONResponse:
    """The caller's institution, one organization of type ``root``.

    Filters: ``primaryCode``, ``organizationType``, ``q`` (name or short name); sort by
    ``name`` or ``organizationId``.
    """
    params = QueryParams(request)
    page = params.page()
    primary_code = params.text("primaryCode")
    kind = params.choice("organizationType", ORGANIZATION_TYPES)
    term = params.text("q")
    params.text("consumer")
    params.sort({"organizationId": "id", "name": "name"}, default=["name"])
    doc = organization(catalogue.institution)
    matches = (
        (primary_code is None or doc["primaryCode"]["code"] == primary_code)
        and (kind is None or doc["organizationType"] == kind)
        and (term is None or term.lower() in catalogue.institution.name.lower()
             or term.lower() in doc["shortName"].lower())
    )
    items = [doc] if matches else []
    return page_response(items[page.offset:page.offset + page.size], len(items), page)


@router.get("/organizations/{organizationId}", response_class=JSONResponse,
            summary="One organization")
def get_organization(
    request: Request, organizationId: str, catalogue: CatalogueDep  # noqa: N803 - the spec's name
) -> JSONResponse:
    """The caller's institution by its id; any other id is 404 (another tenant's too).

    ``expand`` (``parent``, ``children``) is accepted and adds nothing: the institution is
    the one root organization, without parent or children.
    """
    ident = path_uuid(organizationId, "organizationId")
    QueryParams(request).expand(ORGANIZATION_EXPAND)
    if ident != catalogue.institution.organization_id:
        raise NotFoundError(f"no organization {ident}")
    return JSONResponse(organization(catalogue.institution))
