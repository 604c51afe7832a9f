"""Apply a page of timetable events to the index with a few set-based statements.

Applying events one at a time costs several statements each (read the entity's rows, then
an insert or update per link), which held the catch-up of a school year to ~120 events/s.
Here a page is applied in three steps, whatever its size:

1. one read of the index rows of every entity the page names (chunks of ids);
2. the events replayed in memory, in log order, against those rows -- the same rules as
   before (an event not newer than what the index holds is skipped; links an entity no
   longer has are kept as ``removed``/inactive rows stamped with the event that removed
   them), so the end state is exactly what applying them one by one gave;
3. the rows of each entity that changed replaced: one bulk delete and one bulk insert
   (PostgreSQL: ``COPY``).

Group events only keep each group's code (:mod:`gateway.store.timetable_group_codes`);
a membership row carries the moments its dates stand for (:func:`day_start`).

The caller holds one transaction per page (SQLite: :func:`write_lock` first, so the rows
read are the rows replaced even with another process catching up beside it).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

import psycopg
import pydantic
from psycopg import sql
from sqlalchemy import Connection, Table, delete, insert, select
from sqlalchemy.exc import IntegrityError

from gateway.domain.rostering import Membership, MembershipState, TimetableActivity
from gateway.events.outbox import OutboxEvent
from gateway.events.types import Change, event_type
from gateway.store.timetable_group_codes import (
    GROUP_EVENT_TYPES,
    GroupCode,
    apply_group_codes,
    group_code,
)
from gateway.store.timetable_index import LinkKind
from gateway.store.timetable_tables import (
    MAX_REF,
    timetable_index,
    timetable_index_memberships,
    utc,
)

__all__ = ["EVENT_TYPES", "apply_events", "day_start", "write_lock"]

log = logging.getLogger(__name__)

_LINKED = tuple(event_type(cls, change) for cls in (TimetableActivity, Membership)
                for change in Change)
EVENT_TYPES = _LINKED + GROUP_EVENT_TYPES
_DELETED = frozenset(event_type(cls, Change.DELETED) for cls in (TimetableActivity, Membership))
_ACTIVITY = frozenset(event_type(TimetableActivity, change) for change in Change)
#: Ids per ``IN (...)``: well inside SQLite's and PostgreSQL's bound-parameter limits.
_CHUNK = 500
#: Membership dates are school days, which begin at midnight where the school is.
_SCHOOL_ZONE = ZoneInfo("Europe/Amsterdam")
_DATETIMES = ("start_at", "end_at", "updated_at", "valid_from", "valid_until")

Link = tuple[str, str]
Rows = dict[Link, dict[str, Any]]


@dataclass(frozen=True)
class _Shape:
    """How one index table keys its rows and marks a link the entity lost."""

    table: Table
    owner: str
    links: tuple[str, str]
    #: The column and value of a lost link: ``removed`` true, or ``active`` false.
    gone: tuple[str, bool]


_ACTIVITIES = _Shape(timetable_index, "activity_id", ("link_kind", "ref"), ("removed", True))
_MEMBERSHIPS = _Shape(timetable_index_memberships, "membership_id", ("person_id", "group_id"),
                      ("active", False))


@dataclass(frozen=True)
class _Change:
    shape: _Shape
    owner: str
    version: int
    stamp: dict[str, Any]
    wanted: Rows


def write_lock(conn: Connection) -> None:
    """SQLite: take the write lock now, before the page's read (no-op elsewhere)."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def apply_events(conn: Connection, events: Sequence[OutboxEvent]) -> int:
    """Write ``events`` (one tenant's, in log order) into the index on ``conn``.

    Args:
        conn: a connection in the page's transaction.
        events: timetable-activity and membership events; others are ignored.

    Returns:
        How many events changed the index (those not older than what it held).
    """
    applied = 0
    by_tenant: dict[str, list[_Change]] = {}
    codes: dict[str, list[GroupCode]] = {}
    for event in events:
        code = group_code(event)
        if code is not None:
            codes.setdefault(event.tenant, []).append(code)
            continue
        change = _decode(event)
        if change is not None:
            by_tenant.setdefault(event.tenant, []).append(change)
    for tenant, changes in by_tenant.items():
        for shape in (_ACTIVITIES, _MEMBERSHIPS):
            mine = [c for c in changes if c.shape is shape]
            if mine:
                applied += _apply(conn, shape, tenant, mine)
    for tenant, group_codes in codes.items():
        applied += apply_group_codes(conn, tenant, group_codes)
    return applied


def day_start(day: date | None, *, days: int = 0) -> datetime | None:
    """Midnight (Europe/Amsterdam) of ``day`` plus ``days``, in UTC; None: no bound.

    A date at the edge of the calendar (a source's ``9999-12-31`` for "open-ended") has
    no such moment and counts as no bound.
    """
    if day is None:
        return None
    try:
        return datetime.combine(day + timedelta(days=days), time(), _SCHOOL_ZONE
                                ).astimezone(UTC)
    except OverflowError:
        return None


