"""The OOAPI error object on 4xx, and authentication.

OOAPI answers errors with its own ``Problem`` (``status`` a string, ``title`` required)
as ``application/problem+json``; an unknown id is a 404, a ``pageSize`` outside the
enum a 400, and a request without (valid) credentials a 401.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterable, Iterator

from contract_tests.checks import Finding, NotApplicable
from contract_tests.http import NOT_JSON, Exchange
from contract_tests.suites.ooapi_v5.base import SPEC, suite
from contract_tests.suites.ooapi_v5.context import Collection, OoapiContext
from contract_tests.suites.ooapi_v5.support import (
    Reporter,
    at_pointer,
    ident,
    json_reply,
    problem_status,
)

_PROBLEM = f"{SPEC} #/components/schemas/Problem, #/components/responses/Error*"


def problem_findings(report: Reporter, ctx: OoapiContext, exchange: Exchange,
                     status: int) -> Iterator[Finding]:
    """Findings for an error reply: the status, the media type, the Problem document."""
    body = yield from json_reply(report, exchange, status, problem=True)
    if body is NOT_JSON:
        return
    for error in ctx.schemas.validate("Problem", body):
        yield report(f"{error.message} (schema: {error.schema_path})", exchange,
                     pointer=error.pointer, value=at_pointer(body, error.pointer))
    yield from problem_status(report, exchange, body, status, "the Problem")


_NOT_FOUND = "ooapi-v5.errors.not-found"


@suite.check(_NOT_FOUND, title="An unknown id answers 404 with the OOAPI error object",
             rule="GET of an item path with an id that does not exist answers 404 with a "
                  "Problem document (application/problem+json)",
             reference=f"{_PROBLEM} (ErrorNotFound)")
def not_found(ctx: OoapiContext) -> Iterable[Finding]:
    report = Reporter(_NOT_FOUND)
    offered = ctx.offered()
    paths = [c.path for c in offered if c.item_path is not None and _serves_items(ctx, c)]
    if "/offerings" not in paths and any(True for _ in ctx.sample_offerings()):
        paths.append("/offerings")
    if not paths:  # no item path answers: ask the first list's anyway
        paths.append(offered[0].path)
    for path in paths:
        exchange = ctx.http.get(f"{path}/{uuid.uuid4()}")
        yield from problem_findings(report, ctx, exchange, 404)


def _serves_items(ctx: OoapiContext, collection: Collection) -> bool:
    """Whether the list's item path answers its first listed id (else: not offered)."""
    listed = next((ident(i, collection.id_key) for i in ctx.sample(collection)), None)
    return listed is not None and ctx.http.get(collection.item_url(listed)).status == 200


_BAD_REQUEST = "ooapi-v5.errors.bad-request"


@suite.check(_BAD_REQUEST, title="A pageSize outside the enum answers 400",
             rule="pageSize takes 10, 20, 50, 100 or 250; any other value answers 400 with a "
                  "Problem document",
             reference=f"{SPEC} #/components/parameters/pageSize, {_PROBLEM} (ErrorBadRequest)")
def bad_request(ctx: OoapiContext) -> Iterable[Finding]:
    report = Reporter(_BAD_REQUEST)
    for collection in ctx.offered()[:3]:
        exchange = ctx.http.get(collection.path, {"pageSize": 7})
        yield from problem_findings(report, ctx, exchange, 400)


_ANONYMOUS = "ooapi-v5.auth.no-token"


def _needs_credentials_and_a_list(ctx: OoapiContext) -> None:
    """Go on only when there is a 401 to test.

    Raises:
        NotApplicable: no credentials were given (an open endpoint), or no list answered.
    """
    if ctx.http.authorization is None:
        raise NotApplicable("no credentials were given: an open endpoint has no 401 to test")
    ctx.offered()


@suite.check(_ANONYMOUS, title="A request without a token answers 401",
             rule="A list asked without credentials answers 401 with a Problem document",
             reference=f"{_PROBLEM} (ErrorUnauthorized); ooapi.json #/security")
def no_token(ctx: OoapiContext) -> Iterable[Finding]:
    report = Reporter(_ANONYMOUS)
    _needs_credentials_and_a_list(ctx)
    exchange = ctx.http.get(ctx.collections[0].path, authenticated=False)
    yield from problem_findings(report, ctx, exchange, 401)


_FORGED = "ooapi-v5.auth.invalid-token"


@suite.check(_FORGED, title="A request with an invalid token answers 401",
             rule="A list asked with a bearer token the server never issued answers 401 with "
                  "a Problem document",
             reference=f"{_PROBLEM} (ErrorUnauthorized)")
def invalid_token(ctx: OoapiContext) -> Iterable[Finding]:
    report = Reporter(_FORGED)
    _needs_credentials_and_a_list(ctx)
    forged = f"Bearer {secrets.token_urlsafe(32)}"
    exchange = ctx.http.request("GET", ctx.collections[0].path,
                                headers={"Authorization": forged})
    yield from problem_findings(report, ctx, exchange, 401)
