"""The rostering read endpoints of the school: components, their offerings, a klas's persons.

As ``ooapi.json`` and the mbo profile define them:

- ``GET /components`` (the mbo profile's list; ``primaryCode``, ``q``, sort ``componentId`` |
  ``name``, default ``name``) and ``GET /components/{componentId}``;
- ``GET /components/{componentId}/offerings`` (``since``/``until``, sort ``offeringId`` |
  ``name`` | ``startDateTime`` | ``endDateTime``, default ``startDateTime``);
- ``GET /groups/{groupId}/persons``: the persons of a klas, students then mentor
  (``affiliations``, ``q``, sort ``personId`` | ``givenName`` | ``surName`` |
  ``displayName``, default ``personId``).

The component offerings themselves are served with the catalogue's offerings (``GET
/offerings``, ``?offeringType=component``, ``GET /offerings/{offeringId}``: :mod:`.app`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from simulators.ooapi_sis.listing import BadQuery, for_consumer, page_of, parse_query, sorted_items
from simulators.ooapi_sis.population import SisSchool
from simulators.ooapi_sis.responses import checked_id, guard, json_response
from simulators.ooapi_sis.tokens import TokenIssuer

__all__ = ["timetable_routes"]

Doc = dict[str, Any]
_PERSON_SORTS = {"personId": "personId", "givenName": "givenName", "surName": "surname",
                 "displayName": "displayName"}


class _Reads:
    """The handlers; each runs with the school's lock held (see :func:`.responses.guard`)."""

    def __init__(self, school: SisSchool) -> None:
        self.school = school
        self.timetable = school.timetable

    def _component(self, request: Request) -> Doc:
        ident = checked_id(request.path_params["componentId"])
        number = self.timetable.component_number(ident)
        if number is None:
            raise HTTPException(404, f"no component {ident}")
        return self.timetable.component(number)

    def components(self, request: Request) -> Response:
        query = parse_query(request.query_params, sorts=("componentId", "name"),
                            default_sort="name", dated=False, today=self.school.today)
        code = request.query_params.get("primaryCode")
        found = [c for c in self.timetable.all_components()
                 if code is None or c["primaryCode"]["code"] == code]
        return json_response(page_of(sorted_items(found, query, "componentId"), query,
                                     lambda d: for_consumer(d, query.consumer)))

    def component(self, request: Request) -> Response:
        return json_response(for_consumer(self._component(request),
                                          request.query_params.get("consumer")))

    def component_offerings(self, request: Request) -> Response:
        component = self._component(request)
        query = parse_query(request.query_params,
                            sorts=("offeringId", "name", "startDateTime", "endDateTime"),
                            default_sort="startDateTime", dated=True, today=self.school.today)
        found = self.timetable.offerings_of_component(component["componentId"])
        return json_response(page_of(sorted_items(found, query, "offeringId"), query,
                                     lambda d: for_consumer(d, query.consumer)))

    def group_persons(self, request: Request) -> Response:
        ident = checked_id(request.path_params["groupId"])
        number = self.school.group_number(ident)
        if number is None:
            raise HTTPException(404, f"no group {ident}")
        params = request.query_params
        query = parse_query(params, sorts=tuple(_PERSON_SORTS), default_sort="personId",
                            dated=False, today=self.school.today)
        affiliation = params.get("affiliations")
        if affiliation is not None and affiliation not in ("student", "employee", "guest"):
            raise BadQuery("affiliations must be one of ['student', 'employee', 'guest']")
        persons = [p for p in (self.school.person(m["personId"])
                               for m in self.school.members(number)) if p is not None]
        needle = (query.search or "").casefold()
        found = [p for p in persons
                 if (affiliation is None or affiliation in p["affiliations"])
                 and (not needle or needle in str(p.get("displayName", "")).casefold())]
        found.sort(key=lambda p: str(p["personId"]))
        for key in reversed(query.sort):
            field = _PERSON_SORTS[key.lstrip("-")]
            found.sort(key=lambda p, f=field: str(p.get(f, "")).casefold(),  # type: ignore[misc]
                       reverse=key.startswith("-"))
        return json_response(page_of(found, query, lambda p: for_consumer(p, query.consumer)))


def timetable_routes(school: SisSchool, issuer: TokenIssuer) -> list[Route]:
    """The routes of the rostering reads (see the module docstring)."""
    reads = _Reads(school)
    table: dict[str, Callable[[Request], Response]] = {
        "/components": reads.components,
        "/components/{componentId}": reads.component,
        "/components/{componentId}/offerings": reads.component_offerings,
        "/groups/{groupId}/persons": reads.group_persons,
    }
    return [Route(path, guard(issuer, school.lock, handler), methods=["GET"])
            for path, handler in table.items()]