def _decode(event: OutboxEvent) -> _Change | None:
    """The rows an event wants for its entity; None (logged) when its data is broken."""
    if event.type not in _LINKED:
        return None
    deleted = event.type in _DELETED
    stamp = {"version": event.entity_version, "seq": int(event.seq or 0),
             "updated_at": utc(event.time)}
    try:
        if event.type in _ACTIVITY:
            wanted: Rows = {}
            if not deleted:
                activity = TimetableActivity.model_validate(event.data["entity"])
                values = {"start_at": utc(activity.start), "end_at": utc(activity.end),
                          "status": activity.status.value, "removed": False}
                refs = ([(LinkKind.GROUP.value, str(g)) for g in activity.group_ids]
                        + [(LinkKind.STAFF.value, str(s)) for s in activity.staff_ids]
                        + [(LinkKind.ROOM.value, r) for r in activity.rooms
                           if 0 < len(r) <= MAX_REF])
                wanted = dict.fromkeys(refs, values)
            return _Change(_ACTIVITIES, event.subject, event.entity_version, stamp, wanted)
        wanted = {}
        if not deleted:
            membership = Membership.model_validate(event.data["entity"])
            if membership.state is MembershipState.ACTIVE:  # the end date is its last day
                wanted = {(str(membership.person_id), str(membership.group_id)): {
                    "active": True, "valid_from": day_start(membership.start_date),
                    "valid_until": day_start(membership.end_date, days=1)}}
        return _Change(_MEMBERSHIPS, event.subject, event.entity_version, stamp, wanted)
    except (pydantic.ValidationError, KeyError, TypeError):
        log.warning("skipped timetable event %s: its data does not validate", event.event_id)
        return None


def _apply(conn: Connection, shape: _Shape, tenant: str, changes: list[_Change]) -> int:
    """Replay ``changes`` against the stored rows; replace the rows of entities they changed."""
    state = _read(conn, shape, tenant, sorted({c.owner for c in changes}))
    newest = {owner: max(row["version"] for row in rows.values())
              for owner, rows in state.items()}
    gone_column, gone_value = shape.gone
    dirty: set[str] = set()
    applied = 0
    for change in changes:
        if newest.get(change.owner, 0) >= change.version:  # the index has it, or later
            continue
        rows = state.setdefault(change.owner, {})
        for link, row in rows.items():
            if link not in change.wanted and row[gone_column] != gone_value:
                rows[link] = {**row, gone_column: gone_value, **change.stamp}
        for link, values in change.wanted.items():
            rows[link] = {**values, **change.stamp}
        if rows:
            newest[change.owner] = change.version
        dirty.add(change.owner)
        applied += 1
    owners = sorted(dirty)
    table, owner = shape.table, shape.table.c[shape.owner]
    for ids in _chunks(owners):
        conn.execute(delete(table).where(table.c.tenant == tenant, owner.in_(ids)))
    first, second = shape.links
    fresh = [{**row, "tenant": tenant, shape.owner: ident, first: link[0], second: link[1]}
             for ident in owners for link, row in state[ident].items()]
    _insert(conn, table, fresh)
    return applied


def _insert(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` in bulk.

    SQLite's driver runs an executemany natively; psycopg would send one INSERT per row,
    so PostgreSQL gets a ``COPY ... FROM STDIN`` on the page's own transaction.
    """
    if not rows:
        return
    if conn.dialect.name != "postgresql":
        conn.execute(insert(table), rows)
        return
    names = [c.name for c in table.c]
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table.name), sql.SQL(", ").join(map(sql.Identifier, names)))
    raw = cast(psycopg.Connection[Any], conn.connection.dbapi_connection)
    try:
        with raw.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row([row[name] for name in names])
    except psycopg.IntegrityError as exc:  # as SQLAlchemy would raise it, for the caller
        raise IntegrityError(f"COPY {table.name}", None, exc) from exc


def _read(conn: Connection, shape: _Shape, tenant: str, owners: list[str]
          ) -> dict[str, Rows]:
    """The stored rows of ``owners``: owner -> link -> the row's other columns."""
    table = shape.table
    keys = {"tenant", shape.owner, *shape.links}
    values = [c for c in table.c if c.name not in keys]
    first, second, owner = (table.c[n] for n in (*shape.links, shape.owner))
    state: dict[str, Rows] = {}
    for ids in _chunks(owners):
        query = select(owner, first, second, *values).where(table.c.tenant == tenant,
                                                            owner.in_(ids))
        for row in conn.execute(query):
            m = row._mapping
            stored = {c.name: m[c] for c in values}
            for name in _DATETIMES:
                if stored.get(name) is not None:  # SQLite hands back naive datetimes
                    stored[name] = utc(stored[name])
            state.setdefault(m[owner], {})[(m[first], m[second])] = stored
    return state


def _chunks(items: list[str]) -> Iterator[list[str]]:
    for at in range(0, len(items), _CHUNK):
        yield items[at:at + _CHUNK]
