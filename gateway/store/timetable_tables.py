"""The tables of the timetable index (see :mod:`gateway.store.timetable_index`).

Activities by link (group, staff member, room), memberships with the moments they start
and end, each group's code as its feed shows it, and the projection's cursors; all
written by :mod:`gateway.store.timetable_page` from the event log, never by hand.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import BigInteger, Boolean, Column, DateTime, Index, Integer, String, Table

from gateway.store.tables import metadata

__all__ = [
    "MAX_REF",
    "timetable_index",
    "timetable_index_cursors",
    "timetable_index_groups",
    "timetable_index_memberships",
    "utc",
]

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
    # migration 0011: the membership's first moment and the moment after its last day
    Column("valid_from", DateTime(timezone=True), nullable=True),
    Column("valid_until", DateTime(timezone=True), nullable=True),
)

#: What a group's feed shows of the group: its code (NULL once the group is deleted).
timetable_index_groups = Table(
    "timetable_index_groups",
    metadata,
    Column("tenant", String(63), primary_key=True),
    Column("group_id", String(36), primary_key=True),
    Column("code", String(64), nullable=True),
    Column("version", Integer, nullable=False),
    #: Event log sequence number of the last change of the code (not of the version).
    Column("seq", BigInteger, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

timetable_index_cursors = Table(
    "timetable_index_cursors",
    metadata,
    Column("tenant", String(63), primary_key=True),
    Column("cursor", BigInteger, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)



def utc(value: datetime) -> datetime:
    """Aware UTC for storing and comparing (SQLite keeps no offset; it hands back naive)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
