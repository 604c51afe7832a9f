"""How the simulated SIS answers: JSON, OOAPI ``Problem`` documents, and the endpoint guard.

:func:`guard` wraps a handler the way every data endpoint needs it: a bearer token first
(401), then the school's lock held while the handler reads or changes it, and the
client's mistakes (:class:`~.listing.BadQuery`, a malformed id, a bad body) answered as
problems instead of a 500. A write handler gets the request body, read up to a cap
before the lock is taken.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable
from contextlib import AbstractContextManager
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from simulators.ooapi_sis.listing import BadQuery
from simulators.ooapi_sis.tokens import TokenIssuer

__all__ = ["MAX_BODY", "ClientError", "checked_id", "guard", "json_response", "problem"]

#: The largest request body the SIS reads.
MAX_BODY = 1024 * 1024
_TITLES = {400: "Bad Request", 401: "Unauthorized", 404: "Not Found",
           405: "Method Not Allowed", 409: "Conflict", 413: "Content Too Large",
           415: "Unsupported Media Type", 500: "Internal Server Error"}


class ClientError(Exception):
    """A request the SIS refuses: answered with ``status`` and ``detail``."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


def json_response(doc: Any, status: int = 200, media: str = "application/json") -> Response:
    body = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()
    return Response(body, status_code=status, media_type=media)


def problem(status: int, detail: str, headers: dict[str, str] | None = None) -> Response:
    """An OOAPI ``Problem`` (status as a string, as the spec has it)."""
    response = json_response({"status": str(status), "title": _TITLES.get(status, "Error"),
                              "detail": detail}, status, "application/problem+json")
    response.headers.update(headers or {})
    return response


def checked_id(value: str) -> str:
    """The canonical form of a UUID path parameter.

    Raises:
        BadQuery: not a UUID.
    """
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise BadQuery(f"{value[:64]!r} is not a UUID") from None


async def _body(request: Request) -> bytes:
    media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media != "application/json":
        raise ClientError(415, "send the body as application/json")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        raise ClientError(413, f"the body is larger than {MAX_BODY} bytes")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            raise ClientError(413, f"the body is larger than {MAX_BODY} bytes")
    return body


def guard(issuer: TokenIssuer, lock: AbstractContextManager[Any], handler: Callable[..., Response],
          *, write: bool = False) -> Callable[[Request], Awaitable[Response]]:
    """An endpoint: auth, then ``handler(request)`` (or ``handler(request, body)``) locked."""

    async def endpoint(request: Request) -> Response:
        if not issuer.authorized(request):
            return problem(401, "a valid bearer token is required",
                           {"WWW-Authenticate": 'Bearer realm="ooapi-sis"'})
        try:
            args: tuple[Any, ...] = (request, await _body(request)) if write else (request,)
            with lock:
                return handler(*args)
        except BadQuery as exc:
            return problem(400, str(exc))
        except ClientError as exc:
            return problem(exc.status, exc.detail)
    return endpoint
