"""``GET /education-specifications`` and ``/education-specifications/{educationSpecificationId}``:
the qualifications (crebo) of the tenant's catalogue."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse

from gateway.api.routers.ooapi.context import CatalogueDep, page_response
from gateway.api.routers.ooapi.errors import OoapiRoute
from gateway.api.routers.ooapi.params import QueryParams, path_uuid
from gateway.errors import NotFoundError
from gateway.mappings.ooapi_v5_institution import organization
from gateway.mappings.ooapi_v5_out import education_specification
from gateway.store.catalogue_filters import QualificationFilter

__all__ = ["SPECIFICATION_TYPES", "router"]

router = APIRouter(route_class=OoapiRoute)

SPECIFICATION_TYPES = ("program", "privateProgram", "cluster", "course")
SPECIFICATION_EXPAND = ("parent", "children", "organization")
#: Every specification is of type ``program``: sorting by the type orders nothing.
_SORT = {"educationSpecificationType": "", "name": "name", "primaryCode": "crebo"}


@router.get("/education-specifications", response_class=JSONResponse,
            summary="Education specifications")
def list_education_specifications(request: Request, catalogue: CatalogueDep) -> JSONResponse:
    """Qualifications as specifications of type ``program``, primary code the crebo.
    Filters: ``primaryCode``, ``educationSpecificationType``, ``q`` (name or crebo); sort by
    ``name`` (default), ``primaryCode`` or ``educationSpecificationType``."""
    params = QueryParams(request)
    page = params.page()
    params.text("consumer")
    term = params.text("q")
    spec_type = params.choice("educationSpecificationType", SPECIFICATION_TYPES)
    crebo = params.text("primaryCode")
    sort = params.sort(_SORT, default=["name"])
    if spec_type not in (None, "program"):
        return page_response([], 0, page)
    listing = catalogue.queries.qualifications(
        catalogue.tenant, QualificationFilter(crebo=crebo, text=term), sort, page)
    items = [education_specification(q, catalogue.institution) for q in listing.items]
    return page_response(items, listing.total, page)


@router.get("/education-specifications/{educationSpecificationId}",
            response_class=JSONResponse, summary="One education specification")
def get_education_specification(
    request: Request, educationSpecificationId: str, catalogue: CatalogueDep  # noqa: N803 - the spec's name
) -> JSONResponse:
    """One qualification; ``expand=organization`` gives the institution in full (a
    qualification has no parent or children here). ``returnTimelineOverrides=true`` adds
    an empty ``timelineOverrides``: no other versions are kept."""
    ident = path_uuid(educationSpecificationId, "educationSpecificationId")
    params = QueryParams(request)
    timeline = params.boolean("returnTimelineOverrides")
    expand = params.expand(SPECIFICATION_EXPAND)
    qualification = catalogue.queries.qualification(catalogue.tenant, ident)
    if qualification is None:
        raise NotFoundError(f"no education specification {ident}")
    full = organization(catalogue.institution) if "organization" in expand else None
    doc = education_specification(qualification, catalogue.institution, organization=full)
    if timeline:
        doc["timelineOverrides"] = []
    return JSONResponse(doc)
