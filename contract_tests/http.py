"""A recording HTTP client: every exchange is kept so a finding can name its request.

Checks of a suite share one :class:`HttpRecorder`. GET responses are cached for the run,
so two checks that need the first page of ``/offerings`` cost one request: a suite fetches
only what its checks need. Authentication is a static bearer token or OAuth2 client
credentials (RFC 6749 4.4), fetched once when the context is built, so bad credentials are
a :class:`~contract_tests.target.TargetError` (exit 2), not a finding in every check.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from contract_tests.target import Target, TargetError

__all__ = ["Exchange", "HttpRecorder", "NOT_JSON"]

#: Bodies larger than this are cut (a contract test never needs more of one response).
MAX_BODY_BYTES = 32 * 1024 * 1024
NOT_JSON: Any = object()


@dataclass(frozen=True)
class Exchange:
    """One request and its response, as the checks see them."""

    method: str
    url: str
    status: int
    headers: Mapping[str, str]
    body: bytes = field(repr=False)

    @property
    def request_line(self) -> str:
        """``GET http://host/path?query``: what a finding's ``request`` names."""
        return f"{self.method} {self.url}"

    @property
    def content_type(self) -> str:
        """The media type without parameters, lower case (``application/json``)."""
        return self.headers.get("content-type", "").split(";", 1)[0].strip().lower()

    @property
    def is_json(self) -> bool:
        media = self.content_type
        return media == "application/json" or (
            media.startswith("application/") and media.endswith("+json"))

    def json(self) -> Any:
        """The parsed body, or :data:`NOT_JSON` when it does not parse."""
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError):
            return NOT_JSON


class HttpRecorder:
    """An httpx client against one base URL that records (and caches GET) exchanges.

    Args:
        base_url: the endpoint's base URL; paths given to :meth:`get` are appended.
        authorization: the ``Authorization`` header value to send, or None.
        timeout: seconds per request.
        transport: an httpx transport (tests pass ``httpx.ASGITransport`` or a mock).
    """

    def __init__(self, base_url: str, *, authorization: str | None = None,
                 timeout: float = 30.0, transport: httpx.BaseTransport | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.authorization = authorization
        self._client = httpx.Client(timeout=timeout, transport=transport,
                                    headers={"Accept": "application/json"})
        self._cache: dict[tuple[str, bool], Exchange] = {}
        self.exchanges: list[Exchange] = []

    @classmethod
    def from_target(cls, target: Target, *, timeout: float = 30.0,
                    transport: httpx.BaseTransport | None = None) -> HttpRecorder:
        """A recorder for ``target``'s base URL and credentials.

        Raises:
            TargetError: no base URL, or the token endpoint refused the credentials.
        """
        base_url = target.require_base_url()
        recorder = cls(base_url, timeout=timeout, transport=transport)
        try:
            if target.token:
                recorder.authorization = f"Bearer {target.token}"
            elif target.client_id or target.client_secret or target.token_url:
                recorder.authorization = f"Bearer {recorder._client_credentials(target)}"
        except BaseException:
            recorder.close()
            raise
        return recorder

    def url(self, path: str) -> str:
        """An absolute URL: ``path`` as is when absolute, else appended to the base URL."""
        if path.startswith(("http://", "https://")):
            return path
        return self.base_url + ("" if path.startswith("/") else "/") + path

    def get(self, path: str, params: Mapping[str, str | int] | None = None, *,
            authenticated: bool = True) -> Exchange:
        """GET ``path`` with ``params``; the same request within a run is answered once."""
        url = str(httpx.URL(self.url(path), params=dict(params or {})))
        key = (url, authenticated)
        cached = self._cache.get(key)
        if cached is None:
            cached = self._cache[key] = self.request("GET", url, authenticated=authenticated)
        return cached

    def request(self, method: str, path: str, *, authenticated: bool = True,
                json_body: Any = None, headers: Mapping[str, str] | None = None) -> Exchange:
        """Send one request (never cached) and record it.

        Raises:
            TargetError: the endpoint cannot be reached at all.
        """
        sent = dict(headers or {})
        if authenticated and self.authorization:
            sent.setdefault("Authorization", self.authorization)
        url = self.url(path)
        try:
            with self._client.stream(method, url, headers=sent, json=json_body) as response:
                body = bytearray()
                for chunk in response.iter_bytes():
                    body.extend(chunk)
                    if len(body) > MAX_BODY_BYTES:
                        break
                exchange = Exchange(method, str(response.request.url), response.status_code,
                                    dict(response.headers), bytes(body[:MAX_BODY_BYTES]))
        except httpx.TransportError as exc:
            raise TargetError(f"{method} {url}: {type(exc).__name__}: {exc}") from exc
        self.exchanges.append(exchange)
        return exchange

    def _client_credentials(self, target: Target) -> str:
        if not (target.client_id and target.client_secret and target.token_url):
            raise TargetError("client credentials need --client-id, --client-secret "
                              "and --token-url together")
        try:
            response = self._client.post(
                target.token_url, data={"grant_type": "client_credentials"},
                auth=(target.client_id, target.client_secret))
        except httpx.TransportError as exc:
            raise TargetError(f"token endpoint {target.token_url}: {exc}") from exc
        try:
            token = response.json()["access_token"]
        except (ValueError, KeyError, TypeError):
            token = None
        if response.status_code != 200 or not isinstance(token, str) or not token:
            raise TargetError(f"token endpoint {target.token_url} answered "
                              f"{response.status_code} without an access_token "
                              "(check client id and secret)")
        return token

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()

    def __enter__(self) -> HttpRecorder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
