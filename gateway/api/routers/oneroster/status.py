"""OneRoster's error payload on the OneRoster routes, where the rest of the API uses problem+json.

A learning platform that speaks OneRoster reads ``imsx_StatusInfo``, so every refusal
on these routes (bad query, missing or insufficient token, unknown object, bad
parameter) is one, with the HTTP status the binding gives it. The route class wraps the
whole request, dependencies included, so a refused token is reported the same way; the
``WWW-Authenticate`` and ``Retry-After`` headers of the gateway's own mapping are kept.
A failure the route does not recognise is left to the app's handlers.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

from gateway.adapters.oneroster.errors import (
    STATUS_OF,
    CodeMinor,
    OneRosterQueryError,
    status_info,
)
from gateway.api.problems import gateway_error_response
from gateway.errors import AuthError, GatewayError, NotFoundError, RetriableUpstreamError

__all__ = ["OneRosterRoute", "status_response"]

_KEPT_HEADERS = ("www-authenticate", "retry-after")


def status_response(minor: CodeMinor, description: str,
                    headers: dict[str, str] | None = None) -> JSONResponse:
    """A OneRoster error response with the status of ``minor``."""
    return JSONResponse(status_info(minor, description), status_code=STATUS_OF[minor],
                        headers=headers)


def _minor(exc: GatewayError) -> CodeMinor | None:
    if isinstance(exc, OneRosterQueryError):
        return exc.minor
    if isinstance(exc, AuthError):
        return CodeMinor.FORBIDDEN if exc.forbidden else CodeMinor.UNAUTHORISED
    if isinstance(exc, NotFoundError):
        return CodeMinor.UNKNOWN_OBJECT
    if isinstance(exc, RetriableUpstreamError):
        return CodeMinor.SERVER_BUSY
    return None


class OneRosterRoute(APIRoute):
    """An ``APIRoute`` whose refusals are OneRoster ``imsx_StatusInfo`` payloads."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except RequestValidationError:
                return status_response(CodeMinor.INVALID_DATA,
                                       "a request parameter is malformed")
            except GatewayError as exc:
                minor = _minor(exc)
                if minor is None:
                    raise
                problem = gateway_error_response(request, exc)
                kept = {k: v for k, v in problem.headers.items() if k in _KEPT_HEADERS}
                return status_response(minor, exc.message, kept)

        return route
