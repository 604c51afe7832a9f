"""The read endpoints of the OneRoster 1.2 rostering service (REST binding), per tenant.

``/ims/oneroster/rostering/v1p2/{orgs,schools,academicSessions,terms,courses,classes,
users,students,teachers,enrollments}`` and ``.../{collection}/{sourcedId}``, with the
binding's paging (``limit``, ``offset``; ``X-Total-Count`` and ``Link`` headers),
``filter``, ``sort``/``orderBy`` and ``fields``. The tenant is the token's; the scopes
are ``roster-core.readonly`` or ``roster.readonly``. Refusals are OneRoster
``imsx_StatusInfo`` payloads (:mod:`.status`).

Users carry names, so a response that holds ``givenName`` or ``familyName``, or that
was selected or ordered by them (``filter``/``sort`` on a name reveal it even when
``fields`` leaves it out), is written to the audit log first, one entry per person
returned. Only a response that neither holds nor was chosen by a name is not logged.

The collections below another object (``/classes/{id}/students``, ...) are in
:mod:`.nested`; they answer through :func:`collection_response` too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse

from gateway.adapters.oneroster.audit_reads import record_name_reads
from gateway.adapters.oneroster.bundle_export import REST_BASE, roster_objects
from gateway.adapters.oneroster.query import (
    Filter,
    Sort,
    parse_fields,
    parse_filter,
    parse_page,
    parse_sort,
)
from gateway.adapters.oneroster.roster_objects import RESOURCES, Resource, RosterObjects
from gateway.api.deps import GatewayDep, Principal
from gateway.api.routers.oneroster.scopes import RosterReader
from gateway.api.routers.oneroster.status import OneRosterRoute
from gateway.errors import NotFoundError

__all__ = ["Text", "collection_response", "router", "service_base"]

router = APIRouter(prefix=REST_BASE, tags=["OneRoster 1.2 rostering"],
                   route_class=OneRosterRoute)

_NAMES = frozenset({"givenName", "familyName"})
Text = Annotated[str | None, Query()]


def _select(items: list[dict[str, Any]], fields: tuple[str, ...] | None) -> list[dict[str, Any]]:
    if fields is None:
        return items
    return [{k: item[k] for k in fields if k in item} for item in items]


def _names_used(where: Filter | None, order: Sort | None) -> bool:
    """Whether the filter or the sort names a name (so the result reveals names)."""
    used = {p.field for p in where.predicates} if where is not None else set()
    if order is not None:
        used.add(order.field)
    return bool(_NAMES & used)


def _audit(gateway: GatewayDep, principal: Principal, resource: Resource,
           items: list[dict[str, Any]], fields: tuple[str, ...] | None,
           where: Filter | None = None, order: Sort | None = None) -> None:
    """Log the persons whose names are about to leave, or were used to choose or order
    them (before the response leaves)."""
    if resource.plural != "users":
        return
    shown = fields is None or bool(_NAMES & set(fields))
    if not shown and not _names_used(where, order):
        return
    record_name_reads(gateway.engine, gateway.clock, tenant=principal.tenant,
                      client_id=principal.client_id, issuer=principal.issuer,
                      person_ids=[str(item["sourcedId"]) for item in items])


def _links(request: Request, limit: int, offset: int, total: int) -> str:
    def at(where: int) -> str:
        url = request.url.include_query_params(limit=limit, offset=where)
        return f"<{url}>"

    links = [f'{at(0)}; rel="first"',
             f'{at(max(0, (total - 1) // limit * limit))}; rel="last"']
    if offset + limit < total:
        links.append(f'{at(offset + limit)}; rel="next"')
    if offset > 0:
        links.append(f'{at(max(0, offset - limit))}; rel="prev"')
    return ", ".join(links)


def collection_response(
    request: Request, gateway: GatewayDep, principal: Principal, resource: Resource,
    query: dict[str, str | None], objects: RosterObjects | None = None,
) -> JSONResponse:
    """One page of ``resource`` as the binding answers it (paging headers, audit).

    Args:
        request: the request (its URL makes the ``Link`` header).
        gateway: the gateway.
        principal: the caller (its tenant; the audit names it).
        resource: the collection, possibly narrowed below a parent.
        query: ``limit``, ``offset``, ``sort``, ``orderBy``, ``filter``, ``fields``.
        objects: the tenant's objects, when the caller already has them.

    Raises:
        OneRosterQueryError: a parameter the service cannot honour.
    """
    if objects is None:
        objects = roster_objects(gateway, principal.tenant, service_base(request))
    spec = objects.filter_spec(resource)
    where = parse_filter(query.get("filter"), spec)
    order = parse_sort(query.get("sort"), query.get("orderBy"), spec)
    selected = parse_fields(query.get("fields"), resource.fields)
    page = parse_page(query.get("limit"), query.get("offset"))
    items, total = objects.page(resource, where, order, page)
    _audit(gateway, principal, resource, items, selected, where, order)
    headers = {"X-Total-Count": str(total),
               "Link": _links(request, page.limit, page.offset, total)}
    if resource.plural == "users":
        headers["Cache-Control"] = "no-store"
    return JSONResponse({resource.plural: _select(items, selected)}, headers=headers)


def service_base(request: Request) -> str:
    """The service's base URL as the caller reached it (the ``href`` of references)."""
    return str(request.base_url).rstrip("/") + REST_BASE


def _collection(name: str, resource: Resource) -> Callable[..., JSONResponse]:
    def read_collection(
        request: Request, gateway: GatewayDep, principal: RosterReader,
        limit: Text = None, offset: Text = None, sort: Text = None,
        order_by: Annotated[str | None, Query(alias="orderBy")] = None,
        filter: Text = None, fields: Text = None,  # noqa: A002 - the binding's name
    ) -> JSONResponse:
        return collection_response(request, gateway, principal, resource, {
            "limit": limit, "offset": offset, "sort": sort, "orderBy": order_by,
            "filter": filter, "fields": fields})

    read_collection.__name__ = f"get_all_{name}"
    read_collection.__doc__ = f"All {name} of the caller's tenant (paged, filtered, sorted)."
    return read_collection


def _single(name: str, resource: Resource) -> Callable[..., JSONResponse]:
    def read_one(
        request: Request, gateway: GatewayDep, principal: RosterReader,
        sourced_id: Annotated[str, Path(alias="sourcedId", max_length=256)],
        fields: Text = None,
    ) -> JSONResponse:
        objects = roster_objects(gateway, principal.tenant, service_base(request))
        selected = parse_fields(fields, resource.fields)
        found = objects.one(resource, sourced_id)
        if found is None:
            raise NotFoundError(f"no {resource.singular} with this sourcedId")
        _audit(gateway, principal, resource, [found], selected)
        headers = {"Cache-Control": "no-store"} if resource.plural == "users" else None
        return JSONResponse({resource.singular: _select([found], selected)[0]},
                            headers=headers)

    read_one.__name__ = f"get_{name}"
    read_one.__doc__ = f"One of the {name} of the caller's tenant, by sourcedId."
    return read_one


for _name, _resource in RESOURCES.items():
    router.add_api_route(f"/{_name}", _collection(_name, _resource), methods=["GET"],
                         response_class=JSONResponse)
    router.add_api_route(f"/{_name}/{{sourcedId}}", _single(_name, _resource),
                         methods=["GET"], response_class=JSONResponse)
