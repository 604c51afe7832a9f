"""Bearer tokens on API requests (RFC 6750): who is calling, for which tenant, with which scopes.

Two issuers are trusted: the gateway itself (:mod:`.tokens`) and, when configured, an
external one (:mod:`.jwks`). The token's ``iss`` is read unverified only to choose the
verifier; the chosen verifier then checks everything, ``iss`` included.

Verified once: a request's principal is kept on ``request.state`` (a second dependency
asking for it gets the same one), and the gateway's own tokens that verified are kept
until they expire (:mod:`.token_cache`, exact), so a burst of pushes with one token
checks its signature once rather than per request. A token is parsed at most twice
(once unverified to choose the verifier, once to verify it), never three times.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import jwt
from starlette.requests import Request

from gateway.api.auth.jwks import ExternalTokenVerifier
from gateway.api.auth.token_cache import VerifiedTokenCache
from gateway.api.auth.tokens import LEEWAY_SECONDS, TokenIssuer
from gateway.api.deps import Principal
from gateway.bootstrap import Gateway
from gateway.errors import AuthError, ConfigurationError

__all__ = ["Authenticator", "authenticate", "authenticator_of", "bearer_token"]

#: Where a request keeps its verified token and principal, for a second dependency.
_VERIFIED = "verified_bearer"


class Authenticator:
    """The verifiers of one app, built once so the JWKS cache lives as long as the app.

    Example::

        app.state.authenticator = Authenticator.for_gateway(gateway)
    """

    def __init__(
        self,
        own: TokenIssuer,
        external: ExternalTokenVerifier | None = None,
        *,
        cache: VerifiedTokenCache | None = None,
    ) -> None:
        if external is not None and external.issuer == own.issuer:
            raise ConfigurationError("oauth_issuer must differ from token_issuer")
        self.own = own
        self.external = external
        self.cache = cache if cache is not None else VerifiedTokenCache(leeway=LEEWAY_SECONDS)

    @classmethod
    def for_gateway(cls, gateway: Gateway) -> Authenticator:
        """The gateway's own issuer plus the external one when ``oauth_jwks_url`` is set."""
        settings = gateway.settings
        external = ExternalTokenVerifier(settings) if settings.oauth_jwks_url else None
        return cls(TokenIssuer(settings, clock=gateway.clock), external)

    def verify(self, token: str) -> Principal:
        """Verify ``token`` with the verifier of the issuer it names.

        An own token that verified before is answered from the cache (checked against the
        time only, as nothing else can change its outcome); any other is parsed once
        unverified, for its issuer and header, and then verified by that issuer's verifier.

        Raises:
            AuthError: the token is malformed, names an unknown issuer, or fails verification.
            RetriableUpstreamError: the external issuer's keys could not be fetched.
        """
        cached = self.cache.get(token)
        if cached is not None:
            return cached
        try:
            unverified: dict[str, Any] = jwt.decode_complete(
                token, options={"verify_signature": False}
            )
        except jwt.PyJWTError as exc:
            raise AuthError("malformed token", bearer_error="invalid_token") from exc
        header: dict[str, Any] = unverified["header"]
        issuer = unverified["payload"].get("iss")
        if issuer == self.own.issuer:
            principal, claims = self.own.verify_claims(token, header)
            self.cache.put(token, principal, claims)
            return principal
        if self.external is not None and issuer == self.external.issuer:
            return self.external.verify(token, header)
        raise AuthError("token of an unknown issuer", bearer_error="invalid_token")


def bearer_token(request: Request) -> str:
    """The token of the ``Authorization: Bearer`` header.

    Raises:
        AuthError: the header is missing or not a bearer token.
    """
    header = request.headers.get("authorization")
    if not header:
        raise AuthError("a bearer token is required")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise AuthError("a bearer token is required")
    return token


def authenticator_of(request: Request, gateway: Gateway) -> Authenticator:
    """The app's authenticator; built and kept on first use when the app has none."""
    state = request.app.state
    authenticator: Authenticator | None = getattr(state, "authenticator", None)
    if authenticator is None:
        authenticator = Authenticator.for_gateway(gateway)
        state.authenticator = authenticator
    return authenticator


def authenticate(request: Request, gateway: Gateway, scopes: Iterable[str]) -> Principal:
    """The principal of the request's bearer token, holding at least one of ``scopes``.

    Blocking (the external issuer's keys may be fetched): call it from a sync dependency.

    Args:
        request: the incoming request.
        gateway: the running gateway.
        scopes: acceptable scopes; empty means any valid token will do.

    Returns:
        The caller; its tenant comes from the token only.

    Raises:
        AuthError: no valid token (401), or none of ``scopes`` granted (403, ``forbidden``).
        RetriableUpstreamError: the external issuer's keys could not be fetched (503).
    """
    token = bearer_token(request)
    verified: tuple[str, Principal] | None = getattr(request.state, _VERIFIED, None)
    if verified is not None and verified[0] == token:
        principal = verified[1]
    else:
        principal = authenticator_of(request, gateway).verify(token)
        setattr(request.state, _VERIFIED, (token, principal))
    wanted = frozenset(scopes)
    if wanted and not wanted & principal.scopes:
        raise AuthError(
            f"this needs one of the scopes: {' '.join(sorted(wanted))}", forbidden=True
        )
    request.state.principal = principal
    return principal
