"""The receiving side of the mbo profile of OOAPI v5 (NED-OOAPI), per tenant, under
``/ooapi/v5-mbo``: what an SIS PUTs and PATCHes (persons, component offerings,
associations, groups and members) and reads back.

One module per resource family; this package assembles them into ``router``, which the
app includes like any other router. Scopes per operation: :mod:`.context`; every error
is the profile's error object (:mod:`.errors`), unknown paths and methods included. The
use cases behind the routes are in ``gateway.sync.mbo_*``.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.routing import APIRoute

from gateway.api.routers.ooapi_mbo import associations, groups, offerings, persons
from gateway.api.routers.ooapi_mbo.context import SCOPES
from gateway.api.routers.ooapi_mbo.errors import MboRoute, fallback_endpoint

__all__ = ["PREFIX", "SCOPES", "router"]

#: Where the receiving side lives, apart from the catalogue provider (``/ooapi/v5``).
PREFIX = "/ooapi/v5-mbo"

_FAMILIES = (persons.router, offerings.router, associations.router, groups.router)

router = APIRouter(prefix=PREFIX, route_class=MboRoute, tags=["ooapi-v5-mbo"])
for _family in _FAMILIES:
    router.include_router(_family)
router.add_api_route(
    "/{path:path}",
    fallback_endpoint(PREFIX, [r for f in _FAMILIES for r in f.routes
                               if isinstance(r, APIRoute)]),
    methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
    include_in_schema=False,
)
