"""``/groups``, ``/groups/{groupId}`` and ``/groups/{groupId}/members`` of the mbo profile."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import JSONResponse, Response

from gateway.api.routers.ooapi.context import page_response
from gateway.api.routers.ooapi.params import QueryParams, path_uuid
from gateway.api.routers.ooapi_mbo.context import JsonBody, Mbo, mbo_context
from gateway.api.routers.ooapi_mbo.errors import MboRoute
from gateway.api.routers.ooapi_mbo.writes import put_response
from gateway.sync.mbo_groups import (
    GROUP_PATH,
    MEMBERS_PATH,
    GroupFilter,
    get_group,
    list_groups,
    list_members,
    put_group,
    put_member,
)

__all__ = ["GROUP_TYPES", "router"]

router = APIRouter(route_class=MboRoute)

GROUP_TYPES = ("learning group", "class", "team")
_SORT = {"groupId": "groupId", "name": "name", "startDate": "startDate"}


@router.get("/groups", response_class=JSONResponse, summary="The tenant's groups")
def read_groups(
    request: Request, mbo: Annotated[Mbo, Depends(mbo_context("get", "/groups"))]
) -> JSONResponse:
    """Filters ``primaryCode``, ``q`` (name or code), ``groupType``; sort ``groupId``,
    ``name`` (default), ``startDate``."""
    params = QueryParams(request)
    page = params.page()
    params.text("consumer")
    where = GroupFilter(primary_code=params.text("primaryCode"), term=params.text("q"),
                        group_type=params.choice("groupType", GROUP_TYPES),
                        sort=tuple(params.sort(_SORT, default=["name"])))
    items, total = list_groups(mbo.receiver, mbo.tenant, where, page)
    return page_response(items, total, page)


@router.get(GROUP_PATH, response_class=JSONResponse, summary="A group")
def read_group(
    request: Request,
    groupId: str,  # noqa: N803 - the profile's name
    mbo: Annotated[Mbo, Depends(mbo_context("get", GROUP_PATH))],
) -> JSONResponse:
    QueryParams(request).expand(("organization",))
    return JSONResponse(get_group(mbo.receiver, mbo.tenant, path_uuid(groupId, "groupId")))


@router.put(GROUP_PATH, summary="Create or replace a group", status_code=200)
def replace_group(
    request: Request,
    groupId: str,  # noqa: N803
    body: JsonBody,
    mbo: Annotated[Mbo, Depends(mbo_context("put", GROUP_PATH))],
) -> Response:
    written = put_group(mbo.receiver, mbo.tenant, path_uuid(groupId, "groupId"), body)
    return put_response(request, written)


@router.get(MEMBERS_PATH, response_class=JSONResponse, summary="A group's members")
def read_members(
    request: Request,
    groupId: str,  # noqa: N803
    mbo: Annotated[Mbo, Depends(mbo_context("get", MEMBERS_PATH))],
) -> JSONResponse:
    params = QueryParams(request)
    page = params.page()
    params.text("consumer")
    items, total = list_members(mbo.receiver, mbo.tenant, path_uuid(groupId, "groupId"), page)
    return page_response(items, total, page)


@router.put(MEMBERS_PATH, summary="Create or replace one member of a group", status_code=200)
def replace_member(
    request: Request,
    groupId: str,  # noqa: N803
    body: JsonBody,
    mbo: Annotated[Mbo, Depends(mbo_context("put", MEMBERS_PATH))],
) -> Response:
    """The member is the body's ``personId``; 201 when new, 200 when replaced."""
    written = put_member(mbo.receiver, mbo.tenant, path_uuid(groupId, "groupId"), body)
    if written.created:
        return Response(status_code=201)
    return put_response(request, written)
