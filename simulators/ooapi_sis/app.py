"""The simulated SIS as an ASGI app: OOAPI v5 with the mbo profile, behind client credentials.

``create_sis_app(catalogue, client_id=..., client_secret=...)`` serves:

- ``POST /oauth/token``: client credentials; every other endpoint needs its bearer token;
- ``GET /`` (the service), ``/programs``, ``/programs/{programId}``,
  ``/programs/{programId}/offerings``, ``/courses``, ``/courses/{courseId}``,
  ``/courses/{courseId}/offerings``, ``/offerings`` (added by the mbo profile),
  ``/offerings/{offeringId}``, ``/education-specifications`` (and ``/{id}``),
  ``/organizations`` (and ``/{id}``), ``/academic-sessions`` (and ``/{id}``);
  lists page, sort and filter as :mod:`.listing` says; ``consumer=<key>`` keeps only that
  consumer's entries in each ``consumers`` array;
- ``POST /_simulator/mutate?count=N``: the school changes N things (answers what changed);
- with a ``school`` (:class:`~.population.SisSchool`): its persons, associations and
  groups (:mod:`.population_app`), ``PUT /associations/{associationId}`` and
  ``PUT /persons/{personId}`` checked against the mbo profile, and more kinds of change
  (:mod:`.population_writes`); its timetable's components and component offerings
  (:mod:`.timetable_app`; the offerings also in ``/offerings`` and
  ``/offerings/{offeringId}``), the groups of an offering (:mod:`.offering_groups_app`),
  the persons of a klas, and klas and timetable changes (:mod:`.roster_changes`).

Errors are OOAPI ``Problem`` documents (``application/problem+json``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from simulators.ooapi_sis.generator import SisCatalogue
from simulators.ooapi_sis.listing import (
    BadQuery,
    for_consumer,
    page_of,
    parse_query,
    sorted_items,
)
from simulators.ooapi_sis.offering_groups_app import offering_groups_routes
from simulators.ooapi_sis.population import SisSchool
from simulators.ooapi_sis.population_app import population_routes
from simulators.ooapi_sis.population_writes import RequestCheck, SchoolWrites
from simulators.ooapi_sis.responses import checked_id, guard, json_response, problem
from simulators.ooapi_sis.roster_changes import PARAMS as ROSTER_PARAMS
from simulators.ooapi_sis.roster_changes import RosterMutator, apply_roster_changes
from simulators.ooapi_sis.timetable_app import timetable_routes
from simulators.ooapi_sis.tokens import TokenIssuer

__all__ = ["create_sis_app"]

log = logging.getLogger(__name__)
Doc = dict[str, Any]


@dataclass(frozen=True)
class _List:
    """One list endpoint: where its items come from and how they may be ordered."""

    items: Callable[[SisCatalogue, dict[str, str]], Iterable[Doc]]
    id_key: str
    sorts: tuple[str, ...]
    default_sort: str
    dated: bool = False


def _children(kind: str) -> Callable[[SisCatalogue, dict[str, str]], Iterable[Doc]]:
    def items(catalogue: SisCatalogue, path: dict[str, str]) -> Iterable[Doc]:
        index = (catalogue.offerings_of_program if kind == "program"
                 else catalogue.offerings_of_course)
        parent = path[f"{kind}Id"]
        if parent not in index:
            raise HTTPException(404, f"no {kind} {parent}")
        return [catalogue.offerings[i] for i in index[parent]]
    return items


_OFFERING_SORTS = ("offeringId", "name", "startDate", "endDate")
_LISTS: dict[str, _List] = {
    "/programs": _List(lambda c, p: c.programs.values(), "programId",
                       ("programId", "name"), "name"),
    "/courses": _List(lambda c, p: c.courses.values(), "courseId", ("courseId", "name"), "name"),
    "/offerings": _List(lambda c, p: c.offerings.values(), "offeringId",
                        ("offeringId", "name", "startDateTime", "endDateTime"),
                        "startDateTime", dated=True),
    "/programs/{programId}/offerings": _List(_children("program"), "offeringId",
                                             _OFFERING_SORTS, "startDate", dated=True),
    "/courses/{courseId}/offerings": _List(_children("course"), "offeringId",
                                           _OFFERING_SORTS, "startDate", dated=True),
    "/education-specifications": _List(
        lambda c, p: c.education_specifications.values(), "educationSpecificationId",
        ("educationSpecificationType", "name", "primaryCode"), "name"),
    "/organizations": _List(lambda c, p: c.organizations.values(), "organizationId",
                            ("organizationId", "name"), "name"),
    "/academic-sessions": _List(lambda c, p: c.academic_sessions.values(), "academicSessionId",
                                ("academicSessionId", "name", "startDate"), "startDate"),
}
#: Single-item endpoints: the catalogue collection and the path parameter.
_ITEMS = {
    "/programs/{programId}": ("programs", "programId"),
    "/courses/{courseId}": ("courses", "courseId"),
    "/offerings/{offeringId}": ("offerings", "offeringId"),
    "/education-specifications/{educationSpecificationId}": (
        "education_specifications", "educationSpecificationId"),
    "/organizations/{organizationId}": ("organizations", "organizationId"),
    "/academic-sessions/{academicSessionId}": ("academic_sessions", "academicSessionId"),
}


def create_sis_app(
    catalogue: SisCatalogue, *, client_id: str, client_secret: str,
    school: SisSchool | None = None, check: RequestCheck | None = None,
) -> Starlette:
    """The ASGI app serving ``catalogue`` (see the module docstring).

    Args:
        catalogue: the generated catalogue; ``/_simulator/mutate`` changes it in place.
        client_id: the one client that may ask for a token.
        client_secret: its secret.
        school: the school's population (persons, associations, groups), built on
            ``catalogue``; without it the SIS serves its catalogue only.
        check: validates pushed bodies against the mbo profile (see
            :mod:`.population_writes`); without it ``PUT`` is answered 405.
    """
    issuer = TokenIssuer(client_id, client_secret)
    writes = SchoolWrites(school, check) if school is not None else None
    cache: dict[tuple[Any, ...], list[Doc]] = {}
    lists = dict(_LISTS)
    roster = RosterMutator(school) if school is not None else None
    if school is not None and school.timetable.per_klas:
        timetable = school.timetable
        lists["/offerings"] = replace(_LISTS["/offerings"], items=lambda c, p: [
            *c.offerings.values(), *timetable.offerings()])

    def version() -> tuple[int, int]:
        return (catalogue.version, school.version if school is not None else 0)

    def guarded(handler: Callable[[Request], Response]) -> Callable[[Request], Any]:
        return guard(issuer, catalogue.lock, handler)

    def listing(template: str, spec: _List) -> Callable[[Request], Response]:
        def handler(request: Request) -> Response:
            path = {k: checked_id(v) for k, v in request.path_params.items()}
            query = parse_query(request.query_params, sorts=spec.sorts,
                                default_sort=spec.default_sort, dated=spec.dated,
                                today=catalogue.today)
            key = (template, tuple(sorted(path.items())), query.filter_key(), version())
            if key not in cache:
                if len(cache) > 256 or any(k[-1] != version() for k in cache):
                    cache.clear()
                cache[key] = sorted_items(spec.items(catalogue, path), query, spec.id_key)
            return json_response(page_of(cache[key], query,
                                         lambda d: for_consumer(d, query.consumer)))
        return handler

    def item(collection: str, param: str) -> Callable[[Request], Response]:
        def handler(request: Request) -> Response:
            ident = checked_id(request.path_params[param])
            doc = getattr(catalogue, collection).get(ident)
            if doc is None and collection == "offerings" and school is not None:
                number = school.timetable.offering_number(ident)
                doc = None if number is None else school.timetable.offering(number)
            if doc is None:
                raise HTTPException(404, f"no {param[:-2]} {ident}")
            return json_response(for_consumer(doc, request.query_params.get("consumer") or None))
        return handler

    def service(request: Request) -> Response:
        return json_response(catalogue.service)

    def mutate(request: Request) -> Response:
        params = request.query_params
        changes: list[str] = []
        rostering = roster is not None and any(name in params for name in ROSTER_PARAMS)
        if "count" in params or not (rostering or (writes is not None
                                                   and writes.asks_for_changes(params))):
            changes += catalogue.mutate(_count(params.get("count", "1"), "count"))
        if writes is not None:
            changes += writes.mutate(params)
        if roster is not None and rostering:
            changes += _roster_changes(roster, params)
        log.info("simulated SIS: %d changes", len(changes))
        versions = {"version": catalogue.version}
        if school is not None:
            versions["schoolVersion"] = school.version
        return json_response({**versions, "changes": changes})

    routes = [Route("/oauth/token", issuer.token, methods=["POST"]),
              Route("/", guarded(service), methods=["GET"]),
              Route("/_simulator/mutate", guarded(mutate), methods=["POST"])]
    routes += [Route(t, guarded(listing(t, s)), methods=["GET"]) for t, s in lists.items()]
    routes += [Route(t, guarded(item(*spec)), methods=["GET"]) for t, spec in _ITEMS.items()]
    if school is not None and writes is not None:
        routes += population_routes(school, issuer)
        routes += timetable_routes(school, issuer)
        routes += offering_groups_routes(school, issuer)
        routes += writes.routes(issuer)

    async def http_error(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        detail = exc.detail if isinstance(exc, HTTPException) else "unexpected error"
        return problem(status, str(detail), dict(getattr(exc, "headers", None) or {}))

    return Starlette(routes=routes, exception_handlers={HTTPException: http_error,
                                                        Exception: http_error})


def _roster_changes(roster: RosterMutator, params: Any) -> list[str]:
    def number(name: str) -> int:
        return _count(params[name], name) if name in params else 0
    try:
        return apply_roster_changes(roster, params, number)
    except KeyError as exc:
        raise HTTPException(404, f"nothing listed as {exc.args[0]}") from None


def _count(raw: str, name: str) -> int:
    try:
        count = int(raw)
    except ValueError:
        raise BadQuery(f"{name} must be an integer") from None
    if not 1 <= count <= 10_000:
        raise BadQuery(f"{name} must be between 1 and 10000")
    return count
