"""The rostering service's collections below another object, as the 1.2 REST binding lists them.

``/schools/{id}/{classes,students,teachers,courses,enrollments,terms}``,
``/schools/{id}/classes/{classId}/{enrollments,students,teachers}``,
``/classes/{id}/{students,teachers}``, ``/{users,students,teachers}/{id}/classes``,
``/courses/{id}/classes``, ``/terms/{id}/{classes,gradingPeriods}``.

Each is its top-level collection narrowed below its parent (:mod:`gateway.adapters.
oneroster.nested_reads`), so it pages, filters, sorts and selects ``fields`` like the
top-level one, and a users' collection is audited the same way (:func:`.rostering.
collection_response`). A parent that does not exist (for the caller's tenant) answers
404 ``unknownobject`` in OneRoster's error form, as a single read of it would.

What "below" means here: the tenant is one org (a school), so everything is below it; the
users of a class are those with a current membership of its group in that enrollment
role; a class's ``terms`` are school years (the gateway has no terms), so the term of
``/terms/{id}/...`` is any of the tenant's academicSessions, the ones ``class.terms``
names; there are no grading periods, so that collection is empty.

Any other GET below the service (an optional endpoint such as ``/demographics``, a typo,
a later version's) answers 404 ``unknownobject`` in OneRoster's form too, not the app's
problem+json: :func:`unknown_endpoint` is this router's last route and this router comes
after the service's others. It still demands a rostering scope, so the service's surface
is not probed without one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from gateway.adapters.oneroster.bundle_export import REST_BASE, roster_objects
from gateway.adapters.oneroster.nested_reads import (
    Narrowing,
    classes_in_year,
    classes_of_person,
    equal_to,
    members_of_class,
    narrowed,
)
from gateway.adapters.oneroster.roster_objects import RESOURCES
from gateway.api.deps import GatewayDep
from gateway.api.routers.oneroster.rostering import Text, collection_response, service_base
from gateway.api.routers.oneroster.scopes import RosterReader
from gateway.api.routers.oneroster.status import OneRosterRoute
from gateway.errors import NotFoundError

__all__ = ["NESTED", "router"]

router = APIRouter(prefix=REST_BASE, tags=["OneRoster 1.2 rostering"],
                   route_class=OneRosterRoute)

#: The tenant, today, and the parents found (in path order) -> the narrowing, if any.
Narrow = Callable[[str, date, Sequence[dict[str, Any]]], Narrowing | None]
_MAX_ID = 256


def _everything(tenant: str, today: date, parents: Sequence[dict[str, Any]]) -> None:
    return None  # the tenant's one org holds everything


def _members(role: str) -> Narrow:
    return lambda tenant, _, parents: members_of_class(tenant, parents[-1]["sourcedId"], role)


def _classes_of(role: str | None) -> Narrow:
    return lambda tenant, _, parents: classes_of_person(tenant, parents[-1]["sourcedId"], role)


def _enrollments_of_class(tenant: str, today: date, parents: Sequence[dict[str, Any]],
                          ) -> Narrowing:
    return equal_to("class.sourcedId", parents[-1]["sourcedId"])


def _classes_of_course(tenant: str, today: date, parents: Sequence[dict[str, Any]],
                       ) -> Narrowing:
    return equal_to("course.sourcedId", parents[-1]["sourcedId"])


def _classes_of_term(tenant: str, today: date, parents: Sequence[dict[str, Any]]) -> Narrowing:
    return classes_in_year(int(parents[-1]["schoolYear"]), today)


_SCHOOL_CLASS = ("schools", "classes")
#: path below the service -> (the parents' collections, in path order; the child; narrowing)
NESTED: dict[str, tuple[tuple[str, ...], str, Narrow]] = {
    "/schools/{p0}/classes": (("schools",), "classes", _everything),
    "/schools/{p0}/students": (("schools",), "students", _everything),
    "/schools/{p0}/teachers": (("schools",), "teachers", _everything),
    "/schools/{p0}/courses": (("schools",), "courses", _everything),
    "/schools/{p0}/enrollments": (("schools",), "enrollments", _everything),
    "/schools/{p0}/terms": (("schools",), "terms", _everything),
    "/schools/{p0}/classes/{p1}/enrollments": (_SCHOOL_CLASS, "enrollments",
                                               _enrollments_of_class),
    "/schools/{p0}/classes/{p1}/students": (_SCHOOL_CLASS, "users", _members("student")),
    "/schools/{p0}/classes/{p1}/teachers": (_SCHOOL_CLASS, "users", _members("teacher")),
    "/classes/{p0}/students": (("classes",), "users", _members("student")),
    "/classes/{p0}/teachers": (("classes",), "users", _members("teacher")),
    "/users/{p0}/classes": (("users",), "classes", _classes_of(None)),
    "/students/{p0}/classes": (("students",), "classes", _classes_of("student")),
    "/teachers/{p0}/classes": (("teachers",), "classes", _classes_of("teacher")),
    "/courses/{p0}/classes": (("courses",), "classes", _classes_of_course),
    "/terms/{p0}/classes": (("academicSessions",), "classes", _classes_of_term),
    "/terms/{p0}/gradingPeriods": (("academicSessions",), "gradingPeriods", _everything),
}


def _nested(parents: tuple[str, ...], child: str, narrow: Narrow) -> Callable[..., JSONResponse]:
    def read_nested(
        request: Request, gateway: GatewayDep, principal: RosterReader,
        limit: Text = None, offset: Text = None, sort: Text = None,
        order_by: Annotated[str | None, Query(alias="orderBy")] = None,
        filter: Text = None, fields: Text = None,  # noqa: A002 - the binding's name
    ) -> JSONResponse:
        objects = roster_objects(gateway, principal.tenant, service_base(request))
        found: list[dict[str, Any]] = []
        for position, parent in enumerate(parents):
            ident = str(request.path_params[f"p{position}"])
            resource = RESOURCES[parent]
            obj = objects.one(resource, ident) if len(ident) <= _MAX_ID else None
            if obj is None:
                raise NotFoundError(f"no {resource.singular} with this sourcedId")
            found.append(obj)
        resource = RESOURCES[child]
        narrowing = narrow(principal.tenant, objects.today, found)
        if narrowing is not None and resource.collection is not None:
            resource = replace(resource, collection=narrowed(resource.collection, narrowing))
        return collection_response(request, gateway, principal, resource, {
            "limit": limit, "offset": offset, "sort": sort, "orderBy": order_by,
            "filter": filter, "fields": fields}, objects)

    return read_nested


for _path, (_parents, _child, _narrow) in NESTED.items():
    _handler = _nested(_parents, _child, _narrow)
    _name = _path.replace("{p0}", "by").replace("{p1}", "by").strip("/").replace("/", "_")
    _handler.__name__ = f"get_{_name}"
    _handler.__doc__ = f"The {_child} below the {' and '.join(_parents)} of the path."
    router.add_api_route(_path, _handler, methods=["GET"], response_class=JSONResponse)


@router.get("/{path:path}", response_class=JSONResponse, include_in_schema=False)
def unknown_endpoint(path: str, principal: RosterReader) -> JSONResponse:
    """No such endpoint: 404 ``unknownobject`` (registered last: every GET matches it)."""
    raise NotFoundError("no such endpoint in the OneRoster rostering service")
