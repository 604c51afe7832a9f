"""Idempotency keys: one execution per key, the stored response for every repeat.

A key is scoped per tenant and client: two clients never share a key space. The row is
inserted *before* the operation runs (state ``processing``), so a concurrent request with
the same key finds it and waits instead of running the operation a second time; the
database's primary key decides who inserted first, on SQLite and PostgreSQL alike.
The finished operation stores its response (state ``completed``); a failure the client
did not cause (5xx, a crash) releases the key, so a retry runs the operation again.

A ``processing`` row carries a lease (``locked_until``): if the process that holds it
died, a later request with the key takes the lease over and runs the operation again.
Operations therefore derive their ids from the key (see the intake), so a second run
finds the first one's work instead of doing it twice.

Rows expire (``expires_at``, 24 hours by default): an expired key is a new key.
:meth:`IdempotencyStore.purge_expired` deletes them; lookups ignore them anyway.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Engine,
    Index,
    Integer,
    String,
    Table,
    Text,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from gateway.store.tables import metadata

__all__ = [
    "DEFAULT_LEASE",
    "DEFAULT_TTL",
    "Claim",
    "ClaimKind",
    "IdempotencyStore",
    "StoredResponse",
    "idempotency_keys",
]

#: How long a key is remembered after its first use.
DEFAULT_TTL = timedelta(hours=24)
#: How long a running operation holds its key before another request may take over.
DEFAULT_LEASE = timedelta(seconds=60)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("tenant", String(63), primary_key=True),
    Column("client_id", String(128), primary_key=True),
    Column("key", String(255), primary_key=True),
    #: SHA-256 of the request (method, path, canonical body): the same key with another
    #: request is refused.
    Column("fingerprint", String(64), nullable=False),
    Column("state", String(12), nullable=False),
    Column("response_status", Integer, nullable=True),
    Column("response_headers", JSON, nullable=True),
    Column("response_body", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("locked_until", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Index("ix_idempotency_keys_expires_at", "expires_at"),
)

_PROCESSING = "processing"
_COMPLETED = "completed"


@dataclass(frozen=True)
class StoredResponse:
    """A response as it is replayed: status, the headers worth repeating, and the body."""

    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


class ClaimKind(StrEnum):
    EXECUTE = "execute"  # this request holds the key: run the operation, then complete()
    REPLAY = "replay"  # the operation ran: answer its stored response
    MISMATCH = "mismatch"  # the key was used for another request
    IN_PROGRESS = "in-progress"  # another request with the key is running it now


@dataclass(frozen=True)
class Claim:
    kind: ClaimKind
    response: StoredResponse | None = None


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


class IdempotencyStore:
    """Claims, completes and releases idempotency keys.

    Example::

        claim = keys.claim(tenant, client_id, key, fingerprint)
        if claim.kind is ClaimKind.EXECUTE:
            response = run()
            keys.complete(tenant, client_id, key, response)

    Args:
        engine: the gateway's database.
        clock: aware UTC now; tests pass a fake.
        ttl: how long a key is remembered.
        lease: how long a running operation holds its key.
    """

    def __init__(
        self,
        engine: Engine,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        *,
        ttl: timedelta = DEFAULT_TTL,
        lease: timedelta = DEFAULT_LEASE,
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.ttl = ttl
        self.lease = lease

    @staticmethod
    def _key(tenant: str, client_id: str, key: str) -> Any:
        c = idempotency_keys.c
        return (c.tenant == tenant) & (c.client_id == client_id) & (c.key == key)

    def claim(self, tenant: str, client_id: str, key: str, fingerprint: str) -> Claim:
        """Take the key for this request, or say why not (see :class:`ClaimKind`)."""
        for _ in range(5):  # each round either decides or removes an expired row
            now = self.clock()
            try:
                with self.engine.begin() as conn:
                    conn.execute(insert(idempotency_keys).values(
                        tenant=tenant, client_id=client_id, key=key, fingerprint=fingerprint,
                        state=_PROCESSING, created_at=now, locked_until=now + self.lease,
                        expires_at=now + self.ttl))
                return Claim(ClaimKind.EXECUTE)
            except IntegrityError:
                pass  # the key is known: look at it
            with self.engine.begin() as conn:
                row = conn.execute(select(idempotency_keys).where(
                    self._key(tenant, client_id, key))).first()
                if row is None:
                    continue  # purged meanwhile: insert again
                if _aware(row.expires_at) <= now:
                    conn.execute(delete(idempotency_keys).where(
                        self._key(tenant, client_id, key),
                        idempotency_keys.c.expires_at == row.expires_at))
                    continue
                if row.fingerprint != fingerprint:
                    return Claim(ClaimKind.MISMATCH)
                if row.state == _COMPLETED:
                    return Claim(ClaimKind.REPLAY, _response(row))
                if _aware(row.locked_until) > now:
                    return Claim(ClaimKind.IN_PROGRESS)
                taken = conn.execute(update(idempotency_keys).where(
                    self._key(tenant, client_id, key),
                    idempotency_keys.c.state == _PROCESSING,
                    idempotency_keys.c.locked_until == row.locked_until,
                ).values(locked_until=now + self.lease)).rowcount
            # the holder's lease ran out (it died): whoever moved the lease runs it again
            return Claim(ClaimKind.EXECUTE if taken == 1 else ClaimKind.IN_PROGRESS)
        return Claim(ClaimKind.IN_PROGRESS)

    def await_outcome(
        self, tenant: str, client_id: str, key: str, fingerprint: str, *,
        timeout: float, poll: float = 0.05,
    ) -> Claim:
        """Claim, and while another request runs the operation, wait up to ``timeout``.

        Returns the first claim that is not ``IN_PROGRESS``, or ``IN_PROGRESS`` when the
        other request is still running after ``timeout`` seconds.
        """
        deadline = time.monotonic() + timeout
        while True:
            claim = self.claim(tenant, client_id, key, fingerprint)
            if claim.kind is not ClaimKind.IN_PROGRESS or time.monotonic() >= deadline:
                return claim
            time.sleep(poll)

    def complete(self, tenant: str, client_id: str, key: str, response: StoredResponse) -> None:
        """Store the operation's response; later requests with the key replay it."""
        with self.engine.begin() as conn:
            conn.execute(update(idempotency_keys).where(
                self._key(tenant, client_id, key),
                idempotency_keys.c.state == _PROCESSING,
            ).values(state=_COMPLETED, response_status=response.status,
                     response_headers=dict(response.headers),
                     response_body=response.body.decode("utf-8")))

    def release(self, tenant: str, client_id: str, key: str) -> None:
        """Forget a key whose operation failed on the server's side, so a retry runs it."""
        with self.engine.begin() as conn:
            conn.execute(delete(idempotency_keys).where(
                self._key(tenant, client_id, key), idempotency_keys.c.state == _PROCESSING))

    def purge_expired(self) -> int:
        """Delete expired keys; returns how many."""
        with self.engine.begin() as conn:
            result = conn.execute(delete(idempotency_keys).where(
                idempotency_keys.c.expires_at <= self.clock()))
        return int(result.rowcount or 0)


def _response(row: Any) -> StoredResponse:
    return StoredResponse(int(row.response_status), str(row.response_body).encode("utf-8"),
                          dict(row.response_headers or {}))
