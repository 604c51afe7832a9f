"""The outbox relay: publish unpublished rows, mark them only after the broker acknowledges.

Several gateway processes may share one PostgreSQL. Each relay pass claims relay *lanes*
(``SELECT ... FOR UPDATE SKIP LOCKED`` on ``relay_lanes``) and publishes the oldest
unpublished rows of its lanes in sequence order. An entity's events always fall in one
lane, so two relays never publish events of one entity at the same time: per-entity order
holds. A relay that dies mid-batch holds no rows afterwards (its transaction is gone); the
next pass publishes the batch again, which gives duplicates with the same event id.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import Engine, select, update
from sqlalchemy.exc import OperationalError

from gateway.errors import RetriableUpstreamError
from gateway.events.envelope import to_message
from gateway.events.outbox import OutboxEvent
from gateway.events.publisher import EventPublisher
from gateway.store.tables import outbox, relay_lanes

__all__ = ["OutboxRelay"]

log = logging.getLogger(__name__)


class OutboxRelay:
    """Moves outbox rows to a publisher.

    Example::

        relay = OutboxRelay(engine, KafkaEventPublisher(config))
        relay.run_once()            # one batch; returns how many rows it published
        relay.run_forever(stop)     # until ``stop`` (a threading.Event) is set
    """

    def __init__(
        self,
        engine: Engine,
        publisher: EventPublisher,
        *,
        batch_size: int = 500,
        poll_interval: float = 0.2,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.engine = engine
        self.publisher = publisher
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.clock = clock
        self.published_total = 0
        self._skip_locked = engine.dialect.name == "postgresql"

    def run_once(self) -> int:
        """Publish one batch from the lanes this relay could claim; 0 when idle or blocked."""
        with self.engine.begin() as conn:
            claim = select(relay_lanes.c.lane).order_by(relay_lanes.c.lane)
            if self._skip_locked:
                claim = claim.with_for_update(skip_locked=True)
            lanes = list(conn.execute(claim).scalars())
            if not lanes:
                return 0
            rows = conn.execute(
                select(outbox)
                .where(outbox.c.published_at.is_(None), outbox.c.lane.in_(lanes))
                .order_by(outbox.c.seq)
                .limit(self.batch_size)
            ).all()
            if not rows:
                return 0
            events = [OutboxEvent.from_row(row) for row in rows]
            self.publisher.publish([to_message(e) for e in events])  # raises unless all acked
            conn.execute(
                update(outbox)
                .where(outbox.c.seq.in_([e.seq for e in events]))
                .values(published_at=self.clock())
            )
        self.published_total += len(events)
        return len(events)

    def drain(self, *, max_batches: int = 1_000_000) -> int:
        """Publish until nothing is left (or ``max_batches``); returns how many."""
        total = 0
        for _ in range(max_batches):
            count = self.run_once()
            if count == 0:
                break
            total += count
        return total

    def run_forever(self, stop: threading.Event) -> None:
        """Loop until ``stop`` is set, backing off (capped) while the broker is down."""
        backoff = self.poll_interval
        while not stop.is_set():
            try:
                count = self.run_once()
            except (RetriableUpstreamError, OperationalError) as exc:
                log.warning("relay: retrying in %.1fs: %s", backoff, type(exc).__name__)
                stop.wait(backoff)
                backoff = min(backoff * 2, 30.0)
                continue
            backoff = self.poll_interval
            if count < self.batch_size:
                stop.wait(self.poll_interval)

