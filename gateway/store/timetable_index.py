"""The timetable index: which activities belong to which group, staff member or room.

Activities are stored as JSON in the generic ``entities`` table, which cannot be searched
by group, person or room. This index holds one row per (activity, link) -- link kind
``group``, ``staff`` or ``room`` with its ref (canonical id or room code) -- and one row
per active membership (person, group), both kept up to date from the event log by
:mod:`gateway.store.timetable_projection`.

A link an activity loses (or every link of a deleted activity) stays as a ``removed`` row
carrying the event that removed it: so the newest ``seq`` over a feed's rows -- removed
ones included -- changes with every change to that feed, and is all a validator (ETag)
needs. The same holds for memberships (an ended membership stays, inactive).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ColumnElement,
    DateTime,
    Engine,
    Index,
    Integer,
    Select,
    String,
    Table,
    and_,
    func,
    or_,
    select,
    union_all,
)

from gateway.domain.rostering import TimetableActivity
from gateway.store.tables import entities, metadata

__all__ = [
    "FeedTarget",
    "LinkKind",
    "StoredActivity",
    "TargetKind",
    "TimetableIndex",
    "timetable_index",
    "timetable_index_cursors",
    "timetable_index_memberships",
]

#: Ids per read of activity states (well inside SQLite's bound-parameter limit).
STATES_PER_READ = 1000
#: Longest ref the index holds (canonical ids are 36; room codes are free text).
MAX_REF = 128

timetable_index = Table(
    "timetable_index",
    metadata,
    Column("tenant", String(63), primary_key=True),
    Column("activity_id", String(36), primary_key=True),
    Column("link_kind", String(8), primary_key=True),
    Column("ref", String(MAX_REF), primary_key=True),
    Column("start_at", DateTime(timezone=True), nullable=False),
    Column("end_at", DateTime(timezone=True), nullable=False),
    Column("version", Integer, nullable=False),
    Column("status", String(12), nullable=False),
    #: The activity no longer has this link (or was deleted); kept for the validator.
    Column("removed", Boolean, nullable=False),
    #: Event log sequence number of the last change to this row.
    Column("seq", BigInteger, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_timetable_index_tenant_link_kind_ref_seq", "tenant", "link_kind", "ref", "seq"),
)

timetable_index_memberships = Table(
    "timetable_index_memberships",
    metadata,
    Column("tenant", String(63), primary_key=True),
    Column("membership_id", String(36), primary_key=True),
    Column("person_id", String(36), primary_key=True),
    Column("group_id", String(36), primary_key=True),
    Column("active", Boolean, nullable=False),
    Column("version", Integer, nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_timetable_index_memberships_tenant_person_id", "tenant", "person_id"),
)

timetable_index_cursors = Table(
    "timetable_index_cursors",
    metadata,
    Column("tenant", String(63), primary_key=True),
    Column("cursor", BigInteger, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)


class LinkKind(StrEnum):
    GROUP = "group"
    STAFF = "staff"
    ROOM = "room"


class TargetKind(StrEnum):
    """Whose feed: a group's, a person's (their groups' and their own as staff), a room's."""

    GROUP = "group"
    PERSON = "person"
    ROOM = "room"


@dataclass(frozen=True)
class StoredActivity:
    """An activity's stored state (JSON), version and last change, as a feed reads it."""

    state: dict[str, Any]
    version: int
    updated_at: datetime


@dataclass(frozen=True)
class FeedTarget:
    tenant: str
    kind: TargetKind
    ref: str


def utc(value: datetime) -> datetime:
    """Aware UTC for storing and comparing (SQLite keeps no offset; it hands back naive)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class TimetableIndex:
    """Reads of the index: a feed's activities in a window, and its change stamp.

    Example::

        index = TimetableIndex(engine)
        stamp = index.stamp(FeedTarget("roc-a", TargetKind.GROUP, str(group_id)))
        ids = index.activity_ids(target, start=..., end=...)
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def stamp(self, target: FeedTarget) -> int:
        """The newest event that changed the target's feed (0 when none did).

        One indexed aggregate; removed links and ended memberships count, so a feed that
        lost an activity gets a new stamp too.
        """
        t, m = timetable_index, timetable_index_memberships
        if target.kind is TargetKind.PERSON:  # a membership that ended changes it too
            parts = union_all(
                select(t.c.seq).where(_where(target)),
                select(m.c.seq).where(m.c.tenant == target.tenant,
                                      m.c.person_id == target.ref),
            ).subquery()
            query = select(func.max(parts.c.seq))
        else:
            query = select(func.max(t.c.seq)).where(_where(target))
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar() or 0)

    def activity_ids(self, target: FeedTarget, *, start: datetime, end: datetime) -> list[str]:
        """Ids of the target's live activities that overlap ``[start, end)``, sorted."""
        query = _ids(target, start, end).distinct().order_by(timetable_index.c.activity_id)
        with self.engine.connect() as conn:
            return list(conn.execute(query).scalars())

    def activities(self, target: FeedTarget, *, start: datetime, end: datetime
                   ) -> list[StoredActivity]:
        """The stored states of the target's live activities overlapping ``[start, end)``.

        On one connection: the ids from the index, then the states by primary key, up to
        :data:`STATES_PER_READ` a statement (a klas's year: two). Not one join: PostgreSQL
        plans that join with bound values as a nested loop over the tenant's entities
        until the index has statistics (seconds, after a bulk catch-up); these two plans
        do not depend on them. Unordered.
        """
        e = entities
        ids_query = _ids(target, start, end).distinct()
        found: list[StoredActivity] = []
        with self.engine.connect() as conn:
            ids = list(conn.execute(ids_query).scalars())
            for at in range(0, len(ids), STATES_PER_READ):
                query = select(e.c.state, e.c.version, e.c.updated_at).where(
                    e.c.tenant == target.tenant, e.c.id.in_(ids[at:at + STATES_PER_READ]),
                    e.c.kind == TimetableActivity.kind, e.c.deleted.is_(False))
                found.extend(StoredActivity(row.state, row.version, utc(row.updated_at))
                             for row in conn.execute(query))
        return found

    def knows(self, target: FeedTarget) -> bool:
        """Whether the timetable ever named this group, person (staff or member) or room."""
        t, m = timetable_index, timetable_index_memberships
        with self.engine.connect() as conn:
            if conn.execute(select(t.c.ref).where(_where(target)).limit(1)).first():
                return True
            if target.kind is not TargetKind.PERSON:
                return False
            return conn.execute(select(m.c.person_id).where(
                m.c.tenant == target.tenant, m.c.person_id == target.ref).limit(1)
            ).first() is not None


def _ids(target: FeedTarget, start: datetime, end: datetime) -> Select[Any]:
    """The ids of the target's live activities overlapping ``[start, end)``."""
    t = timetable_index
    return select(t.c.activity_id).where(_where(target), t.c.removed.is_(False),
                                         t.c.start_at < utc(end), t.c.end_at > utc(start))


def _where(target: FeedTarget) -> ColumnElement[bool]:
    """The index rows of a target's feed; a person's: their active groups' and their own."""
    t, m = timetable_index, timetable_index_memberships
    if target.kind is TargetKind.PERSON:
        groups = select(m.c.group_id).where(m.c.tenant == target.tenant,
                                            m.c.person_id == target.ref, m.c.active.is_(True))
        return and_(t.c.tenant == target.tenant, or_(
            and_(t.c.link_kind == LinkKind.GROUP.value, t.c.ref.in_(groups)),
            and_(t.c.link_kind == LinkKind.STAFF.value, t.c.ref == target.ref)))
    link = LinkKind.GROUP if target.kind is TargetKind.GROUP else LinkKind.ROOM
    return and_(t.c.tenant == target.tenant, t.c.link_kind == link.value,
                t.c.ref == target.ref)
