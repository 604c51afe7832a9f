"""The ``Idempotency-Key`` request header (IETF draft-ietf-httpapi-idempotency-key-header).

A POST that names a key runs its operation once; repeating it answers the stored
response. As the draft says:

- the value is a Structured Field String (RFC 8941), e.g. ``Idempotency-Key: "8e03..."``;
  clients that do not quote are served too, when the bare value has no spaces, quotes or
  control characters. At most 255 characters;
- a missing key on an operation that requires one: **400**; a malformed one: **400**;
- the same key with another request (method, path or body): **422**;
- the same key while the first request still runs: this gateway first waits for it (up
  to ``wait_seconds``) and then answers its stored response; only if it is still running
  then: **409**, with ``Retry-After``;
- the same key and the same request: the stored response, same status and body, with the
  header ``Idempotent-Replayed: true``.

Every problem carries ``documentation``, the URL of the API description that explains
this. Keys are scoped per tenant and client and expire after 24 hours
(:mod:`gateway.store.idempotency`). What is stored: every response of an operation that
ran, refusals (4xx) included, so a retry never gets a different answer than the first
attempt; a client that wants another attempt uses a new key. A failure of the gateway
(5xx) is not stored: the key is released and a retry runs the operation again.

Two requests are the same when method, path and body are: the body is compared as the
validated JSON object (key order and whitespace do not matter).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Callable, Mapping
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from gateway.api.deps import Principal
from gateway.api.problems import problem_response, status_of
from gateway.errors import GatewayError
from gateway.store.idempotency import ClaimKind, IdempotencyStore, StoredResponse

__all__ = [
    "HEADER",
    "REPLAYED_HEADER",
    "IdempotentPost",
    "fingerprint",
    "parse_idempotency_key",
]

log = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255
#: Response headers worth repeating on a replay (the rest is recomputed).
_KEPT_HEADERS = ("location", "content-type")

_SF_STRING = re.compile(r'"((?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\["\\])*)"(?:\s*;.*)?')
_BARE = re.compile(r"[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]+")


class KeyProblem(Exception):
    """The header is missing or malformed; ``code`` and ``detail`` go into the 400."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


def parse_idempotency_key(value: str | None) -> str:
    """The key of an ``Idempotency-Key`` header value.

    Raises:
        KeyProblem: missing, empty, too long, or not a Structured Field String.
    """
    if value is None:
        raise KeyProblem("idempotency-key-missing",
                         f"this operation requires an {HEADER} header")
    text = value.strip()
    quoted = _SF_STRING.fullmatch(text)
    if quoted is not None:
        key = re.sub(r"\\(.)", r"\1", quoted.group(1))
    elif _BARE.fullmatch(text):
        key = text
    else:
        raise KeyProblem("idempotency-key-invalid",
                         f"the {HEADER} header must be a Structured Field String, e.g. "
                         '"8e03978e-40d5-43e8-bc93-6894a57f9324"')
    if not key or len(key) > MAX_KEY_LENGTH:
        raise KeyProblem("idempotency-key-invalid",
                         f"an {HEADER} has 1 to {MAX_KEY_LENGTH} characters")
    return key


def fingerprint(method: str, path: str, body: Mapping[str, Any] | None) -> str:
    """SHA-256 of the request: method, path and the body as canonical JSON."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(f"{method.upper()}\n{path}\n{canonical}".encode()).hexdigest()


#: Gets the parsed key (operations derive their ids from it), returns the response.
Operation = Callable[[str], Response]
ErrorResponder = Callable[[Request, GatewayError], Response]


class IdempotentPost:
    """Runs a POST's operation once per key (see the module docstring).

    Example::

        post = IdempotentPost(keys, documentation="/intake/v1/openapi.json")
        return post.run(request, principal, header_value, body_json, operation, on_error)

    Args:
        keys: the key store.
        documentation: URL of the documentation that problems link to.
        wait_seconds: how long a repeat waits for a running first request.
    """

    def __init__(
        self, keys: IdempotencyStore, *, documentation: str, wait_seconds: float = 10.0
    ) -> None:
        self.keys = keys
        self.documentation = documentation
        self.wait_seconds = wait_seconds

    def run(
        self,
        request: Request,
        principal: Principal,
        header: str | None,
        body: Mapping[str, Any] | None,
        operation: Operation,
        on_error: ErrorResponder,
    ) -> Response:
        """Answer the request: run ``operation`` once for its key, or replay, or refuse.

        Args:
            request: the request (its method and path are part of the fingerprint).
            principal: the caller; keys are scoped to its tenant and client.
            header: the raw ``Idempotency-Key`` value, None when missing.
            body: the validated request body as JSON.
            operation: gets the key and produces the response; may raise a
                ``GatewayError``.
            on_error: turns a ``GatewayError`` of the operation into its response.
        """
        path = request.url.path
        try:
            key = parse_idempotency_key(header)
        except KeyProblem as problem:
            return self._problem(400, problem.code, problem.detail, path)
        scope = (principal.tenant, principal.client_id, key)
        claim = self.keys.await_outcome(*scope, fingerprint(request.method, path, body),
                                        timeout=self.wait_seconds)
        if claim.kind is ClaimKind.MISMATCH:
            return self._problem(422, "idempotency-key-reused",
                                 f"this {HEADER} was used for another request; use a new key "
                                 "for a new request", path)
        if claim.kind is ClaimKind.IN_PROGRESS:
            return self._problem(409, "idempotency-key-in-use",
                                 f"a request with this {HEADER} is still being processed; "
                                 "retry later", path, headers={"Retry-After": "1"})
        if claim.kind is ClaimKind.REPLAY:
            assert claim.response is not None  # noqa: S101 - a replay carries its response
            return _replay(claim.response)
        try:
            response = operation(key)
        except GatewayError as exc:
            if status_of(exc) >= 500:
                self.keys.release(*scope)
                raise
            response = on_error(request, exc)
        except BaseException:
            self.keys.release(*scope)
            raise
        self.keys.complete(*scope, _stored(response))
        return response

    def _problem(
        self, status: int, code: str, detail: str, path: str,
        headers: dict[str, str] | None = None,
    ) -> Response:
        return problem_response(status, code=code, detail=detail, instance=path,
                                headers=headers, documentation=self.documentation)


def _stored(response: Response) -> StoredResponse:
    headers = {name: response.headers[name] for name in _KEPT_HEADERS
               if name in response.headers}
    return StoredResponse(response.status_code, bytes(response.body), headers)


def _replay(stored: StoredResponse) -> Response:
    headers = {k: v for k, v in stored.headers.items() if k != "content-type"}
    headers[REPLAYED_HEADER] = "true"
    media = stored.headers.get("content-type", "application/json")
    return Response(stored.body, status_code=stored.status, headers=headers, media_type=media)
