"""Group codes in the timetable index: what a group's feed shows of its group.

A group's feed is named after the group's code ("Rooster 1A", the calendar's NAME and
X-WR-CALNAME), so its validators must change when the code does, and must do so without
reading the group entity on every poll. The projection keeps each group's code in
``timetable_index_groups``; :meth:`~gateway.store.timetable_index.TimetableIndex.feed_stamp`
reads it with the feed's other rows.

A row's ``version`` follows every group event (so a replayed or older event changes
nothing), while its ``seq`` and ``updated_at`` move only when the code does (or the group
is deleted, or comes back): a change to a field no feed shows -- the group's long name,
its dates -- costs no subscriber a download.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

import pydantic
from sqlalchemy import Connection, delete, insert, select

from gateway.domain.rostering import Group
from gateway.events.outbox import OutboxEvent
from gateway.events.types import Change, event_type
from gateway.store.timetable_tables import timetable_index_groups, utc

__all__ = ["GROUP_EVENT_TYPES", "GroupCode", "apply_group_codes", "group_code"]

log = logging.getLogger(__name__)

GROUP_EVENT_TYPES = tuple(event_type(Group, change) for change in Change)
_DELETED = event_type(Group, Change.DELETED)
#: Ids per ``IN (...)``: well inside SQLite's and PostgreSQL's bound-parameter limits.
_CHUNK = 500


@dataclass(frozen=True)
class GroupCode:
    """A group's code as one event leaves it (None: the group was deleted)."""

    group_id: str
    code: str | None
    version: int
    seq: int
    updated_at: datetime


def group_code(event: OutboxEvent) -> GroupCode | None:
    """The code a group event gives its group; None for another event or broken data."""
    if event.type not in GROUP_EVENT_TYPES:
        return None
    code: str | None = None
    if event.type != _DELETED:
        try:
            code = Group.model_validate(event.data["entity"]).code
        except (pydantic.ValidationError, KeyError, TypeError):
            log.warning("skipped group event %s: its data does not validate", event.event_id)
            return None
    return GroupCode(event.subject, code, event.entity_version, int(event.seq or 0),
                     utc(event.time))


def apply_group_codes(conn: Connection, tenant: str, codes: Sequence[GroupCode]) -> int:
    """Replay one tenant's group codes (log order) against the index; returns how many applied.

    Args:
        conn: a connection in the page's transaction.
        tenant: whose groups.
        codes: from :func:`group_code`, in log order.

    Returns:
        How many were newer than what the index held.
    """
    table = timetable_index_groups
    ids = sorted({c.group_id for c in codes})
    state: dict[str, GroupCode] = {}
    for chunk in _chunks(ids):
        for row in conn.execute(select(table).where(table.c.tenant == tenant,
                                                    table.c.group_id.in_(chunk))):
            state[row.group_id] = GroupCode(row.group_id, row.code, row.version, row.seq,
                                            utc(row.updated_at))
    dirty: set[str] = set()
    applied = 0
    for change in codes:
        stored = state.get(change.group_id)
        if stored is not None and stored.version >= change.version:
            continue
        if stored is not None and stored.code == change.code:  # the feed shows nothing new
            state[change.group_id] = replace(stored, version=change.version)
        else:
            state[change.group_id] = change
        dirty.add(change.group_id)
        applied += 1
    changed = sorted(dirty)
    for chunk in _chunks(changed):
        conn.execute(delete(table).where(table.c.tenant == tenant, table.c.group_id.in_(chunk)))
    if changed:
        conn.execute(insert(table), [
            {"tenant": tenant, "group_id": g.group_id, "code": g.code, "version": g.version,
             "seq": g.seq, "updated_at": g.updated_at} for g in map(state.__getitem__, changed)])
    return applied


def _chunks(items: list[str]) -> Iterator[list[str]]:
    for at in range(0, len(items), _CHUNK):
        yield items[at:at + _CHUNK]
