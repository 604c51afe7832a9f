"""A per-tenant cursor over the event log, claimed by one replica at a time.

Used by the loops that follow the event log and call out (RIO delivery, intake
forwarding): each keeps its cursors in a table of its own with the columns ``tenant``
(primary key), ``cursor`` and ``updated_at``.

Advance a cursor only to what :class:`~gateway.events.log.EventLog` returned (an event's
``seq``, a page's ``cursor`` or its ``head``): those stop at the commit horizon
(:mod:`gateway.events.commit_horizon`), so no event can still commit below a stored cursor.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, Table, insert, select, update
from sqlalchemy.exc import IntegrityError

__all__ = ["REQUEUE_MARK", "CursorClaim", "CursorFollower", "TenantCursors", "aware"]


@dataclass
class CursorClaim:
    """A tenant's cursor, held for one batch (see :meth:`TenantCursors.claim`)."""

    tenant: str
    cursor: int
    _store: Callable[[int], None]

    def advance(self, cursor: int) -> None:
        self._store(cursor)
        self.cursor = cursor


class TenantCursors:
    """The cursors in ``table``; on PostgreSQL a claim locks the row (``SKIP LOCKED``)."""

    def __init__(self, engine: Engine, table: Table, clock: Callable[[], datetime]) -> None:
        self.engine = engine
        self.table = table
        self.clock = clock
        self._lock = engine.dialect.name == "postgresql"

    @contextmanager
    def claim(self, tenant: str) -> Iterator[CursorClaim | None]:
        """Hold the tenant's cursor for one batch; yields None if another replica has it.

        Example::

            with cursors.claim("roc-a") as claim:
                if claim is not None:
                    ...handle the events after claim.cursor...
                    claim.advance(event.seq)
        """
        table = self.table
        self._ensure(tenant)
        with self.engine.connect() as conn:  # rolled back on close if the batch raises
            query = select(table.c.cursor).where(table.c.tenant == tenant)
            if self._lock:
                query = query.with_for_update(skip_locked=True)
            value = conn.execute(query).scalar()
            if value is None or not self._lock:
                conn.rollback()  # SQLite: hold no write transaction during HTTP calls
            if value is None:
                yield None
                return

            def advance(cursor: int) -> None:
                statement = (update(table).where(table.c.tenant == tenant)
                             .values(cursor=cursor, updated_at=self.clock()))
                if self._lock:
                    conn.execute(statement)  # committed with the claim's transaction
                    return
                with self.engine.begin() as own:
                    own.execute(statement)

            yield CursorClaim(tenant, int(value), advance)
            if self._lock:
                conn.commit()

    def cursor(self, tenant: str) -> int:
        with self.engine.connect() as conn:
            value = conn.execute(select(self.table.c.cursor).where(
                self.table.c.tenant == tenant)).scalar()
        return int(value or 0)

    def _ensure(self, tenant: str) -> None:
        with self.engine.connect() as conn:
            exists = conn.execute(select(self.table.c.tenant).where(
                self.table.c.tenant == tenant)).first()
        if exists is not None:
            return
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(self.table).values(
                    tenant=tenant, cursor=0, updated_at=self.clock()))
        except IntegrityError:  # another replica inserted it first
            return


class CursorFollower:
    """The state of a loop that follows the event log: its cursors, and an outcome row per item.

    The RIO delivery and the intake forwarding each keep a cursor table and a table of the
    last outcome per item (offering, application) keyed by ``tenant`` and an item column.

    Args:
        engine: the gateway's engine.
        cursors: the cursor table (see :class:`TenantCursors`).
        outcomes: the outcome table; ``item_column`` names its item key column.
        clock: the time of updates.
    """

    def __init__(
        self, engine: Engine, cursors: Table, outcomes: Table, item_column: str,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.engine = engine
        self.clock = clock
        self._cursors = TenantCursors(engine, cursors, clock)
        self._outcomes = outcomes
        self._item_column = item_column

    def claim(self, tenant: str) -> AbstractContextManager[CursorClaim | None]:
        """Hold the tenant's cursor for one batch; None if another replica has it."""
        return self._cursors.claim(tenant)

    def cursor(self, tenant: str) -> int:
        return self._cursors.cursor(tenant)

    def _put_outcome(self, tenant: str, item: str, values: Mapping[str, Any]) -> None:
        """Insert or replace the outcome row of one item (``updated_at`` is set here)."""
        table = self._outcomes
        row = {**values, "updated_at": self.clock()}
        key = (table.c.tenant == tenant) & (table.c[self._item_column] == item)
        with self.engine.begin() as conn:
            if conn.execute(update(table).where(key).values(**row)).rowcount == 0:
                conn.execute(insert(table).values(
                    tenant=tenant, **{self._item_column: item}, **row))

    # -- replay (``gateway dlq replay``) ---------------------------------------------------
    def requeue(self, tenant: str, item: str, record_id: int) -> bool:
        """Queue one item's last outcome for the next run to send again (a replay).

        The mark lives in the outcome row's ``detail`` (the status, what the API shows,
        stays), so it is durable without a table of its own; the next outcome recorded for
        the item replaces it. Queuing twice keeps one mark.

        Args:
            tenant: the tenant.
            item: the item key (offering or application id).
            record_id: the quarantine record the replay is for (new failures name it).

        Returns:
            Whether the item has an outcome row to queue (False: never handled).
        """
        table = self._outcomes
        key = (table.c.tenant == tenant) & (table.c[self._item_column] == item)
        with self.engine.begin() as conn:
            result = conn.execute(update(table).where(key).values(
                detail=f"{REQUEUE_MARK}{record_id}", updated_at=self.clock()))
        return result.rowcount == 1

    def requeued(self, tenant: str) -> dict[str, int]:
        """The tenant's items queued by :meth:`requeue`, with their quarantine record ids."""
        table = self._outcomes
        with self.engine.connect() as conn:
            rows = conn.execute(select(table.c[self._item_column], table.c.detail).where(
                table.c.tenant == tenant, table.c.detail.startswith(REQUEUE_MARK)))
            return {str(item): int(detail.removeprefix(REQUEUE_MARK))
                    for item, detail in rows if detail.removeprefix(REQUEUE_MARK).isdigit()}


#: How :meth:`CursorFollower.requeue` marks an outcome row; ``detail`` starts with it.
REQUEUE_MARK = "requeued: replay of quarantine record "


def aware(moment: datetime) -> datetime:
    """``moment`` in UTC when the database returned it without a zone (SQLite)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
