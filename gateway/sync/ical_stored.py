"""The stored activities of one feed source, read in one pass: what the status rule and the
"vanished from the feed" rule compare against.

An import needs, per occurrence, the last stored placement (start, end, rooms, status),
and at the end the stored activities of the window that the feed no longer holds. Both
come from the source's live activities that start from a couple of days before the
window on, read with JSON paths in SQL (four fields, not the whole state) and streamed.

A school year is half a million activities, so each is kept as two integers: a 64-bit
digest of its source id and its placement packed into one int (start, length, an index
into the distinct room lists, status): about 70 MB for 500,000, where strings and tuples
took three times that. The import :meth:`~StoredPlacements.take` s each occurrence it
sees; what is left at the end vanished, and :meth:`~StoredPlacements.vanished` finds
their source ids in a second streamed read.

A run that expands only some series (the others are unchanged, :mod:`.ical_memo`) loads
only theirs: ``uids=`` scans the source's ids once for those under ``<UID>/`` and reads
their placements by primary key; :meth:`~StoredPlacements.vanished` looks among those only.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, Select, select

from gateway.domain import TimetableActivity
from gateway.domain.ids import entity_id
from gateway.domain.rostering import ActivityStatus
from gateway.mappings.icalendar_in import Placement
from gateway.store.tables import entities

__all__ = ["StoredPlacements", "cancelled_copies"]

_CHUNK = 500
#: Stored starts are ISO strings with an offset; a margin makes a string compare safe.
_MARGIN = timedelta(days=2)
_STATUSES = tuple(ActivityStatus)
#: Bits of the packed placement: status, rooms index, length in seconds (776 days).
_STATUS_BITS, _ROOM_BITS, _LENGTH_BITS = 2, 32, 26


def _key(source_id: str) -> int:
    return int.from_bytes(hashlib.blake2b(source_id.encode(), digest_size=8).digest(), "big")


class StoredPlacements:
    """The placements of a source's stored activities, by source id (``UID/recurrence``).

    Example::

        stored = StoredPlacements.load(engine, "roc-a", "rooster", since=window_start)
        previous = stored.take("uid-1/20261019T070000Z")   # None when new
        gone = stored.vanished(window_start, window_until, keep_uids={"bad-uid"})
    """

    def __init__(self, engine: Engine, tenant: str, source: str, since: datetime,
                 uids: Sequence[str] | None = None) -> None:
        self.engine, self.tenant, self.source, self.since = engine, tenant, source, since
        self.uids = None if uids is None else sorted(set(uids))
        self._ids: list[str] | None = None
        self._packed: dict[int, int] = {}
        self._rooms: list[tuple[str, ...]] = []

    def __len__(self) -> int:
        return len(self._packed)

    @classmethod
    def load(cls, engine: Engine, tenant: str, source: str, *, since: datetime,
             uids: Sequence[str] | None = None) -> StoredPlacements:
        """Read the live activities of ``source`` starting from about ``since`` on (of the
        series ``uids`` only, when given)."""
        stored = cls(engine, tenant, source, since, uids)
        rooms_index: dict[tuple[str, ...], int] = {}
        for source_id, begin, status, end, rooms in stored._rows(
                entities.c.state["end"].as_string(), entities.c.state["rooms"]):
            codes = tuple(rooms or ())
            index = rooms_index.setdefault(codes, len(rooms_index))
            if index == len(stored._rooms):
                stored._rooms.append(codes)
            stored._packed[_key(source_id)] = _pack(_epoch(begin), _epoch(end), index,
                                                    ActivityStatus(status))
        return stored

    def take(self, source_id: str) -> Placement | None:
        """The stored placement of ``source_id``, now marked as seen in the feed."""
        packed = self._packed.pop(_key(source_id), None)
        if packed is None:
            return None
        start, end, rooms, status = _unpack(packed)
        return Placement(_moment(start), _moment(end), self._rooms[rooms], status)

    def vanished(self, start: datetime, until: datetime, *,
                 keep_uids: Collection[str] = ()) -> list[str]:
        """Source ids not taken that start in ``[start, until)`` and are not cancelled yet,
        except those of the UIDs in ``keep_uids`` (series refused this run)."""
        if not self._packed:
            return []
        low, high = start.timestamp(), until.timestamp()
        gone = []
        for source_id, begin, status in self._rows():
            if (_key(source_id) in self._packed and low <= _epoch(begin) < high
                    and status != ActivityStatus.CANCELLED.value
                    and source_id.rsplit("/", 1)[0] not in keep_uids):
                gone.append(source_id)
        return sorted(gone)

    def _rows(self, *columns: Any) -> Iterator[Any]:
        """The rows of the source's live activities from about ``since`` on, streamed."""
        low = (self.since - _MARGIN).date().isoformat()
        with self.engine.connect() as conn:
            if self.uids is None:
                yield from conn.execution_options(yield_per=5000).execute(
                    self._query(low, *columns))
                return
            if self._ids is None:
                self._ids = self._series_ids(conn)
            for offset in range(0, len(self._ids), _CHUNK):  # by primary key (tenant, id)
                query = self._columns(*columns).where(
                    entities.c.tenant == self.tenant,
                    entities.c.id.in_(self._ids[offset: offset + _CHUNK]),
                    entities.c.deleted.is_(False))
                yield from (row for row in conn.execute(query) if row[1] >= low)

    def _series_ids(self, conn: Connection) -> list[str]:
        """The ids of the live activities of the series ``uids``: one scan of the source's
        source ids (no JSON read; a prefix match per row would cost minutes)."""
        wanted = set(self.uids or ())
        query = select(entities.c.id, entities.c.source_id).where(*self._where())
        return [ident for ident, source_id in
                conn.execution_options(yield_per=20_000).execute(query)
                if source_id.rsplit("/", 1)[0] in wanted]

    def _where(self) -> tuple[ColumnElement[bool], ...]:
        return (entities.c.tenant == self.tenant, entities.c.kind == TimetableActivity.kind,
                entities.c.source_system == self.source, entities.c.deleted.is_(False))

    def _query(self, low: str, *columns: Any) -> Select[Any]:
        return self._columns(*columns).where(*self._where(),
                                             entities.c.state["start"].as_string() >= low)

    @staticmethod
    def _columns(*columns: Any) -> Select[Any]:
        return select(entities.c.source_id, entities.c.state["start"].as_string(),
                      entities.c.state["status"].as_string(), *columns)


