"""Calendar subscriptions: who may read which iCalendar feed, by a secret in the URL.

Calendar clients cannot send an OAuth token, so a feed's address carries one: a random
``secrets.token_urlsafe(32)`` (256 bits) handed out once when the subscription is made.
Only its SHA-256 is stored; a fast hash is enough for a secret that cannot be guessed,
and the lookup by hash means no stored value is compared against the caller's input
character by character. A revoked subscription stays (``revoked_at``) for the record.

    subscriptions = CalendarSubscriptions(engine)
    issued = subscribe(engine, "roc-a", TargetKind.GROUP, str(group_id))
    feed = issued.feed_path                       # /calendar/<token>.ics, shown once
    subscriptions.find(token)                     # -> Subscription | None
    subscriptions.revoke("roc-a", issued.subscription.id)
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import Column, DateTime, Engine, Index, String, Table, insert, select, update

from gateway.errors import NotFoundError, ValidationError
from gateway.store.tables import entities, metadata
from gateway.store.timetable_index import (
    MAX_REF,
    FeedTarget,
    TargetKind,
    TimetableIndex,
    utc,
)
from gateway.store.timetable_projection import TimetableProjection

__all__ = [
    "CalendarSubscriptions",
    "IssuedSubscription",
    "Subscription",
    "calendar_subscriptions",
    "feed_path",
    "subscribe",
]

calendar_subscriptions = Table(
    "calendar_subscriptions",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("tenant", String(63), nullable=False),
    #: SHA-256 (hex) of the token; the token itself is never stored.
    Column("token_hash", String(64), nullable=False),
    Column("target_kind", String(8), nullable=False),
    Column("target_ref", String(MAX_REF), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
    Index("ix_calendar_subscriptions_token_hash", "token_hash", unique=True),
    Index("ix_calendar_subscriptions_tenant_created_at", "tenant", "created_at"),
)

#: What ``secrets.token_urlsafe(32)`` yields: 43 characters of the URL-safe alphabet.
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$")
#: Room codes as timetable feeds write them in LOCATION (e.g. ``A1.02``).
_ROOM = re.compile(r"^[^\x00-\x1f\x7f,;\\]{1,128}$")


@dataclass(frozen=True)
class Subscription:
    id: UUID
    tenant: str
    kind: TargetKind
    ref: str
    created_at: datetime
    revoked_at: datetime | None


@dataclass(frozen=True)
class IssuedSubscription:
    """A new subscription and its token: the only moment the token is known."""

    subscription: Subscription
    token: str

    @property
    def feed_path(self) -> str:
        return feed_path(self.token)


def feed_path(token: str) -> str:
    """The path of a feed on the gateway (prefix it with ``settings.public_base_url``)."""
    return f"/calendar/{token}.ics"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def _subscription(row: Any) -> Subscription:
    return Subscription(UUID(row.id), row.tenant, TargetKind(row.target_kind), row.target_ref,
                        utc(row.created_at), None if row.revoked_at is None
                        else utc(row.revoked_at))


class CalendarSubscriptions:
    """Stores subscriptions and resolves a feed token to its subscription."""

    def __init__(
        self, engine: Engine, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        self.engine = engine
        self.clock = clock

    def create(self, tenant: str, kind: TargetKind, ref: str) -> IssuedSubscription:
        """Store a subscription to an already checked target (see :func:`subscribe`)."""
        token = secrets.token_urlsafe(32)
        subscription = Subscription(uuid4(), tenant, kind, ref, self.clock(), None)
        with self.engine.begin() as conn:
            conn.execute(insert(calendar_subscriptions).values(
                id=str(subscription.id), tenant=tenant, token_hash=_hash(token),
                target_kind=kind.value, target_ref=ref, created_at=subscription.created_at))
        return IssuedSubscription(subscription, token)

    def find(self, token: str) -> Subscription | None:
        """The live subscription of a feed token; None for a malformed, unknown or revoked one."""
        if not _TOKEN.match(token):
            return None
        digest = _hash(token)
        table = calendar_subscriptions
        with self.engine.connect() as conn:
            row = conn.execute(select(table).where(table.c.token_hash == digest)).first()
        if row is None or not hmac.compare_digest(row.token_hash, digest):
            return None
        return None if row.revoked_at is not None else _subscription(row)

    def list(self, tenant: str, *, include_revoked: bool = False) -> list[Subscription]:
        table = calendar_subscriptions
        query = select(table).where(table.c.tenant == tenant)
        if not include_revoked:
            query = query.where(table.c.revoked_at.is_(None))
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(table.c.created_at, table.c.id)).all()
        return [_subscription(row) for row in rows]

    def revoke(self, tenant: str, subscription: UUID) -> Subscription:
        """Revoke a subscription of ``tenant``; revoking it again changes nothing.

        Raises:
            NotFoundError: the tenant has no such subscription.
        """
        table = calendar_subscriptions
        key = (table.c.tenant == tenant) & (table.c.id == str(subscription))
        with self.engine.begin() as conn:
            conn.execute(update(table).where(key, table.c.revoked_at.is_(None))
                         .values(revoked_at=self.clock()))
            row = conn.execute(select(table).where(key)).first()
        if row is None:
            raise NotFoundError(f"no calendar subscription {subscription}")
        return _subscription(row)


def check_target(engine: Engine, tenant: str, kind: TargetKind, ref: str) -> str:
    """The target's ref in canonical form, once it is known to the tenant.

    A group or person must be a stored entity of the tenant or be named by its timetable
    (an activity's group or staff, a membership); a room code must look like one (rooms
    are not entities).

    Raises:
        ValidationError: a malformed ref, or a group or person the tenant does not have.
    """
    if kind is TargetKind.ROOM:
        if not _ROOM.match(ref):
            raise ValidationError("a room code is 1-128 characters without commas or control "
                                  "characters", path="/ref")
        return ref
    try:
        canonical = str(UUID(ref))
    except ValueError:
        raise ValidationError(f"a {kind.value} is named by its canonical id (a UUID)",
                              path="/ref") from None
    with engine.connect() as conn:
        stored = conn.execute(select(entities.c.id).where(
            entities.c.tenant == tenant, entities.c.id == canonical,
            entities.c.kind == kind.value, entities.c.deleted.is_(False))).first()
    if stored is not None:
        return canonical
    TimetableProjection(engine).catch_up(tenant)
    if not TimetableIndex(engine).knows(FeedTarget(tenant, kind, canonical)):
        raise ValidationError(f"this tenant has no {kind.value} {canonical}", path="/ref")
    return canonical


def subscribe(
    engine: Engine, tenant: str, kind: TargetKind, ref: str, *,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> IssuedSubscription:
    """Check the target and create a subscription to its feed (admin API and CLI).

    Args:
        engine: the gateway's database.
        tenant: the tenant the feed belongs to (from the caller's token or the CLI).
        kind: group, person or room.
        ref: the group's or person's canonical id, or the room code.
        clock: the gateway's clock.

    Returns:
        The subscription and its token (shown once; only its hash is stored).

    Raises:
        ValidationError: the target is malformed or unknown to the tenant.
    """
    canonical = check_target(engine, tenant, kind, ref)
    return CalendarSubscriptions(engine, clock).create(tenant, kind, canonical)
