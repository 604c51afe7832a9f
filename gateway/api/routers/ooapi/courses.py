"""``GET /courses``, ``/courses/{courseId}`` and ``/courses/{courseId}/offerings``.

Courses are modules, keuzedelen and microcredentials. A course takes the language and level
of the programme offering it belongs to. The canonical model holds no course offerings (when
a course is taught is the timetable's business), so a known course lists none.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse

from gateway.api.routers.ooapi.context import Catalogue, CatalogueDep, page_response
from gateway.api.routers.ooapi.errors import OoapiRoute
from gateway.api.routers.ooapi.offerings import OfferingParams
from gateway.api.routers.ooapi.params import QueryParams, path_uuid
from gateway.domain import Course, ProgrammeOffering
from gateway.errors import NotFoundError
from gateway.mappings.ooapi_v5_institution import organization
from gateway.mappings.ooapi_v5_out import SECTOR, course, level_name, program
from gateway.store.catalogue_filters import CourseFilter

__all__ = ["LEVELS", "MODES_OF_DELIVERY", "router"]

router = APIRouter(route_class=OoapiRoute)

LEVELS = ("secondary vocational education", "secondary vocational education 1",
          "secondary vocational education 2", "secondary vocational education 3",
          "secondary vocational education 4", "associate degree", "bachelor", "master",
          "doctoral", "undefined", "undivided", "nt2-1", "nt2-2")
MODES_OF_DELIVERY = ("distance-learning", "on campus", "online", "hybrid", "situated")
COURSE_EXPAND = ("programs", "coordinators", "organization", "educationSpecification")
_LEVEL_NUMBER = {level_name(n): n for n in (1, 2, 3, 4)}


@router.get("/courses", response_class=JSONResponse, summary="Courses")
def list_courses(request: Request, catalogue: CatalogueDep) -> JSONResponse:
    """Modules, keuzedelen and microcredentials. Filters: ``primaryCode`` (the code),
    ``teachingLanguage``, ``level``, ``modeOfDelivery`` (published for none), ``q`` (name or
    code); sort by ``name`` (default) or ``courseId``."""
    params = QueryParams(request)
    page = params.page()
    consumer = params.text("consumer")
    code = params.text("primaryCode")
    language = params.language()
    level = params.choice("level", LEVELS)
    modes = params.choices("modeOfDelivery", MODES_OF_DELIVERY)
    term = params.text("q")
    sort = params.sort({"courseId": "id", "name": "name"}, default=["name"])
    if modes or (level is not None and level != SECTOR and level not in _LEVEL_NUMBER):
        return page_response([], 0, page)
    where = CourseFilter(
        code=code, language=language.upper() if language else None,
        level=_LEVEL_NUMBER.get(level) if level else None,
        without_programme=level == SECTOR, text=term,
    )
    listing = catalogue.queries.courses(catalogue.tenant, where, sort, page)
    items = [course(c, o, catalogue.institution, consumer=consumer) for c, o in listing.items]
    return page_response(items, listing.total, page)


def _course(catalogue: Catalogue, course_id: str) -> tuple[Course, ProgrammeOffering | None]:
    ident = path_uuid(course_id, "courseId")
    found = catalogue.queries.course(catalogue.tenant, ident)
    if found is None:
        raise NotFoundError(f"no course {ident}")
    return found


@router.get("/courses/{courseId}", response_class=JSONResponse, summary="One course")
def get_course(request: Request, courseId: str, catalogue: CatalogueDep) -> JSONResponse:  # noqa: N803 - the spec's name
    """One course; ``expand`` gives ``programs`` and ``organization`` in full."""
    params = QueryParams(request)
    expand = params.expand(COURSE_EXPAND)
    timeline = params.boolean("returnTimelineOverrides")
    consumer = params.text("consumer")
    item, offering = _course(catalogue, courseId)
    expanded: dict[str, Any] = {}
    if "programs" in expand and offering is not None:
        expanded["programs"] = program(offering, catalogue.institution)
    if "organization" in expand:
        expanded["organization"] = organization(catalogue.institution)
    doc = course(item, offering, catalogue.institution, consumer=consumer, expanded=expanded)
    if timeline:
        doc["timelineOverrides"] = []
    return JSONResponse(doc)


@router.get("/courses/{courseId}/offerings", response_class=JSONResponse,
            summary="The offerings of a course")
def list_course_offerings(
    request: Request, courseId: str, catalogue: CatalogueDep  # noqa: N803 - the spec's name
) -> JSONResponse:
    """None: the catalogue holds no course offerings. 404 for an unknown course."""
    params = QueryParams(request)
    read = OfferingParams.read(params)
    params.choices("modeOfDelivery", MODES_OF_DELIVERY)
    params.sort({"offeringId": "", "name": "", "startDate": "", "endDate": ""},
                default=["startDate"])
    _course(catalogue, courseId)
    return page_response([], 0, read.page)
