"""Keeps the timetable index current by following each tenant's event log.

The projection reads the ``timetable-activity`` and ``membership`` events after the
tenant's cursor (a :class:`~gateway.store.tenant_cursors.TenantCursors` row, as the RIO
delivery and the intake forwarding keep theirs) and writes the index rows in
:mod:`gateway.store.timetable_index`. A feed request calls :meth:`catch_up` first, which
costs one small query when nothing is new; a background loop (:func:`follow_timetables`)
keeps the index warm beside ``gateway serve``.

Applying an event is idempotent: an event whose version the index already holds is
skipped, so a batch repeated after a crash, or by two replicas on SQLite (where the
cursor is not locked), changes nothing. After a batch with nothing left the cursor moves
to the log's head as read before the batch, so events of other domains are not scanned
again on every request.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import pydantic
from sqlalchemy import Connection, Engine, Table, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from gateway.domain.rostering import Membership, MembershipState, TimetableActivity
from gateway.events.log import EventLog
from gateway.events.outbox import OutboxEvent
from gateway.events.types import Change, event_type
from gateway.store.tables import outbox
from gateway.store.tenant_cursors import TenantCursors
from gateway.store.timetable_index import (
    MAX_REF,
    LinkKind,
    timetable_index,
    timetable_index_cursors,
    timetable_index_memberships,
    utc,
)

__all__ = ["EVENT_TYPES", "TimetableProjection", "follow_timetables"]

log = logging.getLogger(__name__)

EVENT_TYPES = tuple(event_type(cls, change) for cls in (TimetableActivity, Membership)
                    for change in Change)
_DELETED = frozenset(event_type(cls, Change.DELETED) for cls in (TimetableActivity, Membership))
_ACTIVITY = frozenset(event_type(TimetableActivity, change) for change in Change)

#: SQLite has no row lock for the cursor: one catch-up at a time per process.
_SQLITE_LOCK = threading.Lock()


class TimetableProjection:
    """Brings a tenant's timetable index up to the end of its event log.

    Example::

        projection = TimetableProjection(engine)
        projection.catch_up("roc-a")     # before serving a feed; cheap when up to date
    """

    def __init__(
        self,
        engine: Engine,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        batch_size: int = 500,
    ) -> None:
        self.engine = engine
        self.batch_size = batch_size
        self._log = EventLog(engine)
        self._cursors = TenantCursors(engine, timetable_index_cursors, clock)
        self._sqlite = engine.dialect.name == "sqlite"

    def behind(self, tenant: str) -> bool:
        """Whether the tenant's log has events the index has not looked at (one query)."""
        cursors = timetable_index_cursors
        query = select(
            select(func.max(outbox.c.seq)).where(outbox.c.tenant == tenant).scalar_subquery(),
            select(cursors.c.cursor).where(cursors.c.tenant == tenant).scalar_subquery(),
        )
        with self.engine.connect() as conn:
            head, cursor = conn.execute(query).one()
        return int(head or 0) > int(cursor or 0)

    def catch_up(self, tenant: str) -> int:
        """Apply the tenant's new timetable events; returns how many changed the index.

        Returns 0 at once when nothing is new, or when another replica holds the
        tenant's cursor (PostgreSQL): its catch-up serves this request's freshness too.
        """
        if not self.behind(tenant):
            return 0
        if self._sqlite:
            with _SQLITE_LOCK:
                return self._catch_up(tenant)
        return self._catch_up(tenant)

    def _catch_up(self, tenant: str) -> int:
        applied = 0
        with self._cursors.claim(tenant) as claim:
            if claim is None:
                return 0
            while True:
                head = self._log.head(tenant)
                page = self._log.read(tenant, after=claim.cursor, limit=self.batch_size,
                                      types=EVENT_TYPES)
                try:
                    with self.engine.begin() as conn:
                        applied += sum(apply_event(conn, event) for event in page.events)
                except IntegrityError:  # SQLite: another process applies this batch now
                    return applied
                full = len(page.events) == self.batch_size
                claim.advance(page.cursor if full else max(page.cursor, head))
                if not full:
                    return applied


