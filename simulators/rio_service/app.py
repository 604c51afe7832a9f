"""The simulated RIO over HTTP: DUO's two SOAP endpoints plus a small admin API.

    POST /RIO/services/beheren4.0       aanleveren_*, verwijderen_*
    POST /RIO/services/raadplegen4.0    opvragen_*
    GET  /admin/state                   what RIO holds and the request counts (JSON)
    POST /admin/faults                  {"kind": "unavailable", "count": 2} for the next requests

Bodies larger than the configured cap are refused with 413 before they are parsed.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from gateway.adapters.rio.soap import RioService
from simulators.rio_service.service import SimulatedRio
from simulators.rio_service.state import FaultKind

__all__ = ["BEHEREN_PATH", "RAADPLEGEN_PATH", "create_app"]

BEHEREN_PATH = "/RIO/services/beheren4.0"
RAADPLEGEN_PATH = "/RIO/services/raadplegen4.0"


async def _body(request: Request, limit: int) -> bytes | None:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


async def _chunks(body: bytes, size: int = 16 * 1024) -> AsyncIterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start:start + size]


def create_app(rio: SimulatedRio) -> Starlette:
    """The ASGI app serving ``rio`` (keep a reference to ``rio`` to reach its state)."""

    def endpoint(service: RioService) -> Callable[[Request], Awaitable[Response]]:
        async def soap(request: Request) -> Response:
            body = await _body(request, rio.config.max_body_bytes)
            if body is None:
                return Response("request body too large", status_code=413,
                                media_type="text/plain")
            answer = await run_in_threadpool(
                rio.handle, service, body, request.headers.get("soapaction"))
            if answer.chunked:
                return StreamingResponse(_chunks(answer.body), status_code=answer.status,
                                         headers=answer.headers)
            return Response(answer.body, status_code=answer.status, headers=answer.headers)

        return soap

    async def state(_: Request) -> Response:
        held = {aanbieder: rio.state.codes(aanbieder) for aanbieder in list(rio.state.offerings)}
        counts = Counter(r.operation for r in list(rio.state.requests))
        return JSONResponse({"offerings": held, "requests": dict(counts)})

    async def faults(request: Request) -> Response:
        try:
            data = json.loads(await request.body())
            kind = FaultKind(data["kind"])
            count = int(data.get("count", 1))
            size = int(data.get("size", 0))
        except (ValueError, KeyError, TypeError) as exc:
            return JSONResponse({"error": f"bad fault request: {exc}"}, status_code=400)
        rio.state.inject(kind, count, size=size)
        return JSONResponse({"queued": count, "kind": kind.value})

    return Starlette(routes=[
        Route(BEHEREN_PATH, endpoint(RioService.BEHEREN), methods=["POST"]),
        Route(RAADPLEGEN_PATH, endpoint(RioService.RAADPLEGEN), methods=["POST"]),
        Route("/admin/state", state, methods=["GET"]),
        Route("/admin/faults", faults, methods=["POST"]),
    ])
