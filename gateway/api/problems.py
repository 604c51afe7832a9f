"""RFC 9457 problem details: every HTTP error of the API, mapped from the exception root here.

Status codes map to the gateway's error classes in this one place (``STATUS_BY_ERROR``),
so a router raises ``NotFoundError`` and never picks a status itself. A problem carries
``type`` (``urn:mbo-gateway:problem:<code>``), ``title``, ``status``, ``detail`` and
``instance`` (the request path), and for bad input an ``errors`` list of
``{"path", "message"}``.

Nothing a client sent is echoed back or logged: request bodies (and the ``input`` of
FastAPI's validation errors) may hold personal data, and the secrets URLs carry (a calendar
feed's token) are replaced by their template in ``instance`` and in log lines. Details of
5xx errors stay on the server; the client reads a fixed sentence.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.errors import (
    AuthError,
    ConfigurationError,
    ConflictError,
    FatalUpstreamError,
    GatewayError,
    NotFoundError,
    RetriableUpstreamError,
    SkippableRecordError,
    UpstreamError,
    ValidationError,
)
from gateway.logging import hide_secrets

__all__ = [
    "PROBLEM_MEDIA_TYPE",
    "STATUS_BY_ERROR",
    "CatchAllMiddleware",
    "ProblemResponse",
    "gateway_error_response",
    "install_problem_handlers",
    "problem_response",
    "problem_type",
    "status_of",
]

logger = logging.getLogger(__name__)

PROBLEM_MEDIA_TYPE = "application/problem+json"

#: The one mapping from error class to HTTP status; looked up along the exception's MRO,
#: so subclasses (DomainRuleError, TransitionError) inherit their parent's status.
STATUS_BY_ERROR: Mapping[type[GatewayError], int] = {
    ValidationError: 422,
    SkippableRecordError: 422,
    NotFoundError: 404,
    ConflictError: 409,
    AuthError: 401,  # 403 when ``forbidden``
    RetriableUpstreamError: 503,
    FatalUpstreamError: 502,
    UpstreamError: 502,
    ConfigurationError: 500,
    GatewayError: 500,
}

#: Problem codes for plain HTTP errors (unknown route, wrong method, body too large, ...).
_CODE_BY_STATUS: Mapping[int, str] = {
    400: "bad-request",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    406: "not-acceptable",
    409: "conflict",
    413: "content-too-large",
    415: "unsupported-media-type",
    422: "validation-error",
    429: "too-many-requests",
    500: "internal-error",
    502: "upstream-rejected",
    503: "upstream-unavailable",
}

#: What a client reads for a server-side failure; the real reason is in the server log.
_SERVER_DETAIL: Mapping[int, str] = {
    500: "The gateway failed to handle the request; the operators have been told.",
    502: "A system the gateway depends on refused the request.",
    503: "A system the gateway depends on is unavailable; try again later.",
}

_DEFAULT_RETRY_AFTER_SECONDS = 30


class ProblemResponse(JSONResponse):
    """A JSON response with the ``application/problem+json`` media type."""

    media_type = PROBLEM_MEDIA_TYPE


def problem_type(code: str) -> str:
    """The problem ``type`` URI of an error code, e.g. ``urn:mbo-gateway:problem:not-found``."""
    return f"urn:mbo-gateway:problem:{code}"


def problem_response(
    status: int,
    *,
    code: str | None = None,
    detail: str | None = None,
    instance: str | None = None,
    errors: Sequence[Mapping[str, Any]] | None = None,
    headers: Mapping[str, str] | None = None,
    **extensions: Any,
) -> ProblemResponse:
    """Build one problem+json response.

    Args:
        status: the HTTP status code.
        code: the problem code (see ``GatewayError.code``); defaults from the status.
        detail: a human-readable explanation of this occurrence.
        instance: the request path the problem occurred on.
        errors: for bad input, ``{"path", "message"}`` per failure.
        headers: extra response headers (``WWW-Authenticate``, ``Retry-After``, ``Allow``).
        **extensions: further members of the problem object.

    Returns:
        The response, ready to send.
    """
    code = code or _CODE_BY_STATUS.get(status)
    body: dict[str, Any] = {
        "type": problem_type(code) if code else "about:blank",
        "title": _title(status),
        "status": status,
    }
    if detail:
        body["detail"] = detail
    if instance:
        body["instance"] = instance
    if errors is not None:
        body["errors"] = [dict(e) for e in errors]
    body.update(extensions)
    return ProblemResponse(body, status_code=status, headers=dict(headers or {}))


def status_of(exc: GatewayError) -> int:
    """The HTTP status of a gateway error (the first match along its class's MRO)."""
    if isinstance(exc, AuthError) and exc.forbidden:
        return 403
    for cls in type(exc).__mro__:
        if issubclass(cls, GatewayError) and cls in STATUS_BY_ERROR:
            return STATUS_BY_ERROR[cls]
    return 500  # pragma: no cover - GatewayError itself is in the table


def _title(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _auth_headers(exc: AuthError) -> dict[str, str]:
    """RFC 6750 §3: a challenge on 401, and the reason once a token was presented."""
    if exc.forbidden:
        return {"WWW-Authenticate": 'Bearer error="insufficient_scope"'}
    bearer_error = exc.context.get("bearer_error")
    if bearer_error:
        return {"WWW-Authenticate": f'Bearer realm="mbo-gateway", error="{bearer_error}"'}
    return {"WWW-Authenticate": 'Bearer realm="mbo-gateway"'}


def gateway_error_response(request: Request, exc: GatewayError) -> ProblemResponse:
    """The problem for a gateway error raised while handling ``request``."""
    status = status_of(exc)
    headers: dict[str, str] = {}
    errors: list[dict[str, Any]] | None = None
    code = exc.code
    if isinstance(exc, AuthError):
        headers.update(_auth_headers(exc))
        if exc.forbidden:
            code = "forbidden"
    if isinstance(exc, RetriableUpstreamError):
        retry_after = exc.retry_after or _DEFAULT_RETRY_AFTER_SECONDS
        headers["Retry-After"] = str(max(1, round(retry_after)))
    if isinstance(exc, ValidationError):
        errors = [{"path": e.get("path", ""), "message": e.get("message", "")} for e in exc.errors]
    if status >= 500:
        logger.error("%s (%s) on %s", type(exc).__name__, exc.code,
                     hide_secrets(request.url.path))
        detail = _SERVER_DETAIL.get(status, _SERVER_DETAIL[500])
    else:
        detail = exc.message
    return problem_response(
        status, code=code, detail=detail, instance=hide_secrets(request.url.path),
        errors=errors, headers=headers,
    )


def _json_pointer(loc: Sequence[int | str]) -> str:
    """RFC 6901 pointer of a FastAPI error location, e.g. ``/body/cohorts/0/code``."""
    parts = (str(p).replace("~", "~0").replace("/", "~1") for p in loc)
    return "/" + "/".join(parts)


async def _on_gateway_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, GatewayError)  # noqa: S101 - registered for GatewayError only
    return gateway_error_response(request, exc)


async def _on_request_validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)  # noqa: S101 - registered for it only
    # ``input`` and ``ctx`` are left out on purpose: they echo what the client sent.
    errors = [
        {"path": _json_pointer(e.get("loc", ())), "message": str(e.get("msg", ""))}
        for e in exc.errors()
    ]
    return problem_response(
        422, code=ValidationError.code, detail="The request does not conform.",
        instance=hide_secrets(request.url.path), errors=errors,
    )


