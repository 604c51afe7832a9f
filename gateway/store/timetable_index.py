"""The timetable index: which activities belong to which group, staff member or room.

Activities are stored as JSON in the generic ``entities`` table, which cannot be searched
by group, person or room. This index holds one row per (activity, link) -- link kind
``group``, ``staff`` or ``room`` with its ref (canonical id or room code) --, one row per
membership (person, group) with the moments it starts and ends, and one row per group
with the code a feed shows in its name (the tables: :mod:`gateway.store.timetable_tables`);
all kept up to date from the event log by :mod:`gateway.store.timetable_projection`.

A link an activity loses (or every link of a deleted activity) stays as a ``removed`` row
carrying the event that removed it: so the newest ``seq`` over a feed's rows -- removed
ones included -- changes with every change to that feed. The same holds for memberships
(an ended membership stays, inactive) and for a group's code (its row's ``seq`` moves when
the code does). :meth:`TimetableIndex.feed_stamp` reads that number, the time of that
change and the group's code in one statement: everything a feed's validators (ETag,
Last-Modified) need, without reading an entity.

A membership row holds ``valid_from`` / ``valid_until``: the membership's ``start_date``
at 00:00 and the day after its ``end_date`` at 00:00, Europe/Amsterdam (the end date is
the last day of membership), as UTC; NULL where the membership has no such date. A
person's feed lists a group's activity only when it starts inside one of their active
memberships of that group.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Engine,
    Join,
    Select,
    and_,
    func,
    null,
    or_,
    select,
    union_all,
)

from gateway.domain.rostering import TimetableActivity
from gateway.store.tables import entities
from gateway.store.timetable_tables import (
    MAX_REF,
    timetable_index,
    timetable_index_cursors,
    timetable_index_groups,
    timetable_index_memberships,
    utc,
)

__all__ = [
    "MAX_REF",
    "FeedStamp",
    "FeedTarget",
    "LinkKind",
    "StoredActivity",
    "TargetKind",
    "TimetableIndex",
    "timetable_index",
    "timetable_index_cursors",
    "timetable_index_groups",
    "timetable_index_memberships",
    "utc",
]

#: Ids per read of activity states (well inside SQLite's bound-parameter limit).
STATES_PER_READ = 1000


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


@dataclass(frozen=True)
class FeedStamp:
    """What a feed's validators are made of, as the index holds it at one moment."""

    #: The newest event that changed the feed's rows (0 when none did).
    seq: int
    #: When it happened: the latest time among the newest row of each kind the feed has
    #: (activities, memberships, group code); None when there is none.
    changed_at: datetime | None
    #: A group feed's group code (None for other feeds, or a group the index has no code of).
    label: str | None


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
        """The newest event that changed the target's feed (0 when none did)."""
        return self.feed_stamp(target).seq

    def feed_stamp(self, target: FeedTarget) -> FeedStamp:
        """The target's stamp: newest change, its time, and a group's code.

        One statement, a few steps down the indexes (the newest row of each kind of row
        the feed has); removed links, ended memberships and a group's code count, so a
        feed that lost an activity, a member who left and a renamed group all get a new
        stamp.
        """
        g = timetable_index_groups
        parts = [_newest(rows) for rows in _stamp_rows(target)]
        label: Any = null()
        if target.kind is TargetKind.GROUP:
            label = select(g.c.code).where(g.c.tenant == target.tenant,
                                           g.c.group_id == target.ref).scalar_subquery()
        rows = union_all(*parts).subquery()
        query = select(func.max(rows.c.seq), func.max(rows.c.updated_at), label)
        with self.engine.connect() as conn:
            seq, changed_at, code = conn.execute(query).one()
        return FeedStamp(int(seq or 0), None if changed_at is None else utc(changed_at),
                         code)

    def activity_ids(self, target: FeedTarget, *, start: datetime, end: datetime) -> list[str]:
        """Ids of the target's live activities that overlap ``[start, end)``, sorted."""
        query = _ids(target, start, end).distinct()
        query = query.order_by(query.selected_columns.activity_id)
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
    """The ids of the target's live activities overlapping ``[start, end)`` (repeats).

    A person's group activities only while they are a member: the activity starts at or
    after a membership's ``valid_from`` and before its ``valid_until``. Their two kinds of
    rows are read apart (a join from their memberships, their own staff rows) and put
    together, so each read follows an index.
    """
    t, m = timetable_index, timetable_index_memberships
    live = (t.c.removed.is_(False), t.c.start_at < utc(end), t.c.end_at > utc(start))
    if target.kind is not TargetKind.PERSON:
        return select(t.c.activity_id).where(_where(target), *live)
    as_member = select(t.c.activity_id).select_from(_member_rows(target)).where(
        or_(m.c.valid_from.is_(None), m.c.valid_from <= t.c.start_at),
        or_(m.c.valid_until.is_(None), t.c.start_at < m.c.valid_until), *live)
    as_staff = select(t.c.activity_id).where(_own_rows(target), *live)
    both = union_all(as_member, as_staff).subquery()
    return select(both.c.activity_id)


def _stamp_rows(target: FeedTarget) -> list[Select[Any]]:
    """The (seq, updated_at) rows whose newest is the feed's stamp.

    A person's: the rows of their active memberships' groups, whatever the dates (a
    superset of what the feed lists, which is all a stamp needs), their own staff rows,
    and their memberships, so one that ended or changed its dates counts. A group's: its
    rows and its code's.
    """
    t, m, g = timetable_index, timetable_index_memberships, timetable_index_groups
    if target.kind is TargetKind.PERSON:
        return [select(t.c.seq, t.c.updated_at).select_from(_member_rows(target)),
                select(t.c.seq, t.c.updated_at).where(_own_rows(target)),
                select(m.c.seq, m.c.updated_at).where(m.c.tenant == target.tenant,
                                                      m.c.person_id == target.ref)]
    rows = [select(t.c.seq, t.c.updated_at).where(_where(target))]
    if target.kind is TargetKind.GROUP:
        rows.append(select(g.c.seq, g.c.updated_at).where(g.c.tenant == target.tenant,
                                                          g.c.group_id == target.ref))
    return rows


def _newest(rows: Select[Any]) -> Select[Any]:
    """The row of ``rows`` with the highest ``seq``: one step back along an index."""
    newest = rows.order_by(rows.selected_columns.seq.desc()).limit(1).subquery()
    return select(newest.c.seq, newest.c.updated_at)


def _member_rows(target: FeedTarget) -> Join:
    """A person's active memberships joined to their groups' rows (filter on the join)."""
    t, m = timetable_index, timetable_index_memberships
    return m.join(t, and_(
        t.c.tenant == m.c.tenant, t.c.link_kind == LinkKind.GROUP.value,
        t.c.ref == m.c.group_id, m.c.tenant == target.tenant, m.c.person_id == target.ref,
        m.c.active.is_(True)))


def _own_rows(target: FeedTarget) -> ColumnElement[bool]:
    """A person's own rows: the activities they are staff of."""
    t = timetable_index
    return and_(t.c.tenant == target.tenant, t.c.link_kind == LinkKind.STAFF.value,
                t.c.ref == target.ref)


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
