"""OAuth2 client credentials (RFC 6749 4.4) for the OOAPI endpoints of the mbo profile.

The mbo profile (NED-OOAPI ``ErrorHandling.md``) authenticates servers with the client
credentials grant. A token is fetched from the token endpoint, kept until shortly before it
expires, and fetched again once when the API answers 401 (the server may have revoked or
rotated it early). As an ``httpx.Auth`` it runs inside the client's own request flow, so the
token request shares the client's transport, timeouts and error translation.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import AsyncGenerator, Callable, Generator
from dataclasses import dataclass

import httpx

from gateway.adapters.ooapi.http_errors import error_for_status
from gateway.errors import FatalUpstreamError

__all__ = ["AccessToken", "ClientCredentials"]

#: Refresh this long before the stated expiry (at most a tenth of the lifetime).
EXPIRY_MARGIN_SECONDS = 30.0
#: Lifetime assumed when the token endpoint does not say (``expires_in`` is optional).
DEFAULT_LIFETIME_SECONDS = 300.0


@dataclass(frozen=True)
class AccessToken:
    value: str
    #: ``time.monotonic()`` moment after which the token is not used any more.
    refresh_at: float


class ClientCredentials(httpx.Auth):
    """Bearer tokens from ``token_url`` with a client id and secret.

    Example::

        auth = ClientCredentials(source.token_url, source.client_id, secret)
        with httpx.Client(base_url=source.base_url, auth=auth) as client:
            client.get("/offerings")

    Args:
        token_url: the token endpoint.
        client_id: the gateway's client id at the source.
        client_secret: its secret (sent with HTTP Basic, RFC 6749 2.3.1).
        scope: the scope to ask for, e.g. ``nl-test-admin-flow-0``; None asks for none.
        clock: monotonic seconds; tests pass a fake.
    """

    #: False so API replies can stream (their size is capped by the client); the flow reads
    #: the token endpoint's reply itself.
    requires_response_body = False

    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: str,
        *,
        scope: str | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.token_url = token_url
        self.client_id = client_id
        self._secret = client_secret
        self.scope = scope
        self.clock = clock
        self.tokens_fetched = 0
        self._token: AccessToken | None = None
        self._lock = threading.Lock()

    def sync_auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        token = self._valid_token()
        if token is None:
            token = self._accept((yield self._token_request()))
        request.headers["Authorization"] = f"Bearer {token.value}"
        response = yield request
        if response.status_code != 401:
            return
        with self._lock:  # the token was refused: forget it, fetch a new one, try once more
            if self._token is not None and self._token.value == token.value:
                self._token = None
        # (the refused reply is not closed here: httpx reads it into the history itself)
        token = self._accept((yield self._token_request()))
        request.headers["Authorization"] = f"Bearer {token.value}"
        yield request

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        raise NotImplementedError("ClientCredentials serves the synchronous httpx.Client")
        yield request  # pragma: no cover - makes this an async generator

    def _valid_token(self) -> AccessToken | None:
        with self._lock:
            token = self._token
        if token is not None and self.clock() < token.refresh_at:
            return token
        return None

    def _token_request(self) -> httpx.Request:
        form = {"grant_type": "client_credentials"}
        if self.scope:
            form["scope"] = self.scope
        request = httpx.Request(
            "POST", self.token_url, data=form, headers={"Accept": "application/json"}
        )
        basic = httpx.BasicAuth(self.client_id, self._secret)
        return next(basic.auth_flow(request))

    def _accept(self, response: httpx.Response) -> AccessToken:
        what = f"POST {httpx.URL(self.token_url).path} (token)"
        response.read()
        error = error_for_status(response, what)
        if error is not None and response.status_code in (400, 401):
            raise FatalUpstreamError(
                f"{error.message} (check client_id, client_secret and scope)",
                status=response.status_code,
            )
        if error is not None:
            raise error
        try:
            body = json.loads(response.content)
            value = body["access_token"]
            token_type = str(body.get("token_type", "bearer"))
            lifetime = float(body.get("expires_in", DEFAULT_LIFETIME_SECONDS))
        except (ValueError, KeyError, TypeError) as exc:
            raise FatalUpstreamError(
                f"{what}: not an OAuth2 token response (RFC 6749 5.1)"
            ) from exc
        if not isinstance(value, str) or not value or token_type.lower() != "bearer":
            raise FatalUpstreamError(f"{what}: no bearer access_token in the token response")
        margin = min(EXPIRY_MARGIN_SECONDS, lifetime / 10)
        token = AccessToken(value, self.clock() + max(0.0, lifetime - margin))
        with self._lock:
            self._token = token
            self.tokens_fetched += 1
        return token
