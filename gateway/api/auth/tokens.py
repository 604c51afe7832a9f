"""The gateway's own access tokens: short-lived HS256 JWTs (RFC 9068 profile).

Only the gateway issues and verifies them, so a shared secret (``token_secret``) is
enough; tokens of other issuers are verified by :mod:`gateway.api.auth.jwks`. The
tenant is a claim signed into the token: it is never taken from the request.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

from gateway.api.deps import Principal
from gateway.errors import AuthError
from gateway.settings import Settings

__all__ = ["ALGORITHM", "LEEWAY_SECONDS", "TOKEN_TYPE", "IssuedToken", "TokenIssuer"]

ALGORITHM = "HS256"
#: RFC 9068 media type of JWT access tokens, so an ID token or other JWT is not accepted.
TOKEN_TYPE = "at+jwt"  # noqa: S105 - a media type, not a secret
#: Tolerated clock skew between the gateway's replicas.
LEEWAY_SECONDS = 30


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class IssuedToken:
    access_token: str
    expires_in: int
    scopes: frozenset[str]

    @property
    def scope(self) -> str:
        """The granted scopes, space-separated (as in the token response and claim)."""
        return " ".join(sorted(self.scopes))


class TokenIssuer:
    """Issues and verifies the gateway's own tokens.

    Example::

        issuer = TokenIssuer(settings)
        token = issuer.issue("planner", "roc-a", {"events:read"})
        principal = issuer.verify(token.access_token)
    """

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Callable[[], datetime] = _utcnow,
        tenants: Collection[str] | None = None,
    ) -> None:
        self.issuer = settings.token_issuer
        self.audience = settings.token_audience
        self.ttl = settings.token_ttl_seconds
        self._key = settings.token_secret.get_secret_value()
        self._clock = clock
        self._tenants = frozenset(
            tenants if tenants is not None else (t.id for t in settings.tenants)
        )

    def issue(self, client_id: str, tenant: str, scopes: Iterable[str]) -> IssuedToken:
        """Sign a token for a client of ``tenant`` with ``scopes``.

        Args:
            client_id: the client the token is for (``sub`` and ``client_id`` claims).
            tenant: the client's tenant (``tenant`` claim).
            scopes: the granted scopes (``scope`` claim, space-separated).

        Returns:
            The signed token, its lifetime in seconds and the granted scopes.
        """
        now = self._clock()
        granted = frozenset(scopes)
        claims = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": client_id,
            "client_id": client_id,
            "tenant": tenant,
            "scope": " ".join(sorted(granted)),
            "iat": int(now.timestamp()),
            "exp": int((now + timedelta(seconds=self.ttl)).timestamp()),
            "jti": secrets.token_urlsafe(16),
        }
        token = jwt.encode(claims, self._key, algorithm=ALGORITHM, headers={"typ": TOKEN_TYPE})
        return IssuedToken(token, self.ttl, granted)

    def verify(self, token: str) -> Principal:
        """The principal of a token this gateway issued.

        Raises:
            AuthError: bad signature, wrong issuer or audience, expired, a claim missing,
                or a tenant that is no longer configured.
        """
        return self.verify_claims(token)[0]

    def verify_claims(
        self, token: str, header: Mapping[str, Any] | None = None
    ) -> tuple[Principal, dict[str, Any]]:
        """Like :meth:`verify`, and the verified claims too (their times, for a cache).

        Args:
            token: the token.
            header: its JOSE header when the caller has already read it unverified (as
                :class:`~gateway.api.auth.bearer.Authenticator` does to choose the
                verifier), so the token is parsed once more only, to be verified.

        Returns:
            The principal and the verified claims.

        Raises:
            AuthError: as :meth:`verify`.
        """
        try:
            if header is None:
                header = jwt.get_unverified_header(token)
            if header.get("typ") != TOKEN_TYPE:
                raise AuthError("not an access token", bearer_error="invalid_token")
            claims: dict[str, Any] = jwt.decode(
                token,
                self._key,
                algorithms=[ALGORITHM],
                audience=self.audience,
                issuer=self.issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "iat", "iss", "aud", "sub", "jti"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise AuthError("token expired", bearer_error="invalid_token") from exc
        except jwt.PyJWTError as exc:
            raise AuthError("invalid token", bearer_error="invalid_token") from exc
        tenant = claims.get("tenant")
        scope = claims.get("scope", "")
        if not isinstance(tenant, str) or tenant not in self._tenants:
            raise AuthError("token names no configured tenant", bearer_error="invalid_token")
        if not isinstance(scope, str):
            raise AuthError("invalid scope claim", bearer_error="invalid_token")
        principal = Principal(
            client_id=str(claims["sub"]),
            tenant=tenant,
            scopes=frozenset(scope.split()),
            issuer=self.issuer,
        )
        return principal, claims
