"""``PUT /associations/{associationId}`` to an SIS's mbo profile endpoint: the gateway as client.

The body is validated against the profile before anything is sent (a body the profile
refuses is the gateway's fault: a ``ValidationError``, not a call). The SIS is reached
with OAuth2 client credentials (:class:`~.auth.ClientCredentials`); 408, 429, 5xx,
timeouts and broken connections are retried with capped exponential backoff and
``Retry-After`` (:mod:`.retry`); any other 4xx is the SIS's refusal, a
``FatalUpstreamError`` carrying the status. Messages name the method, the path and the
status, never a body: the body holds personal data, and an SIS's reply may echo it.

Example::

    with AssociationSink.for_source(source, standards) as sink:
        created = sink.put(association)      # True: 201, False: 200
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

import httpx

from gateway.adapters.ooapi.auth import ClientCredentials
from gateway.adapters.ooapi.client import resource_path
from gateway.adapters.ooapi.http_errors import error_for_status, map_httpx_errors
from gateway.adapters.ooapi.mbo_profile import mbo_profile
from gateway.adapters.ooapi.retry import upstream_retrying
from gateway.adapters.standards import Standards
from gateway.errors import ConfigurationError, FatalUpstreamError, ValidationError
from gateway.mappings.mbo_association import ASSOCIATION_PATH
from gateway.settings import SourceConfig

__all__ = ["AssociationSink"]


class AssociationSink:
    """Puts associations to one SIS.

    Args:
        base_url: the SIS's OOAPI root.
        standards: the official files (the body is checked against the mbo profile).
        auth: client credentials, or None for an open endpoint.
        timeout: seconds per request.
        max_attempts: attempts per association, the first included.
        max_backoff: cap of the exponential backoff, in seconds.
        transport: an httpx transport; tests may pass one.
        sleep: waits between attempts; tests pass a recorder.
        now: wall clock, to resolve an HTTP-date ``Retry-After``.
    """

    def __init__(
        self,
        base_url: str,
        standards: Standards,
        *,
        auth: httpx.Auth | None = None,
        timeout: float = 30.0,
        max_attempts: int = 5,
        max_backoff: float = 30.0,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.profile = mbo_profile(standards)
        self._now = now
        self._http = httpx.Client(
            base_url=base_url, auth=auth, timeout=timeout, transport=transport,
            headers={"Accept": "application/json", "User-Agent": "mbo-gateway"})
        self._retrying = upstream_retrying(max_attempts=max_attempts, max_backoff=max_backoff,
                                           sleep=sleep)

    @classmethod
    def for_source(
        cls, source: SourceConfig, standards: Standards, **options: Any
    ) -> AssociationSink:
        """A sink for one configured source (its URL, credentials and timeout).

        Raises:
            ConfigurationError: client credentials are half configured.
        """
        secret = source.client_secret.get_secret_value() if source.client_secret else None
        configured = [source.token_url, source.client_id, secret]
        if any(configured) and not all(configured):
            raise ConfigurationError(
                f"source {source.tenant}/{source.name}: token_url, client_id and client_secret "
                "go together (OAuth2 client credentials)")
        auth = None
        if source.token_url and source.client_id and secret:
            auth = ClientCredentials(source.token_url, source.client_id, secret)
        options.setdefault("timeout", source.timeout_seconds)
        return cls(source.base_url, standards, auth=auth, **options)

    def check(self, association: dict[str, Any]) -> None:
        """Refuse a body the mbo profile does not allow.

        Raises:
            ValidationError: with every error's place in the body and in the profile.
        """
        errors = self.profile.validate_request(ASSOCIATION_PATH, "put", association)
        if errors:
            first = errors[0]
            raise ValidationError(
                f"the association does not conform to the mbo profile: {first.pointer or '/'} "
                f"{first.message}", path=first.pointer,
                errors=[e.as_dict() for e in errors])

    def put(self, association: dict[str, Any]) -> bool:
        """Check and PUT one association; True when the SIS created it (201).

        Raises:
            ValidationError: the body does not conform to the profile; nothing was sent.
            RetriableUpstreamError: still failing after the last attempt.
            FatalUpstreamError: the SIS refused it (a 4xx other than 408/429).
        """
        self.check(association)
        path = resource_path("associations", str(association["associationId"]))
        status: int = self._retrying(self._put_once, path, association)
        return status == 201

    def _put_once(self, path: str, association: dict[str, Any]) -> int:
        what = "PUT /associations/{associationId}"
        with map_httpx_errors(what):
            reply = self._http.put(path, json=association)
        error = error_for_status(reply, what, self._now)
        if error is not None:
            raise error
        if reply.status_code not in (200, 201, 204):
            raise FatalUpstreamError(f"{what}: unexpected HTTP {reply.status_code}",
                                     status=reply.status_code)
        return reply.status_code

    # -- lifecycle --------------------------------------------------------------------------
    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> AssociationSink:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
