"""The embedded event log: the outbox read by cursor, per tenant.

The cursor is the outbox sequence number, so a reader resumes exactly where it stopped.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, func, select

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

    def read(
        self,
        tenant: str,
        *,
        after: int = 0,
        limit: int = 100,
        types: tuple[str, ...] = (),
        topic: str | None = None,
    ) -> EventPage:
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
            events = [OutboxEvent.from_row(row) for row in conn.execute(query)]
        cursor = events[-1].seq if events else after
        return EventPage(events, int(cursor or after))

    def head(self, tenant: str) -> int:
        """The newest sequence number of a tenant (0 when it has none)."""
        with self.engine.connect() as conn:
            value = conn.execute(
                select(func.max(outbox.c.seq)).where(outbox.c.tenant == tenant)
            ).scalar()
        return int(value or 0)