def apply_event(conn: Connection, event: OutboxEvent) -> bool:
    """Write one event into the index; False when the index already had it (or later)."""
    deleted = event.type in _DELETED
    try:
        if event.type in _ACTIVITY:
            activity = None if deleted else TimetableActivity.model_validate(
                event.data["entity"])
            return _apply_activity(conn, event, activity)
        membership = None if deleted else Membership.model_validate(event.data["entity"])
        return _apply_membership(conn, event, membership)
    except (pydantic.ValidationError, KeyError):
        log.warning("skipped timetable event %s: its data does not validate", event.event_id)
        return False


def _apply_activity(conn: Connection, event: OutboxEvent,
                    activity: TimetableActivity | None) -> bool:
    wanted: dict[tuple[str, str], dict[str, Any]] = {}
    if activity is not None:
        values = {"start_at": utc(activity.start), "end_at": utc(activity.end),
                  "status": activity.status.value, "removed": False}
        refs = ([(LinkKind.GROUP, str(g)) for g in activity.group_ids]
                + [(LinkKind.STAFF, str(s)) for s in activity.staff_ids]
                + [(LinkKind.ROOM, r) for r in activity.rooms if 0 < len(r) <= MAX_REF])
        wanted = {(link.value, ref): values for link, ref in refs}
    key = {"tenant": event.tenant, "activity_id": event.subject}
    return _apply(conn, timetable_index, key, ("link_kind", "ref"), wanted,
                  gone={"removed": True}, event=event)


def _apply_membership(conn: Connection, event: OutboxEvent,
                      membership: Membership | None) -> bool:
    wanted: dict[tuple[str, str], dict[str, Any]] = {}
    if membership is not None and membership.state is MembershipState.ACTIVE:
        wanted = {(str(membership.person_id), str(membership.group_id)): {"active": True}}
    key = {"tenant": event.tenant, "membership_id": event.subject}
    return _apply(conn, timetable_index_memberships, key, ("person_id", "group_id"), wanted,
                  gone={"active": False}, event=event)


def _apply(
    conn: Connection, table: Table, key: dict[str, str], link_columns: tuple[str, str],
    wanted: dict[tuple[str, str], dict[str, Any]], *, gone: dict[str, Any],
    event: OutboxEvent,
) -> bool:
    """Make the entity's rows say ``wanted``; rows it no longer has are marked ``gone``.

    Every row written carries the event's version, sequence number and time.
    """
    first, second = (table.c[name] for name in link_columns)
    owner = [table.c[name] == value for name, value in key.items()]
    rows = conn.execute(select(first, second, table.c.version, *(
        table.c[name] for name in gone)).where(*owner)).all()
    if rows and max(row.version for row in rows) >= event.entity_version:
        return False
    stamp = {"version": event.entity_version, "seq": int(event.seq or 0),
             "updated_at": utc(event.time)}
    existing = {(row[0], row[1]): row for row in rows}
    for link, values in wanted.items():
        where = [*owner, first == link[0], second == link[1]]
        if link in existing:
            conn.execute(update(table).where(*where).values(**values, **stamp))
        else:
            conn.execute(insert(table).values(**key, **dict(zip(link_columns, link, strict=True)),
                                              **values, **stamp))
    for link, row in existing.items():
        already_gone = all(getattr(row, name) == value for name, value in gone.items())
        if link not in wanted and not already_gone:
            conn.execute(update(table).where(*owner, first == link[0], second == link[1])
                         .values(**gone, **stamp))
    return True


def follow_timetables(
    engine: Engine, tenants: Sequence[str], stop: threading.Event, *,
    interval: float = 30.0, clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> None:
    """Catch every tenant's index up every ``interval`` seconds until ``stop`` is set.

    Meant for a daemon thread beside ``gateway serve``; a failed round is logged (type
    only) and tried again next round.
    """
    projection = TimetableProjection(engine, clock=clock)
    while not stop.is_set():
        for tenant in tenants:
            try:
                projection.catch_up(tenant)
            except Exception as exc:  # noqa: BLE001 - keep following; the next round retries
                log.error("timetable index of %s: %s", tenant, type(exc).__name__)
        stop.wait(interval)