async def _on_http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)  # noqa: S101 - registered for it only
    if exc.status_code in {204, 304}:
        return Response(status_code=exc.status_code, headers=exc.headers)
    phrase = _title(exc.status_code)
    detail = exc.detail if exc.detail and exc.detail != phrase else None
    return problem_response(
        exc.status_code, detail=detail, instance=hide_secrets(request.url.path),
        headers=exc.headers,
    )


def install_problem_handlers(app: FastAPI) -> None:
    """Register the exception handlers that turn every known error into problem+json.

    Unexpected exceptions are handled by :class:`CatchAllMiddleware`, not by a handler:
    Starlette re-raises after an ``Exception`` handler, and the server would then log the
    full traceback, message included.

    Args:
        app: the application to register the handlers on.
    """
    app.add_exception_handler(GatewayError, _on_gateway_error)
    app.add_exception_handler(RequestValidationError, _on_request_validation_error)
    app.add_exception_handler(HTTPException, _on_http_exception)


class CatchAllMiddleware:
    """Turns an unexpected exception into a 500 problem that reveals nothing.

    The log line names the exception type, where it was raised and the request path;
    never the message or the body, which may hold personal data.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_tracking(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, send_tracking)
        except Exception as exc:
            logger.error(
                "unhandled %s at %s on %s %s",
                type(exc).__qualname__, _raised_at(exc), scope.get("method"),
                hide_secrets(str(scope.get("path", ""))),
            )
            if started:
                return  # too late for a problem; the server closes the connection
            response = problem_response(
                500, code="internal-error", detail=_SERVER_DETAIL[500],
                instance=hide_secrets(str(scope.get("path", ""))) or None,
            )
            await response(scope, receive, send)


def _raised_at(exc: BaseException) -> str:
    """``module.py:line`` of the innermost frame: enough to find the bug, no data."""
    tb = exc.__traceback__
    if tb is None:
        return "?"
    while tb.tb_next is not None:
        tb = tb.tb_next
    code = tb.tb_frame.f_code
    return f"{code.co_filename.rsplit('/', 1)[-1]}:{tb.tb_lineno} in {code.co_name}"
