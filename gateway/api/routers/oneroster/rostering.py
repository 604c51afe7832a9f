"""The read endpoints of the OneRoster 1.2 rostering service (REST binding), per tenant.

``/ims/oneroster/rostering/v1p2/{orgs,schools,academicSessions,terms,courses,classes,
users,students,teachers,enrollments}`` and ``.../{collection}/{sourcedId}``, with the
binding's paging (``limit``, ``offset``; ``X-Total-Count`` and ``Link`` headers),
``filter``, ``sort``/``orderBy`` and ``fields``. The tenant is the token's; the scopes
are ``roster-core.readonly`` or ``roster.readonly``. Refusals are OneRoster
``imsx_StatusInfo`` payloads (:mod:`.status`).

Users carry names, so a response holding ``givenName`` or ``familyName`` is written to
the audit log first, one entry per person (a ``fields`` selection without the names is
not a personal-data read and is not logged).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse

from gateway.adapters.oneroster.audit_reads import record_name_reads
from gateway.adapters.oneroster.bundle_export import REST_BASE, roster_objects
from gateway.adapters.oneroster.query import (
    parse_fields,
    parse_filter,
    parse_page,
    parse_sort,
)
from gateway.adapters.oneroster.roster_objects import RESOURCES, Resource
from gateway.api.deps import GatewayDep, Principal
from gateway.api.routers.oneroster.scopes import RosterReader
from gateway.api.routers.oneroster.status import OneRosterRoute
from gateway.errors import NotFoundError

__all__ = ["router"]

router = APIRouter(prefix=REST_BASE, tags=["OneRoster 1.2 rostering"],
                   route_class=OneRosterRoute)

_NAMES = frozenset({"givenName", "familyName"})
Text = Annotated[str | None, Query()]


def _select(items: list[dict[str, Any]], fields: tuple[str, ...] | None) -> list[dict[str, Any]]:
    if fields is None:
        return items
    return [{k: item[k] for k in fields if k in item} for item in items]


def _audit(gateway: GatewayDep, principal: Principal, resource: Resource,
           items: list[dict[str, Any]], fields: tuple[str, ...] | None) -> None:
    """Log the persons whose names are about to leave (before they do)."""
    if resource.plural != "users" or (fields is not None and not _NAMES & set(fields)):
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


def _collection(name: str, resource: Resource) -> Callable[..., JSONResponse]:
    def read_collection(
        request: Request, gateway: GatewayDep, principal: RosterReader,
        limit: Text = None, offset: Text = None, sort: Text = None,
        order_by: Annotated[str | None, Query(alias="orderBy")] = None,
        filter: Text = None, fields: Text = None,  # noqa: A002 - the binding's name
    ) -> JSONResponse:
        base = str(request.base_url).rstrip("/") + REST_BASE
        objects = roster_objects(gateway, principal.tenant, base)
        spec = objects.filter_spec(resource)
        where = parse_filter(filter, spec)
        order = parse_sort(sort, order_by, spec)
        selected = parse_fields(fields, resource.fields)
        page = parse_page(limit, offset)
        items, total = objects.page(resource, where, order, page)
        _audit(gateway, principal, resource, items, selected)
        headers = {"X-Total-Count": str(total),
                   "Link": _links(request, page.limit, page.offset, total)}
        if resource.plural == "users":
            headers["Cache-Control"] = "no-store"
        return JSONResponse({resource.plural: _select(items, selected)}, headers=headers)

    read_collection.__name__ = f"get_all_{name}"
    read_collection.__doc__ = f"All {name} of the caller's tenant (paged, filtered, sorted)."
    return read_collection


def _single(name: str, resource: Resource) -> Callable[..., JSONResponse]:
    def read_one(
        request: Request, gateway: GatewayDep, principal: RosterReader,
        sourced_id: Annotated[str, Path(alias="sourcedId", max_length=256)],
        fields: Text = None,
    ) -> JSONResponse:
        base = str(request.base_url).rstrip("/") + REST_BASE
        objects = roster_objects(gateway, principal.tenant, base)
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
