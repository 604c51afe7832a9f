"""The OOAPI v5 provider (mbo profile): each tenant's catalogue under ``/ooapi/v5``.

One module per resource family; this package assembles them into ``router``, which the app
includes like any other router. Every route needs a bearer token with the scope
``catalogue:read`` and serves the token's tenant only. Every error is an OOAPI ``Problem``
(:mod:`.errors`), unknown paths under the prefix included.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.routing import APIRoute

from gateway.api.routers.ooapi import (
    courses,
    offerings,
    programs,
    service,
    sessions,
    specifications,
)
from gateway.api.routers.ooapi.context import SCOPE
from gateway.api.routers.ooapi.errors import OoapiRoute, fallback_endpoint

__all__ = ["PREFIX", "SCOPE", "router"]

#: Where the provider lives, apart from the gateway's own routes (``/events``, ...).
PREFIX = "/ooapi/v5"

_FAMILIES = (service.router, programs.router, offerings.router, courses.router,
             sessions.router, specifications.router)

router = APIRouter(prefix=PREFIX, route_class=OoapiRoute, tags=["ooapi"])
for _family in _FAMILIES:
    router.include_router(_family)
router.add_api_route(
    "/{path:path}",
    fallback_endpoint(PREFIX, [r.path for f in _FAMILIES for r in f.routes
                               if isinstance(r, APIRoute)]),
    methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
    include_in_schema=False,
)