def cancelled_copies(engine: Engine, tenant: str, source: str,
                     source_ids: list[str]) -> Iterator[TimetableActivity]:
    """The stored activities of ``source_ids`` with status ``cancelled`` (read by chunk)."""
    for offset in range(0, len(source_ids), _CHUNK):
        chunk = source_ids[offset: offset + _CHUNK]
        ids = [str(entity_id(tenant, source, TimetableActivity.kind, s)) for s in chunk]
        query = select(entities.c.state).where(entities.c.tenant == tenant,
                                               entities.c.id.in_(ids),
                                               entities.c.deleted.is_(False))
        with engine.connect() as conn:
            states: list[Any] = list(conn.execute(query).scalars())
        for state in states:
            yield TimetableActivity.model_validate(
                {**state, "status": ActivityStatus.CANCELLED.value})


def _pack(start: int, end: int, rooms: int, status: ActivityStatus) -> int:
    length = min(max(end - start, 0), (1 << _LENGTH_BITS) - 1)
    value = (start << _LENGTH_BITS) | length
    value = (value << _ROOM_BITS) | rooms
    return (value << _STATUS_BITS) | _STATUSES.index(status)


def _unpack(value: int) -> tuple[int, int, int, ActivityStatus]:
    status = _STATUSES[value & ((1 << _STATUS_BITS) - 1)]
    value >>= _STATUS_BITS
    rooms = value & ((1 << _ROOM_BITS) - 1)
    value >>= _ROOM_BITS
    length = value & ((1 << _LENGTH_BITS) - 1)
    start = value >> _LENGTH_BITS
    return start, start + length, rooms, status


def _epoch(text: str) -> int:
    return int(datetime.fromisoformat(text).timestamp())


def _moment(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)
