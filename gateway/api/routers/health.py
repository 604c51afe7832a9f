"""Liveness and readiness probes for the orchestrator (Kubernetes, Compose healthchecks).

``/livez`` says only that the process serves requests: restarting cannot fix a database
outage, so it checks nothing else. ``/readyz`` checks what requests need (the database,
and the event broker when one is configured) so traffic goes elsewhere while they fail.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from sqlalchemy import text
from starlette.responses import JSONResponse, Response

from gateway.api.deps import GatewayDep
from gateway.api.problems import problem_response
from gateway.bootstrap import Gateway

__all__ = ["router"]

logger = logging.getLogger(__name__)

router = APIRouter(tags=["health"])


@router.get("/livez", summary="Liveness: the process serves requests")
def livez() -> dict[str, str]:
    """Always ``{"status": "ok"}`` while the process answers."""
    return {"status": "ok"}


def _database_ok(gateway: Gateway) -> bool:
    try:
        with gateway.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # any driver failure means "not ready"; logged by type only
        logger.warning("readiness: database check failed (%s)", type(exc).__name__)
        return False
    return True


def _publisher_ok(gateway: Gateway) -> bool:
    if gateway.publisher is None:
        return True
    try:
        gateway.publisher.check()
    except Exception as exc:  # the port promises RetriableUpstreamError; be safe with any
        logger.warning("readiness: publisher check failed (%s)", type(exc).__name__)
        return False
    return True


@router.get(
    "/readyz",
    summary="Readiness: the database (and the event publisher, when configured) answer",
    response_model=None,
    responses={503: {"description": "A check failed (problem+json)"}},
)
def readyz(request: Request, gateway: GatewayDep) -> Response:
    """200 when every check passes, else a 503 problem naming the failed checks."""
    checks = {"database": "ok" if _database_ok(gateway) else "failed"}
    if gateway.publisher is not None:
        checks["publisher"] = "ok" if _publisher_ok(gateway) else "failed"
    failed = [name for name, state in checks.items() if state != "ok"]
    if not failed:
        return JSONResponse({"status": "ok", "checks": checks})
    return problem_response(
        503,
        code="not-ready",
        detail=f"Readiness check failed: {', '.join(failed)}.",
        instance=request.url.path,
        checks=checks,
    )
