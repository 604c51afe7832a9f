"""Migration 0011: membership dates and group codes in the timetable index, rebuilt from the log."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

import pytest
from alembic import command
from sqlalchemy import Engine, MetaData, Table, func, insert, inspect, select

from gateway.domain import SourceRef
from gateway.domain.rostering import Group, GroupKind, Membership, TimetableActivity
from gateway.events.log import EventLog
from gateway.events.outbox import OutboxEvent, OutboxWriter
from gateway.events.topics import TopicNames
from gateway.store.engine import make_engine
from gateway.store.entities import EntityStore
from gateway.store.migrate import alembic_config, upgrade
from gateway.store.tables import outbox
from gateway.store.timetable_index import (
    FeedTarget,
    TargetKind,
    TimetableIndex,
    timetable_index,
    timetable_index_cursors,
)
from gateway.store.timetable_page import apply_events
from gateway.store.timetable_projection import TimetableProjection

TENANT = "roc-a"
START = datetime(2026, 9, 7, 8, 0, tzinfo=UTC)
NOW = datetime(2026, 9, 1, 12, 0, tzinfo=UTC)
PERSON = UUID("33333333-3333-4333-8333-333333333333")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def bare_engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    """An engine on an empty database on each backend, migrated by the test itself."""
    url: str = request.getfixturevalue("sqlite_url" if request.param == "sqlite"
                                       else "postgres_url")
    engine = make_engine(url)
    yield engine
    engine.dispose()


def _old_index(engine: Engine, events: list[OutboxEvent], membership: Membership) -> None:
    """The index as the projection before 0011 left it: activities, an undated member row."""
    membership_event = next(e for e in events if e.subject == str(membership.id))
    with engine.begin() as conn:
        apply_events(conn, [e for e in events if e.type.endswith(
            ("timetable-activity.upserted.v1", "timetable-activity.deleted.v1"))])
        as_it_was = Table("timetable_index_memberships", MetaData(), autoload_with=conn)
        conn.execute(insert(as_it_was).values(
            tenant=TENANT, membership_id=str(membership.id), person_id=str(membership.person_id),
            group_id=str(membership.group_id), active=True, version=1,
            seq=membership_event.seq, updated_at=NOW))
        head = conn.execute(select(func.max(outbox.c.seq))).scalar_one()
        conn.execute(insert(timetable_index_cursors).values(tenant=TENANT, cursor=head,
                                                            updated_at=NOW))


def test_0011_rebuilds_membership_dates_and_group_codes_from_the_event_log(
    bare_engine: Engine,
) -> None:
    engine = bare_engine
    upgrade(engine, "0010")
    group: Group = Group.create(tenant=TENANT, source=SourceRef(system="sis", id="1A"),
                                group_kind=GroupKind.CLASS, code="1A", name="Klas 1A")
    lessons = [TimetableActivity.create(
        tenant=TENANT, source=SourceRef(system="rooster", id=str(n)), title="Rekenen",
        start=START + timedelta(days=n), end=START + timedelta(days=n, hours=1),
        group_ids=(group.id,)) for n in range(3)]
    membership: Membership = Membership.create(
        tenant=TENANT, source=SourceRef(system="sis", id="m"), group_id=group.id,
        person_id=PERSON, start_date=date(2026, 9, 8))
    EntityStore(engine, OutboxWriter(TopicNames("mbo"))).upsert([group, *lessons, membership])
    _old_index(engine, EventLog(engine).read(TENANT, limit=100).events, membership)
    with engine.connect() as conn:
        activity_rows = set(conn.execute(select(timetable_index)))

    upgrade(engine)

    projection, index = TimetableProjection(engine), TimetableIndex(engine)
    assert projection.behind(TENANT)  # the cursor was reset: the log is replayed
    projection.catch_up(TENANT)
    person = FeedTarget(TENANT, TargetKind.PERSON, str(membership.person_id))
    listed = index.activity_ids(person, start=START - timedelta(days=1),
                                end=START + timedelta(days=5))
    assert listed == sorted(str(a.id) for a in lessons[1:])  # not before 8 September
    assert index.feed_stamp(FeedTarget(TENANT, TargetKind.GROUP, str(group.id))).label == "1A"
    with engine.connect() as conn:
        assert set(conn.execute(select(timetable_index))) == activity_rows  # kept as they were

    command.downgrade(alembic_config(engine), "0010")
    assert {c["name"] for c in inspect(engine).get_columns("timetable_index_memberships")
            }.isdisjoint({"valid_from", "valid_until"})
    assert "timetable_index_groups" not in inspect(engine).get_table_names()
    upgrade(engine)
