"""Tokens the gateway itself issued and already verified, kept so a burst of requests with
the same token costs one signature check instead of one per request.

Exact, not approximate: whether one of the gateway's own tokens verifies depends only on
the token, the app's fixed key, issuer, audience and tenants, and the time. The first
four do not change while the app runs, so an entry is only ever re-checked against the
time: every hit applies PyJWT's own rules (``exp``, ``iat`` and ``nbf`` with the same
leeway and the same clock) and an expired token is refused with the same error a fresh
verification gives. Client revocation does not enter into it: disabling a client stops
its secret, and the tokens it already holds run out at ``exp``
(:meth:`~gateway.api.auth.clients.ClientRegistry.disable`), with or without this cache.

Tokens of an external issuer are never kept: the issuer may withdraw a signing key,
and only a fresh look at its key set notices that.

Entries are keyed by the SHA-256 of the token (the token itself is not held), only a
token that verified gets in, and the number of entries is bounded (least recently used
out first), so made-up tokens cannot fill it.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from gateway.api.deps import Principal
from gateway.errors import AuthError

__all__ = ["DEFAULT_MAX_ENTRIES", "VerifiedTokenCache"]

#: Enough for every client of a deployment several times over; ~200 bytes an entry.
DEFAULT_MAX_ENTRIES = 4096


@dataclass(frozen=True)
class _Entry:
    principal: Principal
    not_before: int | None  # the later of iat and nbf, when present
    expires: int


def _key(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8")).digest()


class VerifiedTokenCache:
    """Principals of verified own tokens, until the tokens expire.

    Thread-safe: the app's synchronous dependencies run in the threadpool.

    Example::

        cache = VerifiedTokenCache(leeway=LEEWAY_SECONDS)
        principal = cache.get(token)  # None: not known, verify it
        if principal is None:
            principal, claims = issuer.verify_claims(token)
            cache.put(token, principal, claims)
    """

    def __init__(
        self,
        *,
        leeway: float,
        max_entries: int = DEFAULT_MAX_ENTRIES,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self._leeway = leeway
        self._max = max_entries
        self._clock = clock  # PyJWT's clock: datetime.now(UTC).timestamp() == time.time()
        self._entries: OrderedDict[bytes, _Entry] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def get(self, token: str) -> Principal | None:
        """The principal of ``token`` if it verified before and is still valid now.

        Returns:
            The principal, or None when the token is not in the cache.

        Raises:
            AuthError: the token verified before but has expired since ("token expired"),
                or is not valid yet ("invalid token"), exactly as PyJWT would say now.
        """
        key = _key(token)
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            self._entries.move_to_end(key)
        now = self._clock()
        # PyJWT's rules, in its order (api_jwt._validate_iat, _validate_nbf, _validate_exp)
        if entry.not_before is not None and entry.not_before > now + self._leeway:
            raise AuthError("invalid token", bearer_error="invalid_token")
        if entry.expires <= now - self._leeway:
            self._discard(key)
            raise AuthError("token expired", bearer_error="invalid_token")
        return entry.principal

    def put(self, token: str, principal: Principal, claims: Mapping[str, Any]) -> None:
        """Keep a token that has just verified, with the time claims it verified with.

        A token without an integer ``exp`` is not kept (the gateway's own always have one).
        """
        try:
            expires = int(claims["exp"])
            times = [int(claims[name]) for name in ("iat", "nbf") if name in claims]
        except (KeyError, ValueError, TypeError, OverflowError):
            return
        entry = _Entry(principal, max(times) if times else None, expires)
        key = _key(token)
        with self._lock:
            self._entries[key] = entry
            self._entries.move_to_end(key)
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)

    def _discard(self, key: bytes) -> None:
        with self._lock:
            self._entries.pop(key, None)
