"""``GET /offerings/{offeringId}``, the mbo profile's ``GET /offerings``, and the listing of
program offerings (cohorts) that ``/programs/{programId}/offerings`` shares.

Offerings are cohorts: OOAPI ``ProgramOffering``s. By default only offerings that start
today or later are listed (OOAPI: "equal to ``?since=<today>``").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse

from gateway.api.routers.ooapi.context import Catalogue, CatalogueDep, page_response
from gateway.api.routers.ooapi.errors import OoapiRoute
from gateway.api.routers.ooapi.params import QueryParams, path_uuid
from gateway.domain import ProgrammeOffering
from gateway.errors import NotFoundError
from gateway.mappings.ooapi_v5_institution import academic_session, organization, school_year
from gateway.mappings.ooapi_v5_out import cohort_start, program, program_offering
from gateway.store.catalogue_filters import CohortFilter, PageSlice, SortKey

__all__ = ["OFFERING_EXPAND", "OFFERING_TYPES", "OfferingParams", "cohort_page", "router"]

router = APIRouter(route_class=OoapiRoute)

OFFERING_TYPES = ("component", "course", "program")
OFFERING_EXPAND = ("program", "programOffering", "course", "courseOffering", "component",
                   "organization", "academicSession")
_MBO_SORT = {"offeringId": "id", "name": "name", "startDateTime": "start", "endDateTime": "end"}


@dataclass(frozen=True)
class OfferingParams:
    """The parameters every offering listing has, read before any lookup (400 before 404)."""

    page: PageSlice
    consumer: str | None
    term: str | None
    language: str | None
    result_expected: bool | None
    since: date | None
    until: date | None

    @classmethod
    def read(cls, params: QueryParams) -> OfferingParams:
        language = params.language()
        return cls(
            page=params.page(), consumer=params.text("consumer"), term=params.text("q"),
            language=language.upper() if language else None,
            result_expected=params.boolean("resultExpected"),
            since=params.date("since"), until=params.date("until"),
        )


def cohort_page(
    catalogue: Catalogue,
    read: OfferingParams,
    sort: list[SortKey],
    *,
    programme: ProgrammeOffering | None = None,
    leerweg: str | None = None,
    possible: bool = True,
) -> JSONResponse:
    """A page of program offerings (cohorts).

    Args:
        catalogue: the caller's catalogue.
        read: the listing's common parameters.
        sort: the sort keys, read by the caller (their names differ per path).
        programme: only the cohorts of this programme offering.
        leerweg: only cohorts of programme offerings with this leerweg.
        possible: False when a path's own parameter already rules out every offering.
    """
    if not possible or read.result_expected is False:  # every program offering expects one
        return page_response([], 0, read.page)
    where = CohortFilter(
        offering_id=programme.id if programme else None, leerweg=leerweg,
        language=read.language, starts_from=read.since or catalogue.today,
        ends_until=read.until, text=read.term,
    )
    listing = catalogue.queries.cohorts(catalogue.tenant, where, sort, read.page)
    items = [program_offering(c, o, catalogue.institution, consumer=read.consumer)
             for c, o in listing.items]
    return page_response(items, listing.total, read.page)


@router.get("/offerings", response_class=JSONResponse, summary="Offerings (mbo profile)")
def list_offerings(request: Request, catalogue: CatalogueDep) -> JSONResponse:
    """All program offerings (cohorts) of the institution; ``offeringType`` other than
    ``program`` matches none. Sort by ``startDateTime`` (default), ``endDateTime``,
    ``name`` or ``offeringId``."""
    params = QueryParams(request)
    offering_type = params.choice("offeringType", OFFERING_TYPES)
    sort = params.sort(_MBO_SORT, default=["startDateTime"])
    read = OfferingParams.read(params)
    return cohort_page(catalogue, read, sort, possible=offering_type in (None, "program"))


@router.get("/offerings/{offeringId}", response_class=JSONResponse, summary="One offering")
def get_offering(request: Request, offeringId: str, catalogue: CatalogueDep) -> JSONResponse:  # noqa: N803 - the spec's name
    """One program offering (cohort); ``expand`` gives ``program``, ``organization`` or
    ``academicSession`` in full.

    The document carries ``"course": null``: OOAPI answers this path with ``oneOf``
    CourseOffering, ComponentOffering or ProgramOffering, and every ProgramOffering would
    also be a valid CourseOffering; a null ``course`` (not allowed in a CourseOffering)
    makes it match exactly one.
    """
    ident = path_uuid(offeringId, "offeringId")
    params = QueryParams(request)
    expand = params.expand(OFFERING_EXPAND)
    consumer = params.text("consumer")
    found = catalogue.queries.cohort(catalogue.tenant, ident)
    if found is None:
        raise NotFoundError(f"no offering {ident}")
    cohort, offering = found
    expanded: dict[str, dict[str, Any]] = {}
    if "program" in expand:
        spec = catalogue.queries.qualification_ids(catalogue.tenant, [offering.crebo])
        expanded["program"] = program(offering, catalogue.institution,
                                      education_specification=spec.get(offering.crebo))
    if "organization" in expand:
        expanded["organization"] = organization(catalogue.institution)
    if "academicSession" in expand:
        expanded["academicSession"] = academic_session(
            catalogue.tenant, school_year(cohort_start(cohort)))
    doc = program_offering(cohort, offering, catalogue.institution,
                           consumer=consumer, expanded=expanded)
    doc["course"] = None
    return JSONResponse(doc)
