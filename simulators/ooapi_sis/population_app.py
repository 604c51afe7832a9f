"""The read endpoints of the school's population, as OOAPI v5 and the mbo profile define them.

- ``GET /persons`` (sort ``personId`` | ``givenName`` | ``surName`` | ``displayName``,
  ``affiliations``, ``q``), ``GET /persons/{personId}``;
- ``GET /persons/{personId}/associations`` (items with the offering expanded) and
  ``GET /offerings/{offeringId}/associations`` (items with a ``PersonId`` object; of a
  component offering: its lecturer, :mod:`.timetable`), both with ``associationType``,
  ``role``, ``state`` and sort ``associationId``;
- ``GET /associations/{associationId}`` (person and offering as ids);
- ``GET /groups`` (sort ``groupId`` | ``name`` | ``startDate``, ``groupType``),
  ``GET /groups/{groupId}``, ``GET /groups/{groupId}/members`` (the mbo profile's list).
  Dissolved klassen are gone from all three (404); ``/groups/{groupId}/persons`` is in
  :mod:`.timetable_app`.

Paging, ``consumer`` and errors work as on the catalogue endpoints (:mod:`.listing`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from simulators.ooapi_sis import population_docs as pdocs
from simulators.ooapi_sis.listing import BadQuery, ListQuery, for_consumer, page_of, parse_query
from simulators.ooapi_sis.person_order import PersonOrder, Ref, person_order
from simulators.ooapi_sis.population import SisSchool
from simulators.ooapi_sis.responses import checked_id, guard, json_response
from simulators.ooapi_sis.tokens import TokenIssuer

__all__ = ["population_routes"]

Doc = dict[str, Any]
Found = tuple[Doc, str, str]
_ASSOCIATION_TYPES = ("programOffering", "courseOffering", "componentOffering")
_ROLES = ("student", "lecturer", "teaching assistant", "coordinator", "guest", "invigilator",
          "assessor")
_STATES = ("pending", "canceled", "denied", "associated", "queued", "finished")


def _one_of(params: Mapping[str, str], name: str, allowed: Sequence[str]) -> str | None:
    value = params.get(name)
    if value is not None and value not in allowed:
        raise BadQuery(f"{name} must be one of {list(allowed)}")
    return value


def _query(request: Request, school: SisSchool, sorts: tuple[str, ...],
           default_sort: str) -> ListQuery:
    return parse_query(request.query_params, sorts=sorts, default_sort=default_sort,
                       dated=False, today=school.today)


def _associations(found: list[Found], request: Request, query: ListQuery) -> list[Found]:
    params = request.query_params
    kind = _one_of(params, "associationType", _ASSOCIATION_TYPES)
    role = _one_of(params, "role", _ROLES)
    state = _one_of(params, "state", _STATES)
    kept = [f for f in found
            if (kind is None or f[0]["associationType"] == f"{kind}Association")
            and (role is None or f[0]["role"] == role)
            and (state is None or f[0]["state"] == state)]
    return sorted(kept, key=lambda f: str(f[0]["associationId"]),
                  reverse=query.sort[:1] == ("-associationId",))


class _Reads:
    """The handlers; each runs with the school's lock held (see :func:`.responses.guard`)."""

    def __init__(self, school: SisSchool) -> None:
        self.school = school
        self._orders: dict[tuple[Any, ...], PersonOrder] = {}
        self._groups: tuple[int, list[Doc]] | None = None

    def _person(self, request: Request) -> str:
        ident = checked_id(request.path_params["personId"])
        if self.school.person(ident) is None:
            raise HTTPException(404, f"no person {ident}")
        return ident

    def persons(self, request: Request) -> Response:
        query = _query(request, self.school, ("personId", "givenName", "surName",
                                              "displayName"), "personId")
        affiliation = _one_of(request.query_params, "affiliations",
                              ("student", "employee", "guest"))
        key = (query.sort, affiliation, query.search, self.school.version)
        order = self._orders.get(key)
        if order is None:
            order = person_order(self.school, sort=query.sort, affiliation=affiliation,
                                 search=query.search)
            if len(order.segments) == 1:  # materialised: keep it for the next pages
                self._orders = {k: v for k, v in self._orders.items()
                                if k[-1] == self.school.version and len(self._orders) < 16}
                self._orders[key] = order

        def render(ref: Ref) -> Doc:
            doc = (self.school.person_of(ref) if isinstance(ref, int)
                   else self.school.received.persons[ref])
            return for_consumer(doc, query.consumer)
        return json_response(page_of(order, query, render))  # type: ignore[arg-type]

    def person(self, request: Request) -> Response:
        doc = self.school.person(self._person(request))
        return json_response(for_consumer(doc or {}, request.query_params.get("consumer")))

    def person_associations(self, request: Request) -> Response:
        ident = self._person(request)
        query = _query(request, self.school, ("associationId",), "associationId")
        found = _associations(self.school.associations_of_person(ident), request, query)
        offerings = self.school.catalogue.offerings
        return json_response(page_of(found, query, lambda f: for_consumer(  # type: ignore[arg-type]
            pdocs.under_person(f[0], offerings[f[2]]), query.consumer)))

    def offering_associations(self, request: Request) -> Response:
        ident = checked_id(request.path_params["offeringId"])
        timetable = self.school.timetable
        session = None if ident in self.school.catalogue.offerings or not timetable.per_klas \
            else timetable.offering_number(ident)
        if ident not in self.school.catalogue.offerings and session is None:
            raise HTTPException(404, f"no offering {ident}")
        query = _query(request, self.school, ("associationId",), "associationId")
        listed = self.school.associations_of_offering(ident) if session is None else [
            (doc, person, ident) for doc, person in timetable.staff_associations(session)]
        found = _associations(listed, request, query)
        return json_response(page_of(found, query, lambda f: for_consumer(  # type: ignore[arg-type]
            pdocs.under_offering(f[0], f[1]), query.consumer)))

    def association(self, request: Request) -> Response:
        ident = checked_id(request.path_params["associationId"])
        found = self.school.find_association(ident)
        if found is None:
            raise HTTPException(404, f"no association {ident}")
        return json_response(for_consumer(pdocs.on_its_own(*found),
                                          request.query_params.get("consumer")))

    def _all_groups(self) -> list[Doc]:
        if self._groups is None or self._groups[0] != self.school.version:
            self._groups = (self.school.version,
                            [self.school.group(n) for n in self.school.group_numbers()])
        return self._groups[1]

    def groups(self, request: Request) -> Response:
        query = _query(request, self.school, ("groupId", "name", "startDate"), "name")
        kind = _one_of(request.query_params, "groupType", ("learning group", "class", "team"))
        found = [g for g in self._all_groups() if kind is None or g["groupType"] == kind]
        found.sort(key=lambda g: str(g["groupId"]))
        for key in reversed(query.sort):
            name = key.lstrip("-")
            found.sort(key=lambda g, n=name: (g[n][0]["value"].casefold()  # type: ignore[misc]
                                              if n == "name" else str(g[n])),
                       reverse=key.startswith("-"))
        return json_response(page_of(found, query, lambda g: g))

    def _group(self, request: Request) -> int:
        ident = checked_id(request.path_params["groupId"])
        number = self.school.group_number(ident)
        if number is None:
            raise HTTPException(404, f"no group {ident}")
        return number

    def group(self, request: Request) -> Response:
        return json_response(self.school.group(self._group(request)))

    def members(self, request: Request) -> Response:
        number = self._group(request)
        query = _query(request, self.school, (), "")
        return json_response(page_of(self.school.members(number), query,
                                     lambda m: for_consumer(m, query.consumer)))


def population_routes(school: SisSchool, issuer: TokenIssuer) -> list[Route]:
    """The routes of the read endpoints (see the module docstring)."""
    reads = _Reads(school)
    table: dict[str, Callable[[Request], Response]] = {
        "/persons": reads.persons,
        "/persons/{personId}": reads.person,
        "/persons/{personId}/associations": reads.person_associations,
        "/offerings/{offeringId}/associations": reads.offering_associations,
        "/associations/{associationId}": reads.association,
        "/groups": reads.groups,
        "/groups/{groupId}": reads.group,
        "/groups/{groupId}/members": reads.members,
    }
    return [Route(path, guard(issuer, school.lock, handler), methods=["GET"])
            for path, handler in table.items()]
