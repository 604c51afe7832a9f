"""OOAPI error objects on the provider's routes, whatever went wrong.

OOAPI defines its own ``Problem`` (``status`` is a string, ``title`` required, ``detail``
optional), served as ``application/problem+json``. :class:`OoapiRoute` answers every error
of an OOAPI route with one, so authentication failures (401/403), bad parameters (400,
never 422: OOAPI lists 400 for them) and unknown ids (404) all look the same to a client.
Like the rest of the API, nothing the client sent is echoed and 5xx details stay in the
server log.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine, Iterable, Mapping
from http import HTTPStatus
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.routing import compile_path

from gateway.api.problems import ProblemResponse, problem_type, status_of
from gateway.errors import AuthError, GatewayError, RetriableUpstreamError, ValidationError

__all__ = ["OoapiRoute", "fallback_endpoint", "ooapi_problem"]

logger = logging.getLogger(__name__)

_SERVER_DETAIL = "The gateway failed to handle the request; the operators have been told."
_CODES = {400: "bad-request", 401: "unauthorized", 403: "forbidden", 404: "not-found",
          405: "method-not-allowed", 500: "internal-error", 503: "upstream-unavailable"}


def ooapi_problem(
    status: int,
    detail: str | None,
    *,
    instance: str,
    code: str | None = None,
    errors: list[dict[str, str]] | None = None,
    headers: Mapping[str, str] | None = None,
) -> ProblemResponse:
    """An OOAPI ``Problem`` response (also a valid RFC 9457 document, bar ``status``'s type).

    Args:
        status: the HTTP status.
        detail: what went wrong, for a person; None leaves it out.
        instance: the request path.
        code: the gateway's problem code (``type`` is ``urn:mbo-gateway:problem:<code>``).
        errors: ``{"path", "message"}`` per bad parameter.
        headers: extra headers (``WWW-Authenticate``, ``Allow``, ``Retry-After``).
    """
    try:
        title = HTTPStatus(status).phrase
    except ValueError:
        title = "Error"
    body: dict[str, Any] = {
        "type": problem_type(code or _CODES.get(status, "error")),
        "title": title,
        "status": str(status),
        "instance": instance,
    }
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    return ProblemResponse(body, status_code=status, headers=dict(headers or {}))


def _auth_headers(exc: AuthError) -> dict[str, str]:
    if exc.forbidden:
        return {"WWW-Authenticate": 'Bearer error="insufficient_scope"'}
    reason = exc.context.get("bearer_error")
    suffix = f', error="{reason}"' if reason else ""
    return {"WWW-Authenticate": f'Bearer realm="mbo-gateway"{suffix}'}


def _problem_for(request: Request, exc: Exception) -> ProblemResponse:
    path = request.url.path
    if isinstance(exc, ValidationError):
        errors = [{"path": str(e.get("path", "")), "message": str(e.get("message", ""))}
                  for e in exc.errors]
        return ooapi_problem(400, exc.message, instance=path, errors=errors)
    if isinstance(exc, RequestValidationError):
        errors = [{"path": "/" + "/".join(str(p) for p in e.get("loc", ())),
                   "message": str(e.get("msg", ""))} for e in exc.errors()]
        return ooapi_problem(400, "The request does not conform.", instance=path, errors=errors)
    if isinstance(exc, AuthError):
        status = 403 if exc.forbidden else 401
        return ooapi_problem(status, exc.message, instance=path, headers=_auth_headers(exc))
    if isinstance(exc, HTTPException):
        detail = exc.detail if isinstance(exc.detail, str) else None
        return ooapi_problem(exc.status_code, detail, instance=path, headers=exc.headers)
    if isinstance(exc, GatewayError):
        status = status_of(exc)
        headers = {}
        if isinstance(exc, RetriableUpstreamError):
            headers["Retry-After"] = str(max(1, round(exc.retry_after or 30)))
        if status >= 500:
            logger.error("%s (%s) on %s", type(exc).__name__, exc.code, path)
            return ooapi_problem(status, _SERVER_DETAIL, instance=path, headers=headers)
        return ooapi_problem(status, exc.message, instance=path, code=exc.code, headers=headers)
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    where = f"{tb.tb_frame.f_code.co_filename.rsplit('/', 1)[-1]}:{tb.tb_lineno}" if tb else "?"
    logger.error("unhandled %s at %s on GET %s", type(exc).__qualname__, where, path)
    return ooapi_problem(500, _SERVER_DETAIL, instance=path)


class OoapiRoute(APIRoute):
    """An API route whose every failure is an OOAPI ``Problem``.

    Authentication runs as a dependency inside the route, so its 401/403 come out here
    too; the app's own handlers (RFC 9457 with integer ``status``) never see these routes.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def ooapi_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except Exception as exc:  # every failure becomes a Problem, by design
                return _problem_for(request, exc)

        return ooapi_handler


def fallback_endpoint(
    prefix: str, known_paths: Iterable[str]
) -> Callable[[Request], Coroutine[Any, Any, Response]]:
    """The last route under ``prefix``: 405 on a known path with another method, else 404."""
    patterns = [compile_path(prefix + path)[0] for path in known_paths]

    async def fallback(request: Request) -> Response:
        path = request.url.path
        if any(p.match(path) for p in patterns):
            return ooapi_problem(405, "only GET is supported here", instance=path,
                                 headers={"Allow": "GET"})
        return ooapi_problem(404, "no such resource in OOAPI v5", instance=path)

    return fallback
