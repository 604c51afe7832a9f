"""The mbo profile's error object on every route under ``/ooapi/v5-mbo``, whatever went wrong.

The profile's error (its ``ErrorHandling.md``: "both with a response in JSON with more
details of the warnings or errors") is OOAPI's ``Problem``: ``status`` as a string,
``title``, ``detail``, as ``application/problem+json``; it allows more members, and
these are added where they help a client:

- 400, a body that does not conform: ``errors`` lists EVERY error with its location in
  the body (``path``, a JSON Pointer), the rule it broke in the profile (``schema_path``,
  ``ooapi-v5-mbo/ooapiv5_MBO.yaml#...``) and a ``message``;
- 409, a state change the enrolment state machine refuses: ``from``, ``to`` and
  ``allowed`` (canonical states) and ``fromAssociationState``, ``toAssociationState``,
  ``allowedAssociationStates`` (the profile's values); also 409 for an association that
  would change its kind;
- 401/403 with ``WWW-Authenticate``; 404 (also for a person or offering an association
  names: ``errors`` says which); 405 with ``Allow``.

Nothing the client sent is echoed (bodies hold personal data, and a client may put an
e-mail address where an id belongs): ``instance`` is the request path with every segment
that is neither an id (a UUID) nor a word of the profile's paths replaced by
``{redacted}``. 5xx details stay in the server log, by exception type and line only.
"""

from __future__ import annotations

import logging
import re
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
from gateway.errors import (
    AuthError,
    GatewayError,
    RetriableUpstreamError,
    TransitionError,
    ValidationError,
)

__all__ = ["MboRoute", "fallback_endpoint", "mbo_problem", "safe_instance"]

logger = logging.getLogger(__name__)

_SERVER_DETAIL = "The gateway failed to handle the request; the operators have been told."
_CODES = {400: "bad-request", 401: "unauthorized", 403: "forbidden", 404: "not-found",
          405: "method-not-allowed", 409: "conflict", 415: "unsupported-media-type",
          500: "internal-error", 503: "upstream-unavailable"}
_UUID = re.compile(r"^[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}$")
_WORDS = frozenset({"", "ooapi", "v5-mbo", "persons", "offerings", "associations", "groups",
                    "members", "organizations", "components", "documents", "url"})
_TRANSITION_MEMBERS = {"from_state": "from", "to_state": "to", "allowed": "allowed",
                       "from_association_state": "fromAssociationState",
                       "to_association_state": "toAssociationState",
                       "allowed_association_states": "allowedAssociationStates"}


def mbo_problem(
    status: int,
    detail: str | None,
    *,
    instance: str,
    code: str | None = None,
    errors: list[dict[str, str]] | None = None,
    headers: Mapping[str, str] | None = None,
    **members: Any,
) -> ProblemResponse:
    """The profile's error object (see the module docstring)."""
    try:
        title = HTTPStatus(status).phrase
    except ValueError:
        title = "Error"
    body: dict[str, Any] = {"type": problem_type(code or _CODES.get(status, "error")),
                            "title": title, "status": str(status), "instance": instance}
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    body.update(members)
    return ProblemResponse(body, status_code=status, headers=dict(headers or {}))


def safe_instance(path: str) -> str:
    """The request path without what a client may have put in it besides ids."""
    return "/".join(segment if segment in _WORDS or _UUID.match(segment) else "{redacted}"
                    for segment in path.split("/"))


def _auth_headers(exc: AuthError) -> dict[str, str]:
    if exc.forbidden:
        return {"WWW-Authenticate": 'Bearer error="insufficient_scope"'}
    reason = exc.context.get("bearer_error")
    suffix = f', error="{reason}"' if reason else ""
    return {"WWW-Authenticate": f'Bearer realm="mbo-gateway"{suffix}'}


def _problem_for(request: Request, exc: Exception) -> ProblemResponse:
    path = safe_instance(request.url.path)
    if isinstance(exc, TransitionError):
        members = {name: exc.context[key] for key, name in _TRANSITION_MEMBERS.items()
                   if key in exc.context}
        return mbo_problem(409, exc.message, instance=path, code=exc.code, **members)
    if isinstance(exc, ValidationError):
        errors = [{k: str(v) for k, v in e.items() if k in ("path", "schema_path", "message")}
                  for e in exc.errors]
        return mbo_problem(400, exc.message, instance=path, code=exc.code, errors=errors)
    if isinstance(exc, RequestValidationError):
        errors = [{"path": "/" + "/".join(str(p) for p in e.get("loc", ())),
                   "message": str(e.get("msg", ""))} for e in exc.errors()]
        return mbo_problem(400, "The request does not conform.", instance=path, errors=errors)
    if isinstance(exc, AuthError):
        return mbo_problem(403 if exc.forbidden else 401, exc.message, instance=path,
                           headers=_auth_headers(exc))
    if isinstance(exc, HTTPException):
        detail = exc.detail if isinstance(exc.detail, str) else None
        return mbo_problem(exc.status_code, detail, instance=path, headers=exc.headers)
    if isinstance(exc, GatewayError):
        status = status_of(exc)
        headers = {}
        if isinstance(exc, RetriableUpstreamError):
            headers["Retry-After"] = str(max(1, round(exc.retry_after or 30)))
        if status >= 500:
            logger.error("%s (%s) on %s", type(exc).__name__, exc.code, path)
            return mbo_problem(status, _SERVER_DETAIL, instance=path, headers=headers)
        where = exc.context.get("path")
        located = [{"path": str(where), "message": exc.message}] if where else None
        return mbo_problem(status, exc.message, instance=path, code=exc.code, errors=located,
                           headers=headers)
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    where = f"{tb.tb_frame.f_code.co_filename.rsplit('/', 1)[-1]}:{tb.tb_lineno}" if tb else "?"
    logger.error("unhandled %s at %s on %s %s", type(exc).__qualname__, where,
                 request.method, path)
    return mbo_problem(500, _SERVER_DETAIL, instance=path)


class MboRoute(APIRoute):
    """An API route whose every failure is the profile's error object.

    Authentication runs as a dependency inside the route, so its 401/403 come out here
    too; the app's own handlers (RFC 9457 with an integer ``status``) never see these.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def mbo_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except Exception as exc:  # every failure becomes the profile's error, by design
                return _problem_for(request, exc)

        return mbo_handler


def fallback_endpoint(
    prefix: str, routes: Iterable[APIRoute]
) -> Callable[[Request], Coroutine[Any, Any, Response]]:
    """The last route under ``prefix``: 405 (with ``Allow``) on a known path with another
    method, else 404."""
    allowed: dict[str, set[str]] = {}
    for route in routes:
        allowed.setdefault(route.path, set()).update(route.methods or ())
    patterns = [(compile_path(prefix + path)[0], sorted(methods))
                for path, methods in allowed.items()]

    async def fallback(request: Request) -> Response:
        path = request.url.path
        for pattern, methods in patterns:
            if pattern.match(path):
                return mbo_problem(405, f"allowed here: {', '.join(methods)}",
                                   instance=safe_instance(path),
                                   headers={"Allow": ", ".join(methods)})
        return mbo_problem(404, "no such resource in the mbo profile",
                           instance=safe_instance(path))

    return fallback
