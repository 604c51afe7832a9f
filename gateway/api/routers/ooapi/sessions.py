"""``GET /academic-sessions`` and ``/academic-sessions/{academicSessionId}``: the mbo school
years in which the tenant's cohorts start.

A handful per tenant, derived from the cohorts' start months in one query, so filtering,
sorting and paging them happens here rather than in the database.
"""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse

from gateway.api.routers.ooapi.context import Catalogue, CatalogueDep, page_response
from gateway.api.routers.ooapi.errors import OoapiRoute
from gateway.api.routers.ooapi.params import QueryParams, path_uuid
from gateway.errors import NotFoundError
from gateway.mappings.ooapi_v5_institution import (
    academic_session,
    academic_session_id,
    school_year,
)

__all__ = ["router"]

router = APIRouter(route_class=OoapiRoute)

SESSION_EXPAND = ("parent", "children", "year")
_SORT = {"academicSessionId": "academicSessionId", "name": "name", "startDate": "startDate"}


def _sort_value(key: str, doc: dict[str, Any]) -> str:
    value = doc[key]
    return str(value[0]["value"] if key == "name" else value)


def _school_years(catalogue: Catalogue) -> list[int]:
    """The school years (by their first calendar year) in which listed cohorts start."""
    months = catalogue.queries.cohort_start_months(catalogue.tenant)
    return sorted({school_year(date.fromisoformat(f"{month}-01")) for month in months})


@router.get("/academic-sessions", response_class=JSONResponse, summary="School years")
def list_academic_sessions(request: Request, catalogue: CatalogueDep) -> JSONResponse:
    """School years (type ``academic year``, 1 August to 31 July). Filters: ``primaryCode``
    (``2026-2027``), ``academicSessionType``, ``parent`` and ``year`` (a school year has
    neither, so they match none); sort by ``startDate`` (default), ``name`` or
    ``academicSessionId``."""
    params = QueryParams(request)
    page = params.page()
    params.text("consumer")
    primary_code = params.text("primaryCode")
    session_type = params.text("academicSessionType")
    parent = params.uuid("parent")
    year = params.uuid("year")
    sort = params.sort(_SORT, default=["startDate"])
    if parent is not None or year is not None:
        return page_response([], 0, page)
    docs = [academic_session(catalogue.tenant, y) for y in _school_years(catalogue)]
    docs = [d for d in docs
            if (primary_code is None or d["primaryCode"]["code"] == primary_code)
            and (session_type is None or d["academicSessionType"] == session_type)]
    for key, descending in reversed([*sort, ("academicSessionId", False)]):
        docs.sort(key=partial(_sort_value, key), reverse=descending)
    return page_response(docs[page.offset:page.offset + page.size], len(docs), page)


@router.get("/academic-sessions/{academicSessionId}", response_class=JSONResponse,
            summary="One school year")
def get_academic_session(
    request: Request, academicSessionId: str, catalogue: CatalogueDep  # noqa: N803 - the spec's name
) -> JSONResponse:
    """One school year of the list; a school year in which no cohort starts is 404.

    ``expand`` (``parent``, ``children``, ``year``) is accepted and adds nothing: a school
    year is a top-level session without parts.
    """
    ident = path_uuid(academicSessionId, "academicSessionId")
    QueryParams(request).expand(SESSION_EXPAND)
    for year in _school_years(catalogue):
        if academic_session_id(catalogue.tenant, year) == ident:
            return JSONResponse(academic_session(catalogue.tenant, year))
    raise NotFoundError(f"no academic session {ident}")
