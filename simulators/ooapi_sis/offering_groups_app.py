"""``GET /offerings/{offeringId}/groups`` of the school, as ``ooapi.json`` defines it.

OOAPI v5's only way to say which groups follow an offering (the mbo profile has no such
list): a component offering's klas (:mod:`.timetable`; none once the klas is dissolved),
a running cohort's klassen, no group for other offerings, 404 for an unknown offering.
``groupType``, ``q`` (name or code) and sort ``groupId`` | ``name`` | ``startDate`` (default
``name``); paging, ``consumer`` and errors as on the other lists (:mod:`.listing`).
"""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from simulators.ooapi_sis.listing import BadQuery, ListQuery, page_of, parse_query
from simulators.ooapi_sis.population import SisSchool
from simulators.ooapi_sis.responses import checked_id, guard, json_response
from simulators.ooapi_sis.tokens import TokenIssuer

__all__ = ["groups_of_offering", "offering_groups_routes"]

Doc = dict[str, Any]
_TYPES = ("learning group", "class", "team")


def groups_of_offering(school: SisSchool, ident: str) -> list[int] | None:
    """The numbers of the klassen of an offering; None when the SIS does not know it."""
    if ident in school.catalogue.offerings:
        if ident not in school.running:
            return []
        index = school.running.index(ident)
        return [n for n in school.group_numbers() if school.groups[n][0] == index]
    timetable = school.timetable
    number = timetable.offering_number(ident) if timetable.per_klas else None
    return None if number is None else timetable.group_numbers_of(number)


def _sorted(found: list[Doc], query: ListQuery) -> list[Doc]:
    found = sorted(found, key=lambda g: str(g["groupId"]))
    for key in reversed(query.sort):
        name = key.lstrip("-")
        found.sort(key=lambda g, n=name: (g[n][0]["value"].casefold()  # type: ignore[misc]
                                          if n == "name" else str(g.get(n, ""))),
                   reverse=key.startswith("-"))
    return found


def offering_groups_routes(school: SisSchool, issuer: TokenIssuer) -> list[Route]:
    """The route of the list (see the module docstring)."""

    def groups(request: Request) -> Response:
        ident = checked_id(request.path_params["offeringId"])
        numbers = groups_of_offering(school, ident)
        if numbers is None:
            raise HTTPException(404, f"no offering {ident}")
        query = parse_query(request.query_params, sorts=("groupId", "name", "startDate"),
                            default_sort="name", dated=False, today=school.today)
        kind = request.query_params.get("groupType")
        if kind is not None and kind not in _TYPES:
            raise BadQuery(f"groupType must be one of {list(_TYPES)}")
        needle = (query.search or "").casefold()
        found = [g for g in map(school.group, numbers)
                 if (kind is None or g["groupType"] == kind)
                 and (not needle or needle in g["primaryCode"]["code"].casefold()
                      or needle in g["name"][0]["value"].casefold())]
        return json_response(page_of(_sorted(found, query), query, lambda g: g))

    return [Route("/offerings/{offeringId}/groups", guard(issuer, school.lock, groups),
                  methods=["GET"])]
