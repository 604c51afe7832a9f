"""Keeps the timetable index current by following each tenant's event log.

The projection reads the ``timetable-activity``, ``membership`` and ``group`` events after the
tenant's cursor (a :class:`~gateway.store.tenant_cursors.TenantCursors` row, as the RIO
delivery and the intake forwarding keep theirs) and writes the index rows in
:mod:`gateway.store.timetable_index`. A feed request calls :meth:`catch_up` first, which
costs one small query when nothing is new; a background loop (:func:`follow_timetables`)
keeps the index warm beside ``gateway serve``.

Events are applied a page at a time (:mod:`gateway.store.timetable_page`: a few set-based
statements and one transaction per page, whatever its size). Applying an event is
idempotent: an event whose version the index already holds is
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

from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.exc import IntegrityError

from gateway.events.log import EventLog
from gateway.events.outbox import OutboxEvent
from gateway.store.tables import outbox
from gateway.store.tenant_cursors import TenantCursors
from gateway.store.timetable_page import EVENT_TYPES, apply_events, write_lock
from gateway.store.timetable_tables import timetable_index_cursors

__all__ = ["EVENT_TYPES", "TimetableProjection", "follow_timetables"]

log = logging.getLogger(__name__)

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
        batch_size: int = 5000,
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
                    if page.events:  # one transaction per page, whatever its size
                        with self.engine.begin() as conn:
                            write_lock(conn)
                            applied += apply_events(conn, page.events)
                except IntegrityError:  # another writer raced this page: it applies it
                    return applied
                full = len(page.events) == self.batch_size
                claim.advance(page.cursor if full else max(page.cursor, head))
                if not full:
                    return applied


def apply_event(conn: Connection, event: OutboxEvent) -> bool:
    """Write one event into the index; False when the index already had it (or later)."""
    return apply_events(conn, [event]) == 1


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
