"""Access tokens of an external issuer (the school's identity provider), verified by JWKS.

Only asymmetric signatures are accepted (``RS256``, ``ES256``), and each with the key
whose type and algorithm the JWKS fixes: a token claiming ``alg: none``, or ``HS256``
"signed" with the issuer's public key (algorithm confusion), is refused. The tenant
comes from a configured claim and must be a tenant of this deployment.

Keys are fetched with ``jwt.PyJWKClient``: the key set is cached for five minutes and an
unknown ``kid`` forces at most one refetch per cooldown, so a flood of made-up key ids
cannot turn into a flood of requests to the issuer. The per-``kid`` LRU cache is left
off on purpose: it never expires, so a key the issuer withdrew would stay trusted.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

import jwt
from jwt import PyJWK, PyJWKClient
from jwt.exceptions import PyJWKClientConnectionError, PyJWKClientError, PyJWKSetError

from gateway.api.deps import Principal
from gateway.errors import AuthError, ConfigurationError, RetriableUpstreamError
from gateway.settings import Settings

__all__ = ["ALGORITHMS", "ExternalTokenVerifier"]

#: Asymmetric algorithms only: never ``none`` and never an HMAC keyed by a public key.
ALGORITHMS = ("RS256", "ES256")
LEEWAY_SECONDS = 30
_JWKS_TIMEOUT_SECONDS = 5.0
_JWKS_CACHE_SECONDS = 300.0


class ExternalTokenVerifier:
    """Verifies tokens of ``settings.oauth_issuer`` with keys from ``oauth_jwks_url``.

    Example::

        verifier = ExternalTokenVerifier(settings)
        principal = verifier.verify(token)  # blocking: may fetch the JWKS
    """

    def __init__(
        self,
        settings: Settings,
        *,
        tenants: Collection[str] | None = None,
        client: PyJWKClient | None = None,
    ) -> None:
        if not settings.oauth_jwks_url or not settings.oauth_issuer:
            raise ConfigurationError("oauth_jwks_url and oauth_issuer are both required")
        self.issuer = settings.oauth_issuer
        # Without an audience of its own, the external token must name the gateway.
        self.audience = settings.oauth_audience or settings.token_audience
        self.tenant_claim = settings.oauth_tenant_claim
        self._tenants = frozenset(
            tenants if tenants is not None else (t.id for t in settings.tenants)
        )
        try:
            self._client = client or PyJWKClient(
                settings.oauth_jwks_url,
                cache_jwk_set=True,
                lifespan=_JWKS_CACHE_SECONDS,
                timeout=_JWKS_TIMEOUT_SECONDS,
            )
        except PyJWKClientError as exc:  # e.g. a URL scheme other than http(s)
            raise ConfigurationError(f"oauth_jwks_url is unusable: {exc}") from exc

    def verify(self, token: str, header: Mapping[str, Any] | None = None) -> Principal:
        """The principal of an externally issued token.

        Args:
            token: the token.
            header: its JOSE header when the caller has already read it unverified.

        Raises:
            AuthError: malformed, unknown key, wrong algorithm, bad signature, wrong
                issuer or audience, expired, or no configured tenant in the tenant claim.
            RetriableUpstreamError: the issuer's key set could not be fetched or read.
        """
        key = self._signing_key(token, header)
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=list(ALGORITHMS),
                audience=self.audience,
                issuer=self.issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "iss", "aud", "sub"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise AuthError("token expired", bearer_error="invalid_token") from exc
        except jwt.PyJWTError as exc:
            raise AuthError("invalid token", bearer_error="invalid_token") from exc
        return self._principal(claims)

    def _signing_key(self, token: str, header: Mapping[str, Any] | None) -> PyJWK:
        if header is None:
            try:
                header = jwt.get_unverified_header(token)
            except jwt.PyJWTError as exc:
                raise AuthError("malformed token", bearer_error="invalid_token") from exc
        if header.get("alg") not in ALGORITHMS:
            raise AuthError("token algorithm not accepted", bearer_error="invalid_token")
        kid = header.get("kid")
        if not isinstance(kid, str):
            raise AuthError("token names no signing key", bearer_error="invalid_token")
        try:
            self._client.get_signing_keys()  # cached; fails only when the issuer does
        except PyJWKClientConnectionError as exc:
            raise RetriableUpstreamError("the token issuer's JWKS is unreachable") from exc
        except (PyJWKClientError, PyJWKSetError, ValueError) as exc:
            raise RetriableUpstreamError("the token issuer's JWKS is unusable") from exc
        try:
            return self._client.get_signing_key(kid)
        except PyJWKClientConnectionError as exc:
            raise RetriableUpstreamError("the token issuer's JWKS is unreachable") from exc
        except (PyJWKSetError, ValueError) as exc:
            raise RetriableUpstreamError("the token issuer's JWKS is unusable") from exc
        except PyJWKClientError as exc:
            raise AuthError("unknown signing key", bearer_error="invalid_token") from exc

    def _principal(self, claims: dict[str, Any]) -> Principal:
        tenant = claims.get(self.tenant_claim)
        if not isinstance(tenant, str) or tenant not in self._tenants:
            raise AuthError("token names no configured tenant", bearer_error="invalid_token")
        # "scope" as RFC 8693/9068 write it; "scp" as some issuers (Azure AD, Okta) do
        raw = claims.get("scope", claims.get("scp"))
        if isinstance(raw, str):
            scopes = frozenset(raw.split())
        elif isinstance(raw, list):
            scopes = frozenset(s for s in raw if isinstance(s, str))
        else:
            scopes = frozenset()
        client_id = claims.get("client_id") or claims.get("azp") or claims["sub"]
        return Principal(
            client_id=str(client_id), tenant=tenant, scopes=scopes, issuer=self.issuer
        )
