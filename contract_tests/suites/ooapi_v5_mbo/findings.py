"""Findings every ``ooapi-v5-mbo`` check makes the same way: a reply against the schema
the profile gives it, and the profile's error object.

The profile's error rules (``ErrorHandling.md``: "every request will use http response
codes ... both with a response in JSON with more details") and its responses: each 4xx
is ``application/problem+json`` with the OOAPI ``Problem`` (``status`` a string, and
``title`` required); the status in the body is the status of the reply.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from contract_tests.checks import Finding
from contract_tests.http import NOT_JSON, Exchange
from contract_tests.suites.ooapi_v5.support import (
    Reporter,
    at_pointer,
    json_reply,
    problem_status,
)
from contract_tests.suites.ooapi_v5_mbo.context import MboContext
from gateway.adapters.ooapi.errors import OoapiOperationUnknown

__all__ = ["ERROR_RULES", "problem_findings", "profile_findings"]

ERROR_RULES = ("ooapi-v5-mbo/ErrorHandling.md (error handling), ooapiv5_MBO.yaml responses "
               "4xx (application/problem+json)")
_MAX_ERRORS = 20


def profile_findings(report: Reporter, ctx: MboContext, template: str, exchange: Exchange,
                     *, method: str = "get", status: int = 200,
                     judged: Callable[[Any], Any] | None = None) -> Iterator[Finding]:
    """Findings for a reply that should be ``status`` with the profile's body for it
    (``judged`` turns the parsed body into what is validated, when a check tolerates a
    form and reports it on its own)."""
    body = yield from json_reply(report, exchange, status)
    if body is NOT_JSON:
        return
    if judged is not None:
        body = judged(body)
    errors = ctx.profile.validate_response(template, method, status, body)
    for error in errors[:_MAX_ERRORS]:
        yield report(f"{error.message} (profile: {error.schema_path})", exchange,
                     pointer=error.pointer, value=at_pointer(body, error.pointer))
    if len(errors) > _MAX_ERRORS:
        yield report(f"... and {len(errors) - _MAX_ERRORS} more profile errors", exchange)


def problem_findings(report: Reporter, ctx: MboContext, exchange: Exchange, template: str,
                     status: int, *, method: str = "get") -> Iterator[Finding]:
    """Findings for an error reply: the status, the media type, the profile's error object."""
    body = yield from json_reply(report, exchange, status, problem=True,
                                 not_json="the error body is not JSON (the profile's error "
                                          "object)")
    if body is NOT_JSON:
        return
    try:
        errors = ctx.profile.validate_response(template, method, status, body)
    except OoapiOperationUnknown:  # the profile lists no such error: judge the object only
        errors = ctx.profile.validate_response(template, method, 400, body)
    for error in errors[:_MAX_ERRORS]:
        yield report(f"the error object: {error.message} (profile: {error.schema_path})",
                     exchange, pointer=error.pointer, value=at_pointer(body, error.pointer))
    yield from problem_status(report, exchange, body, status, "the error object")
