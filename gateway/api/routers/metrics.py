"""``GET /metrics``: Prometheus text format, from a registry that belongs to one app.

A per-app ``CollectorRegistry`` (not prometheus_client's global one) lets several apps
live in one process, as they do in the tests. Requests are counted by method, route
template (``/events/{id}``, never the raw path, which would explode the label set and
may carry ids) and status. The outbox gauges are read from the database at scrape time,
so they are right whichever replica or relay changed the rows. ``GATEWAY_METRICS_TOKEN``
closes the endpoint to scrapers without it (401 problem+json, as every other refusal).
"""

from __future__ import annotations

import hmac
import logging
import time
from collections.abc import Iterator

from fastapi import APIRouter, Request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import generate_latest
from prometheus_client.registry import Collector
from sqlalchemy import Engine, case, func, select
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.api.deps import GatewayDep
from gateway.errors import AuthError
from gateway.store.tables import outbox

__all__ = ["HttpMetrics", "HttpMetricsMiddleware", "OutboxCollector", "router"]

logger = logging.getLogger(__name__)

router = APIRouter(tags=["operations"])

_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_UNMATCHED = "unmatched"


class OutboxCollector(Collector):
    """Outbox rows in total and not yet published, counted when Prometheus scrapes."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def collect(self) -> Iterator[Metric]:
        query = select(
            func.count(),
            func.coalesce(func.sum(case((outbox.c.published_at.is_(None), 1), else_=0)), 0),
        ).select_from(outbox)
        try:
            with self.engine.connect() as conn:
                total, unpublished = conn.execute(query).one()
        except Exception as exc:  # a scrape must not fail because the database does
            logger.warning("metrics: outbox query failed (%s)", type(exc).__name__)
            return
        yield GaugeMetricFamily(
            "gateway_outbox_unpublished_rows", "Outbox rows not yet published to the broker",
            value=int(unpublished),
        )
        yield GaugeMetricFamily("gateway_outbox_rows", "Outbox rows in total", value=int(total))


class HttpMetrics:
    """The metrics of one app, in their own registry.

    Example::

        metrics = HttpMetrics(engine=gateway.engine)
        app.add_middleware(HttpMetricsMiddleware, metrics=metrics)
        app.state.metrics = metrics
    """

    def __init__(self, *, engine: Engine | None = None) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "gateway_http_requests", "HTTP requests by method, route template and status",
            ["method", "route", "status"], registry=self.registry,
        )
        self.latency = Histogram(
            "gateway_http_request_duration_seconds", "HTTP request latency in seconds",
            ["method", "route"], registry=self.registry,
        )
        if engine is not None:
            self.registry.register(OutboxCollector(engine))

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count one finished request."""
        method = method if method in _METHODS else "OTHER"
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route).observe(seconds)

    def exposition(self) -> bytes:
        """Everything in the registry, in the Prometheus text format."""
        return generate_latest(self.registry)


def _route_template(scope: Scope) -> str:
    route = scope.get("route")
    template = getattr(route, "path_format", None) or getattr(route, "path", None)
    return template if isinstance(template, str) else _UNMATCHED


class HttpMetricsMiddleware:
    """Pure ASGI middleware timing and counting every HTTP request."""

    def __init__(self, app: ASGIApp, *, metrics: HttpMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500  # when the app fails before it answers
        start = time.perf_counter()

        async def send_recording(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_recording)
        finally:
            self.metrics.observe(
                str(scope.get("method", "")), _route_template(scope), status,
                time.perf_counter() - start,
            )


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE_LATEST: {}}}},
)
def metrics(request: Request, gateway: GatewayDep) -> Response:
    """The app's metrics in the Prometheus text exposition format; with
    ``GATEWAY_METRICS_TOKEN`` set, only for a request that brings it as a bearer token."""
    expected = gateway.settings.metrics_token
    if expected is not None:
        scheme, _, sent = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
                sent.strip().encode(), expected.get_secret_value().encode()):
            if sent:
                raise AuthError("the metrics bearer token is not this one",
                                bearer_error="invalid_token")
            raise AuthError("/metrics needs the metrics bearer token")
    http_metrics: HttpMetrics = request.app.state.metrics
    return Response(http_metrics.exposition(), media_type=CONTENT_TYPE_LATEST)
