"""The FastAPI app factory: one app per gateway, everything it needs on ``app.state``.

Middleware, outermost first:

1. ``HttpMetricsMiddleware``: times and counts every request, refused ones included;
2. ``CatchAllMiddleware``: an unexpected exception becomes a 500 problem;
3. ``BodySizeLimitMiddleware``: bodies are capped before anything parses them;

and inside them Starlette's exception middleware with the problem+json handlers.
"""

from __future__ import annotations

from fastapi import FastAPI

from gateway import __version__
from gateway.api.auth.bearer import Authenticator
from gateway.api.limits import BodySizeLimitMiddleware
from gateway.api.problems import CatchAllMiddleware, install_problem_handlers
from gateway.api.routers import (
    audit,
    calendar,
    calendar_admin,
    events,
    health,
    intake,
    metrics,
    oauth,
    oneroster,
    ooapi,
    ooapi_mbo,
    personal_data,
    schemas,
)
from gateway.api.routers.metrics import HttpMetrics, HttpMetricsMiddleware
from gateway.bootstrap import Gateway

__all__ = ["create_app"]


def create_app(gateway: Gateway) -> FastAPI:
    """Build the HTTP API of ``gateway``.

    The caller owns the gateway: the app neither starts the relay nor closes the engine.

    Args:
        gateway: the built gateway (see :func:`gateway.bootstrap.bootstrap`).

    Returns:
        The app, with OpenAPI at ``/openapi.json`` and the docs at ``/docs``.

    Raises:
        ConfigurationError: the auth settings cannot work (e.g. the external issuer
            equals the gateway's own).
    """
    app = FastAPI(
        title="mbo-gateway",
        version=__version__,
        summary="Integration gateway for the koppelvlakken of Dutch mbo schools",
        docs_url="/docs",
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.gateway = gateway
    app.state.authenticator = Authenticator.for_gateway(gateway)
    app.state.metrics = HttpMetrics(engine=gateway.engine)

    install_problem_handlers(app)
    # add_middleware puts each one outside the ones added before it
    app.add_middleware(BodySizeLimitMiddleware, max_body_bytes=gateway.settings.max_body_bytes)
    app.add_middleware(CatchAllMiddleware)
    app.add_middleware(HttpMetricsMiddleware, metrics=app.state.metrics)

    for router in (health.router, metrics.router, oauth.router, events.router,
                   schemas.router, ooapi.router, personal_data.router,
                   audit.router, intake.router, ooapi_mbo.router, calendar.router,
                   calendar_admin.router, oneroster.router):
        app.include_router(router)
    return app
