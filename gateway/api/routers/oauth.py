"""``POST /oauth/token``: the client credentials grant (RFC 6749 §4.4).

The one endpoint whose errors are not problem+json: RFC 6749 §5.2 fixes their form
(``{"error", "error_description"}``), and OAuth client libraries parse exactly that.

The form is parsed here from the raw body (``urllib.parse``), so the API needs no
multipart parser; the body is already capped by the size-limit middleware.
"""

from __future__ import annotations

import base64
import binascii
from typing import Literal
from urllib.parse import parse_qsl, unquote_plus

from fastapi import APIRouter, Request
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, Response

from gateway.api.auth.bearer import authenticator_of
from gateway.api.auth.clients import ClientRecord, ClientRegistry, parse_scopes
from gateway.api.deps import GatewayDep
from gateway.errors import AuthError, ValidationError

__all__ = ["OAuthErrorBody", "TokenResponse", "router"]

router = APIRouter(tags=["oauth"])

_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}  # RFC 6749 §5.1
_FORM_TYPE = "application/x-www-form-urlencoded"
_MAX_FIELDS = 16

OAuthErrorCode = Literal[
    "invalid_request", "invalid_client", "invalid_grant", "invalid_scope",
    "unauthorized_client", "unsupported_grant_type",
]


class TokenResponse(BaseModel):
    """RFC 6749 §5.1 successful response."""

    access_token: str
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105 - the RFC's word, not a secret
    expires_in: int
    scope: str


class OAuthErrorBody(BaseModel):
    """RFC 6749 §5.2 error response."""

    error: OAuthErrorCode
    error_description: str


class _OAuthError(Exception):
    def __init__(self, error: OAuthErrorCode, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description

    def response(self) -> JSONResponse:
        headers = dict(_NO_STORE)
        status = 400
        if self.error == "invalid_client":
            status = 401
            headers["WWW-Authenticate"] = 'Basic realm="mbo-gateway"'
        body = OAuthErrorBody(error=self.error, error_description=self.description)
        return JSONResponse(body.model_dump(), status_code=status, headers=headers)


def _parse_form(content_type: str | None, body: bytes) -> dict[str, str]:
    """The form's parameters; blank ones count as omitted (§3.1), repeated ones are refused."""
    if (content_type or "").split(";", 1)[0].strip().lower() != _FORM_TYPE:
        raise _OAuthError("invalid_request", f"the body must be {_FORM_TYPE}")
    try:
        pairs = parse_qsl(
            body.decode("utf-8"), keep_blank_values=True, errors="strict",
            max_num_fields=_MAX_FIELDS,
        )
    except ValueError as exc:  # also UnicodeDecodeError
        raise _OAuthError("invalid_request", "the form cannot be parsed") from exc
    form: dict[str, str] = {}
    for name, value in pairs:
        if name in form:
            raise _OAuthError("invalid_request", f"parameter {name!r} is repeated")
        if value:
            form[name] = value
    return form


def _basic_credentials(header: str) -> tuple[str, str]:
    """Client id and secret of an HTTP Basic header, form-decoded as §2.3.1 asks."""
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        raise _OAuthError("invalid_client", "use HTTP Basic or the client_secret parameter")
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise _OAuthError("invalid_client", "malformed Basic credentials") from exc
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        raise _OAuthError("invalid_client", "malformed Basic credentials")
    return unquote_plus(client_id), unquote_plus(secret)


def _client_credentials(authorization: str | None, form: dict[str, str]) -> tuple[str, str]:
    """Exactly one way of authenticating the client (§2.3): Basic, or the form fields."""
    if authorization:
        if "client_secret" in form:
            raise _OAuthError("invalid_request", "use one client authentication method")
        client_id, secret = _basic_credentials(authorization)
        if form.get("client_id", client_id) != client_id:
            raise _OAuthError("invalid_request", "client_id differs from the Basic user")
        return client_id, secret
    form_id, form_secret = form.get("client_id"), form.get("client_secret")
    if not form_id or not form_secret:
        raise _OAuthError("invalid_client", "client authentication is required")
    return form_id, form_secret


def _granted_scopes(requested: str | None, client: ClientRecord) -> frozenset[str]:
    """The requested scopes when the client holds all of them; all its scopes by default."""
    if requested is None:
        return client.scopes
    try:
        wanted = parse_scopes(requested)
    except ValidationError as exc:
        raise _OAuthError("invalid_scope", "a scope is malformed") from exc
    if not wanted or not wanted <= client.scopes:
        raise _OAuthError("invalid_scope", "a requested scope is not granted to this client")
    return wanted


@router.post(
    "/oauth/token",
    summary="Issue an access token (client credentials grant)",
    response_model=None,
    responses={
        200: {"model": TokenResponse},
        400: {"model": OAuthErrorBody, "description": "RFC 6749 §5.2 error"},
        401: {"model": OAuthErrorBody, "description": "Client authentication failed"},
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                _FORM_TYPE: {
                    "schema": {
                        "type": "object",
                        "required": ["grant_type"],
                        "properties": {
                            "grant_type": {"type": "string", "enum": ["client_credentials"]},
                            "scope": {"type": "string", "description": "space-separated"},
                            "client_id": {"type": "string"},
                            "client_secret": {"type": "string", "format": "password"},
                        },
                    }
                }
            },
        }
    },
)
async def issue_token(request: Request, gateway: GatewayDep) -> Response:
    """Authenticate a client (HTTP Basic or form fields) and issue a short-lived token.

    The token carries the client's tenant; a client never chooses its tenant.
    """
    try:
        form = _parse_form(request.headers.get("content-type"), await request.body())
        grant_type = form.get("grant_type")
        if grant_type is None:
            raise _OAuthError("invalid_request", "grant_type is required")
        if grant_type != "client_credentials":
            raise _OAuthError("unsupported_grant_type", "only client_credentials is supported")
        client_id, secret = _client_credentials(request.headers.get("authorization"), form)
        registry = ClientRegistry.for_gateway(gateway)
        try:  # scrypt is deliberately slow: keep it off the event loop
            client = await run_in_threadpool(registry.verify, client_id, secret)
        except AuthError as exc:
            raise _OAuthError("invalid_client", "client authentication failed") from exc
        scopes = _granted_scopes(form.get("scope"), client)
    except _OAuthError as exc:
        return exc.response()
    issued = authenticator_of(request, gateway).own.issue(client.client_id, client.tenant, scopes)
    body = TokenResponse(access_token=issued.access_token, expires_in=issued.expires_in,
                         scope=issued.scope)
    return JSONResponse(body.model_dump(), headers=_NO_STORE)
