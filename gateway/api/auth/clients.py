"""Registered API clients of the gateway's own token endpoint (OAuth client credentials).

A client belongs to exactly one tenant; every token issued to it carries that tenant.
Only a salted scrypt hash of its secret is stored, in a self-describing format
(``scrypt$n=16384,r=8,p=1$<salt>$<hash>``, base64url) so the cost can be raised later
without breaking stored hashes.
"""

from __future__ import annotations

import base64
import builtins
import hashlib
import hmac
import re
import secrets
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from gateway.errors import AuthError, ConflictError, NotFoundError, ValidationError
from gateway.store.tables import oauth_clients

if TYPE_CHECKING:
    from gateway.bootstrap import Gateway

__all__ = ["ClientRecord", "ClientRegistry", "hash_secret", "parse_scopes", "verify_secret"]

#: RFC 6749 §3.3 scope-token: printable ASCII except space, '"' and '\'.
_SCOPE_TOKEN = re.compile(r"[\x21\x23-\x5b\x5d-\x7e]+")
_CLIENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")

_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1
_SCRYPT_MAX_N = 2**20  # refuse stored parameters that would exhaust memory
_SALT_BYTES, _HASH_BYTES = 16, 32


@dataclass(frozen=True)
class ClientRecord:
    """A registered client, without its secret."""

    client_id: str
    tenant: str
    scopes: frozenset[str]
    created_at: datetime
    disabled: bool


def parse_scopes(value: str | Iterable[str]) -> frozenset[str]:
    """Scopes from a space-separated string or an iterable, checked against RFC 6749 §3.3.

    Raises:
        ValidationError: a scope has characters a scope-token may not have.
    """
    tokens = value.split() if isinstance(value, str) else list(value)
    for token in tokens:
        if not _SCOPE_TOKEN.fullmatch(token):
            raise ValidationError(f"invalid scope {token!r}", path="scopes")
    return frozenset(tokens)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _scrypt(secret: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(
        secret.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=_HASH_BYTES,
        maxmem=128 * r * (n + p + 2) + 1_048_576,
    )


def hash_secret(secret: str) -> str:
    """A salted scrypt hash of ``secret`` in the self-describing stored format."""
    salt = secrets.token_bytes(_SALT_BYTES)
    digest = _scrypt(secret, salt, _SCRYPT_N, _SCRYPT_R, _SCRYPT_P)
    return f"scrypt$n={_SCRYPT_N},r={_SCRYPT_R},p={_SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def verify_secret(secret: str, stored: str) -> bool:
    """Whether ``secret`` matches ``stored``, compared in constant time.

    A malformed stored hash never matches (and never raises).
    """
    try:
        scheme, params, salt_text, digest_text = stored.split("$")
        values = dict(item.split("=", 1) for item in params.split(","))
        n, r, p = int(values["n"]), int(values["r"]), int(values["p"])
        salt, expected = _unb64(salt_text), _unb64(digest_text)
    except (ValueError, KeyError):
        return False
    if scheme != "scrypt" or not (1 < n <= _SCRYPT_MAX_N and 0 < r <= 32 and 0 < p <= 16):
        return False
    actual = _scrypt(secret, salt, n, r, p)
    return hmac.compare_digest(actual, expected)


#: Hashed when the client id is unknown, so the reply takes as long as for a known one.
_DUMMY_HASH = hash_secret(secrets.token_urlsafe(32))


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _record(row: Any) -> ClientRecord:
    return ClientRecord(
        client_id=row.client_id,
        tenant=row.tenant,
        scopes=frozenset(row.scopes.split()),
        created_at=row.created_at,
        disabled=bool(row.disabled),
    )


class ClientRegistry:
    """Registers, verifies and disables API clients.

    Example::

        registry = ClientRegistry.for_gateway(gateway)
        secret = registry.register("roc-a", "planner", ["events:read"])  # shown once
        client = registry.verify("planner", secret)
    """

    def __init__(
        self,
        engine: Engine,
        tenants: Collection[str],
        *,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        self.engine = engine
        self.tenants = frozenset(tenants)
        self.clock = clock

    @classmethod
    def for_gateway(cls, gateway: Gateway) -> ClientRegistry:
        """The registry of a built gateway: its engine, configured tenants and clock."""
        return cls(gateway.engine, [t.id for t in gateway.settings.tenants], clock=gateway.clock)

    def register(self, tenant: str, client_id: str, scopes: str | Iterable[str]) -> str:
        """Register a client and return its secret; only a hash of it is stored.

        Args:
            tenant: a configured tenant id; every token of this client carries it.
            client_id: letters, digits, ``.``, ``_`` and ``-``, at most 128 characters.
            scopes: the scopes the client may ask for (space-separated or an iterable).

        Returns:
            The new secret. It cannot be read back: hand it to the client now.

        Raises:
            ValidationError: the tenant is not configured, or the id or a scope is malformed.
            ConflictError: a client with this id exists already.
        """
        if tenant not in self.tenants:
            raise ValidationError(f"tenant {tenant!r} is not configured", path="tenant")
        if not _CLIENT_ID.fullmatch(client_id):
            raise ValidationError(f"invalid client id {client_id!r}", path="client_id")
        scope_set = parse_scopes(scopes)
        secret = secrets.token_urlsafe(32)
        row = {
            "client_id": client_id,
            "tenant": tenant,
            "secret_hash": hash_secret(secret),
            "scopes": " ".join(sorted(scope_set)),
            "created_at": self.clock(),
            "disabled": False,
        }
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(oauth_clients).values(**row))
        except IntegrityError as exc:
            raise ConflictError(f"client {client_id!r} exists already") from exc
        return secret

    def verify(self, client_id: str, secret: str) -> ClientRecord:
        """The client whose id and secret these are.

        Unknown id, wrong secret, disabled client and a client of a tenant that is no
        longer configured all give the same error, in about the same time.

        Raises:
            AuthError: the credentials do not identify an active client.
        """
        with self.engine.connect() as conn:
            row = conn.execute(
                select(oauth_clients).where(oauth_clients.c.client_id == client_id)
            ).first()
        stored = row.secret_hash if row is not None else _DUMMY_HASH
        matches = verify_secret(secret, stored)
        if row is None or not matches or row.disabled or row.tenant not in self.tenants:
            raise AuthError("invalid client credentials")
        return _record(row)

    def disable(self, client_id: str) -> None:
        """Disable a client: its secret stops working; tokens already issued run out.

        Raises:
            NotFoundError: no client has this id.
        """
        with self.engine.begin() as conn:
            result = conn.execute(
                update(oauth_clients)
                .where(oauth_clients.c.client_id == client_id)
                .values(disabled=True)
            )
        if result.rowcount == 0:
            raise NotFoundError(f"client {client_id!r} does not exist")

    def get(self, client_id: str) -> ClientRecord:
        """One client by id.

        Raises:
            NotFoundError: no client has this id.
        """
        with self.engine.connect() as conn:
            row = conn.execute(
                select(oauth_clients).where(oauth_clients.c.client_id == client_id)
            ).first()
        if row is None:
            raise NotFoundError(f"client {client_id!r} does not exist")
        return _record(row)

    def list(self, tenant: str) -> builtins.list[ClientRecord]:
        """The clients of one tenant, by id (disabled ones included)."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(oauth_clients)
                .where(oauth_clients.c.tenant == tenant)
                .order_by(oauth_clients.c.client_id)
            )
            return [_record(row) for row in rows]
