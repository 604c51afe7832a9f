"""``GET /programs``, ``/programs/{programId}`` and ``/programs/{programId}/offerings``.

A program is a programme offering (crebo x leerweg x location). Its primary code is
``crebo-leerweg-location``, so ``primaryCode`` finds one program exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse

from gateway.api.routers.ooapi.context import Catalogue, CatalogueDep, page_response
from gateway.api.routers.ooapi.errors import OoapiRoute
from gateway.api.routers.ooapi.offerings import OfferingParams, cohort_page
from gateway.api.routers.ooapi.params import QueryParams, path_uuid
from gateway.domain import ProgrammeOffering
from gateway.errors import NotFoundError
from gateway.mappings.ooapi_v5_institution import organization
from gateway.mappings.ooapi_v5_out import MODE_OF_STUDY, SECTOR, education_specification, program
from gateway.store.catalogue_filters import ProgrammeFilter

__all__ = ["router"]

router = APIRouter(route_class=OoapiRoute)

PROGRAM_TYPES = ("program", "minor", "honours", "specialization", "track")
QUALIFICATIONS_AWARDED = ("AD", "BA", "BSc", "LLB", "MA", "MSc", "LLM", "Phd", "None")
LEVELS_OF_QUALIFICATION = ("1", "2", "3", "4", "4+", "5", "6", "7", "8")
SECTORS = ("secondary vocational education", "higher professional education",
           "university education")
MODES_OF_STUDY = ("full-time", "part-time", "dual training", "self-paced")
PROGRAM_EXPAND = ("parent", "children", "coordinators", "organization", "educationSpecification")
_LEERWEG_BY_MODE = {mode: leerweg.value for leerweg, mode in MODE_OF_STUDY.items()}


def _programme_filter(primary_code: str | None) -> ProgrammeFilter | None:
    """The filter for a primary code ``crebo-leerweg-location``; None if none can match."""
    if primary_code is None:
        return ProgrammeFilter()
    parts = primary_code.split("-")
    if len(parts) != 3:
        return None
    return ProgrammeFilter(crebo=parts[0], leerweg=parts[1], location=parts[2])


def program_documents(
    catalogue: Catalogue, offerings: Sequence[ProgrammeOffering], consumer: str | None
) -> list[dict[str, Any]]:
    """Programs of a page of programme offerings, linked to their qualifications."""
    specs = catalogue.queries.qualification_ids(catalogue.tenant, {o.crebo for o in offerings})
    return [program(o, catalogue.institution, consumer=consumer,
                    education_specification=specs.get(o.crebo)) for o in offerings]


@router.get("/programs", response_class=JSONResponse, summary="Programs")
def list_programs(request: Request, catalogue: CatalogueDep) -> JSONResponse:
    """The institution's programs. Filters: ``primaryCode``, ``teachingLanguage``,
    ``levelOfQualification``, ``programType``, ``sector``, ``qualificationAwarded`` and
    ``fieldsOfStudy`` (published for none), ``q``; sort by ``name`` (default) or
    ``programId``."""
    params = QueryParams(request)
    page = params.page()
    consumer = params.text("consumer")
    base = _programme_filter(params.text("primaryCode"))
    language = params.language()
    program_type = params.choice("programType", PROGRAM_TYPES)
    awarded = params.choice("qualificationAwarded", QUALIFICATIONS_AWARDED)
    level = params.choice("levelOfQualification", LEVELS_OF_QUALIFICATION)
    sector = params.choice("sector", SECTORS)
    fields_of_study = params.text("fieldsOfStudy")
    term = params.text("q")
    sort = params.sort({"programId": "id", "name": "name"}, default=["name"])
    if (base is None or program_type not in (None, "program") or awarded is not None
            or fields_of_study is not None or sector not in (None, SECTOR)
            or (level is not None and level not in ("1", "2", "3", "4"))):
        return page_response([], 0, page)
    where = ProgrammeFilter(
        crebo=base.crebo, leerweg=base.leerweg, location=base.location,
        language=language.upper() if language else None,
        level=int(level) if level else None, text=term,
    )
    listing = catalogue.queries.programmes(catalogue.tenant, where, sort, page)
    return page_response(program_documents(catalogue, listing.items, consumer),
                         listing.total, page)


def _programme(catalogue: Catalogue, program_id: str) -> ProgrammeOffering:
    ident = path_uuid(program_id, "programId")
    found = catalogue.queries.programme(catalogue.tenant, ident)
    if found is None:
        raise NotFoundError(f"no program {ident}")
    return found


@router.get("/programs/{programId}", response_class=JSONResponse, summary="One program")
def get_program(request: Request, programId: str, catalogue: CatalogueDep) -> JSONResponse:  # noqa: N803 - the spec's name
    """One program; ``expand`` gives ``organization`` and ``educationSpecification`` in full
    (a program has no parent, children or coordinators here)."""
    params = QueryParams(request)
    expand = params.expand(PROGRAM_EXPAND)
    timeline = params.boolean("returnTimelineOverrides")
    consumer = params.text("consumer")
    offering = _programme(catalogue, programId)
    spec_id = catalogue.queries.qualification_ids(catalogue.tenant, [offering.crebo])
    spec: Any = spec_id.get(offering.crebo)
    if spec is not None and "educationSpecification" in expand:
        qualification = catalogue.queries.qualification(catalogue.tenant, spec)
        if qualification is not None:
            spec = education_specification(qualification, catalogue.institution)
    doc = program(
        offering, catalogue.institution, consumer=consumer,
        education_specification=spec,
        organization=organization(catalogue.institution) if "organization" in expand else None,
    )
    if timeline:
        doc["timelineOverrides"] = []
    return JSONResponse(doc)


@router.get("/programs/{programId}/offerings", response_class=JSONResponse,
            summary="The offerings (cohorts) of a program")
def list_program_offerings(
    request: Request, programId: str, catalogue: CatalogueDep  # noqa: N803 - the spec's name
) -> JSONResponse:
    """The program's cohorts, chronologically by default (sort ``startDate``, ``endDate``,
    ``name``, ``offeringId``); ``modeOfStudy`` matches the program's own."""
    params = QueryParams(request)
    read = OfferingParams.read(params)
    mode = params.choice("modeOfStudy", MODES_OF_STUDY)
    sort = params.sort({"offeringId": "id", "name": "name", "startDate": "start",
                        "endDate": "end"}, default=["startDate"])
    offering = _programme(catalogue, programId)
    leerweg = _LEERWEG_BY_MODE.get(mode) if mode else None
    return cohort_page(catalogue, read, sort, programme=offering, leerweg=leerweg,
                       possible=mode is None or leerweg is not None)
