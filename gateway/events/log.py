"""The embedded event log: the outbox read by cursor, per tenant.

The cursor is the outbox sequence number, so a reader resumes exactly where it stopped.
Every read stops at the commit horizon (:mod:`gateway.events.commit_horizon`): on
PostgreSQL a row with a lower number can still commit after one with a higher number, and
a cursor moved past it would never see it. Rows above the horizon come in a later read.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, func, select

from gateway.events.commit_horizon import CommitHorizon
from gateway.events.outbox import OutboxEvent
from gateway.store.tables import outbox

__all__ = ["EventLog", "EventPage"]


@dataclass(frozen=True)
class EventPage:
    events: list[OutboxEvent]
    #: Pass as ``after`` to read on; equals the request's ``after`` when nothing was new.
    cursor: int


class EventLog:
    """Read one tenant's events in order.

    Example::

        page = log.read("roc-a", after=0, limit=100)
        page = log.read("roc-a", after=page.cursor)
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.horizon = CommitHorizon.of(engine)

    def read(
        self,
        tenant: str,
        *,
        after: int = 0,
        limit: int = 100,
        types: tuple[str, ...] = (),
        topic: str | None = None,
    ) -> EventPage:
        """The tenant's events after ``after``, oldest first, up to the commit horizon.

        Args:
            tenant: whose events.
            after: the cursor: only events with a higher sequence number.
            limit: at most this many events.
            types: only these event types (all when empty).
            topic: only this topic.

        Returns:
            The events and the cursor to read on from.
        """
        query = (
            select(outbox)
            .where(outbox.c.tenant == tenant, outbox.c.seq > after)
            .order_by(outbox.c.seq)
            .limit(limit)
        )
        if types:
            query = query.where(outbox.c.type.in_(types))
        if topic:
            query = query.where(outbox.c.topic == topic)
        with self.engine.connect() as conn:
            safe = self.horizon.safe(conn)
            conn.rollback()  # read in a snapshot taken after the horizon was proven
            if safe is not None:
                query = query.where(outbox.c.seq <= safe)
            events = [OutboxEvent.from_row(row) for row in conn.execute(query)]
        cursor = events[-1].seq if events else after
        return EventPage(events, int(cursor or after))

    def head(self, tenant: str) -> int:
        """The newest sequence number of a tenant up to the commit horizon (0: none).

        A cursor may move to the head without skipping an event: nothing at or below it
        can still appear.
        """
        query = select(func.max(outbox.c.seq)).where(outbox.c.tenant == tenant)
        with self.engine.connect() as conn:
            safe = self.horizon.safe(conn)
            conn.rollback()
            if safe is not None:
                query = query.where(outbox.c.seq <= safe)
            value = conn.execute(query).scalar()
        return int(value or 0)
