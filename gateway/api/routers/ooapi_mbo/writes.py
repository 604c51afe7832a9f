"""The answer to an accepted PUT: 201 with ``Location`` for a new resource, else 200.

The profile gives PUT responses no body.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from gateway.sync.mbo_receiver import Written

__all__ = ["put_response"]


def put_response(request: Request, written: Written) -> Response:
    if written.created:
        return Response(status_code=201, headers={"Location": request.url.path})
    return Response(status_code=200)
