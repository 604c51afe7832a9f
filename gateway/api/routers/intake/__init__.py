"""The intake API (aanmelden) under ``/intake/v1``: the gateway's own OpenAPI.

Scopes: ``intake:write`` submits and withdraws, ``intake:read`` (or ``intake:write``)
reads. The API description is served at ``/intake/v1/openapi.json`` (no token: it
describes the API, not any tenant's data) and committed as ``schemas/intake-openapi.json``
(:mod:`gateway.api.intake_openapi`).
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from gateway.api.routers.intake import applications
from gateway.api.routers.intake.applications import READ_SCOPE, WRITE_SCOPE

__all__ = ["PREFIX", "READ_SCOPE", "WRITE_SCOPE", "router"]

PREFIX = "/intake/v1"

router = APIRouter(prefix=PREFIX)
router.include_router(applications.router)


@router.get("/openapi.json", name="intake_openapi", include_in_schema=False)
def intake_openapi() -> JSONResponse:
    """The intake API's own OpenAPI document (the one in ``schemas/``)."""
    from gateway.api.intake_openapi import intake_openapi_document  # noqa: PLC0415 - cycle

    return JSONResponse(intake_openapi_document(), headers={"Cache-Control": "public, max-age=300"})
