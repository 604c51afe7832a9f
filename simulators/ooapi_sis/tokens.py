"""OAuth2 client credentials (RFC 6749 section 4.4) as the mbo profile's SIS offers them.

One client (id and secret) is known. ``POST /oauth/token`` accepts the credentials as HTTP
Basic (RFC 6749 2.3.1) or as form fields, and answers a random bearer token that the data
endpoints then require. Tokens expire after ``lifetime`` seconds (a monotonic clock).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import secrets
import time
from collections.abc import Callable
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import JSONResponse

__all__ = ["TokenIssuer"]

_MAX_FORM_BYTES = 4096


def _oauth_error(status: int, error: str, description: str) -> JSONResponse:
    headers = {"Cache-Control": "no-store"}
    if status == 401:
        headers["WWW-Authenticate"] = 'Basic realm="ooapi-sis"'
    return JSONResponse({"error": error, "error_description": description}, status_code=status,
                        headers=headers)


class TokenIssuer:
    """Issues and checks bearer tokens for one client."""

    def __init__(
        self, client_id: str, client_secret: str, *, lifetime: float = 3600.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = (client_id.encode(), client_secret.encode())
        self.lifetime = lifetime
        self._clock = clock
        self._tokens: dict[str, float] = {}

    def _known(self, client_id: str, secret: str) -> bool:
        id_ok = hmac.compare_digest(client_id.encode(), self._client[0])
        secret_ok = hmac.compare_digest(secret.encode(), self._client[1])
        return id_ok and secret_ok

    async def token(self, request: Request) -> JSONResponse:
        """The token endpoint."""
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > _MAX_FORM_BYTES:
                return _oauth_error(413, "invalid_request", "the form is too large")
        form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
        if form.get("grant_type") != "client_credentials":
            return _oauth_error(400, "unsupported_grant_type", "use client_credentials")
        client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        header = request.headers.get("authorization", "")
        if header.lower().startswith("basic "):
            try:
                decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
            except (binascii.Error, UnicodeDecodeError):
                return _oauth_error(401, "invalid_client", "malformed Basic credentials")
            client_id, _, secret = decoded.partition(":")
        if not self._known(client_id, secret):
            return _oauth_error(401, "invalid_client", "unknown client or wrong secret")
        token = secrets.token_urlsafe(32)
        now = self._clock()
        self._tokens = {t: exp for t, exp in self._tokens.items() if exp > now}
        self._tokens[token] = now + self.lifetime
        return JSONResponse(
            {"access_token": token, "token_type": "Bearer", "expires_in": int(self.lifetime)},
            headers={"Cache-Control": "no-store"})

    def authorized(self, request: Request) -> bool:
        """Whether the request carries a bearer token this issuer gave out and still honours."""
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            return False
        expires = self._tokens.get(token.strip())
        return expires is not None and expires > self._clock()

    def revoke_all(self) -> None:
        """Forget every token (a test makes the SIS rotate its keys)."""
        self._tokens.clear()
