"""The timetable index and the subscription store on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import threading
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

import pytest
from sqlalchemy import Engine, Text, cast, func, select

from gateway.domain import SourceRef
from gateway.domain.rostering import (
    Group,
    GroupKind,
    Membership,
    MembershipState,
    TimetableActivity,
)
from gateway.errors import NotFoundError, ValidationError
from gateway.events.outbox import OutboxWriter
from gateway.events.topics import TopicNames
from gateway.store.calendar_subscriptions import (
    CalendarSubscriptions,
    calendar_subscriptions,
    subscribe,
)
from gateway.store.entities import EntityStore
from gateway.store.tables import outbox
from gateway.store.timetable_index import (
    FeedTarget,
    TargetKind,
    TimetableIndex,
    timetable_index,
    timetable_index_cursors,
)
from gateway.store.timetable_projection import (
    TimetableProjection,
    apply_event,
    follow_timetables,
)
from tests import factories

TENANT = "roc-a"
START = datetime(2026, 9, 7, 8, 0, tzinfo=UTC)
G1 = UUID("11111111-1111-4111-8111-111111111111")
G2 = UUID("22222222-2222-4222-8222-222222222222")
PERSON = UUID("33333333-3333-4333-8333-333333333333")


def _store(engine: Engine) -> EntityStore:
    return EntityStore(engine, OutboxWriter(TopicNames("mbo")))


def _activity(ident: str, tenant: str = TENANT, **over: object) -> TimetableActivity:
    fields: dict[str, object] = {"title": "Rekenen", "start": START,
                                 "end": START + timedelta(hours=1), "group_ids": (G1,)}
    fields.update(over)
    activity: TimetableActivity = TimetableActivity.create(
        tenant=tenant, source=SourceRef(system="rooster", id=ident), **fields)
    return activity


def _window(index: TimetableIndex, target: FeedTarget) -> list[str]:
    return index.activity_ids(target, start=START - timedelta(days=1),
                              end=START + timedelta(days=1))


def test_catch_up_pages_through_the_log_and_skips_other_domains(engine: Engine) -> None:
    store = _store(engine)
    store.upsert([factories.offering(ident=str(n)) for n in range(3)])  # catalogue events
    store.upsert([_activity(str(n)) for n in range(5)])
    store.upsert([factories.offering(ident=str(n)) for n in range(3, 6)])
    projection = TimetableProjection(engine, batch_size=2)
    assert projection.behind(TENANT)
    assert projection.catch_up(TENANT) == 5
    assert not projection.behind(TENANT)  # the cursor passed the trailing catalogue events
    assert projection.catch_up(TENANT) == 0
    with engine.connect() as conn:
        cursor = conn.execute(select(timetable_index_cursors.c.cursor)).scalar_one()
        head = conn.execute(select(func.max(outbox.c.seq))).scalar_one()
        assert conn.execute(select(func.count()).select_from(timetable_index)).scalar() == 5
    assert cursor == head


def test_an_event_applied_twice_changes_nothing_the_second_time(engine: Engine) -> None:
    store = _store(engine)
    [first] = store.upsert([_activity("a")]).events
    [second] = store.upsert([_activity("a", title="Rekenen 2F")]).events
    with engine.begin() as conn:
        assert apply_event(conn, first) is True
        assert apply_event(conn, second) is True
        assert apply_event(conn, first) is False  # older than what the index holds
        assert apply_event(conn, second) is False
        versions = set(conn.execute(select(timetable_index.c.version)).scalars())
    assert versions == {2}


def test_a_group_that_loses_an_activity_gets_a_new_stamp(engine: Engine) -> None:
    store = _store(engine)
    activity = _activity("a", group_ids=(G1,))
    store.upsert([activity])
    projection, index = TimetableProjection(engine), TimetableIndex(engine)
    projection.catch_up(TENANT)
    g1, g2 = (FeedTarget(TENANT, TargetKind.GROUP, str(g)) for g in (G1, G2))
    before = index.stamp(g1), index.stamp(g2)
    assert _window(index, g1) == [str(activity.id)] and before[1] == 0
    store.upsert([activity.model_copy(update={"group_ids": (G2,)})])
    projection.catch_up(TENANT)
    assert _window(index, g1) == [] and _window(index, g2) == [str(activity.id)]
    assert index.stamp(g1) > before[0]  # the removed link still counts
    assert index.stamp(g2) == index.stamp(g1)


def test_subscriptions_store_a_hash_and_resolve_only_live_tokens(engine: Engine) -> None:
    group: Group = Group.create(tenant=TENANT, source=SourceRef(system="sis", id="1A"),
                                group_kind=GroupKind.CLASS, code="1A", name="Klas 1A")
    _store(engine).upsert([group])
    issued = subscribe(engine, TENANT, TargetKind.GROUP, str(group.id))
    assert issued.feed_path == f"/calendar/{issued.token}.ics"
    with engine.connect() as conn:
        dump = " ".join(str(v) for row in conn.execute(select(
            *(cast(c, Text) for c in calendar_subscriptions.c))) for v in row)
    assert issued.token not in dump
    assert hashlib.sha256(issued.token.encode()).hexdigest() in dump
    subscriptions = CalendarSubscriptions(engine)
    assert subscriptions.find(issued.token) == issued.subscription
    assert subscriptions.find(issued.token[:-1] + ("A" if issued.token[-1] != "A" else "B")
                              ) is None
    subscriptions.revoke(TENANT, issued.subscription.id)
    assert subscriptions.find(issued.token) is None
    with pytest.raises(NotFoundError):
        subscriptions.revoke("roc-b", issued.subscription.id)
    with pytest.raises(ValidationError):
        subscribe(engine, TENANT, TargetKind.PERSON, str(G2))


class _OneRound(threading.Event):
    """A stop signal that is given when the loop first waits: exactly one round runs."""

    def wait(self, timeout: float | None = None) -> bool:
        self.set()
        return True


def test_the_background_loop_catches_every_tenant_up(engine: Engine) -> None:
    store = _store(engine)
    store.upsert([_activity("a"), _activity("b", tenant="roc-b")])
    follow_timetables(engine, ["roc-a", "roc-b"], _OneRound(), interval=0)
    projection = TimetableProjection(engine)
    assert not projection.behind("roc-a") and not projection.behind("roc-b")
    index = TimetableIndex(engine)
    assert len(_window(index, FeedTarget("roc-b", TargetKind.GROUP, str(G1)))) == 1


def test_a_persons_group_activities_are_bounded_by_their_membership_dates(
    engine: Engine,
) -> None:
    store = _store(engine)
    days = [_activity(f"day-{n}", start=START + timedelta(days=n),
                      end=START + timedelta(days=n, hours=1)) for n in range(5)]
    # 23:30 UTC on 8 September is 01:30 on the 9th in Amsterdam: inside a start of the 9th
    night = _activity("night", start=datetime(2026, 9, 8, 23, 30, tzinfo=UTC),
                      end=datetime(2026, 9, 9, 0, 30, tzinfo=UTC))
    membership: Membership = Membership.create(
        tenant=TENANT, source=SourceRef(system="sis", id="m"), group_id=G1, person_id=PERSON,
        start_date=date(2026, 9, 9), end_date=date(2026, 9, 10))
    store.upsert([*days, night, membership])
    projection, index = TimetableProjection(engine), TimetableIndex(engine)
    projection.catch_up(TENANT)
    person = FeedTarget(TENANT, TargetKind.PERSON, str(PERSON))

    def listed() -> set[str]:
        return set(index.activity_ids(person, start=START - timedelta(days=1),
                                      end=START + timedelta(days=10)))

    # START is Monday 7 September; day-2 is the 9th, day-3 the 10th (the last day)
    assert listed() == {str(days[2].id), str(days[3].id), str(night.id)}
    stamp = index.feed_stamp(person)
    store.upsert([membership.model_copy(update={"start_date": None})])
    projection.catch_up(TENANT)
    assert listed() == {str(a.id) for a in days[:4]} | {str(night.id)}
    assert index.feed_stamp(person).seq > stamp.seq
    store.upsert([membership.model_copy(update={"start_date": None,
                                                "state": MembershipState.CANCELLED})])
    projection.catch_up(TENANT)
    assert listed() == set()


def test_a_groups_code_moves_its_stamp_and_its_other_fields_do_not(engine: Engine) -> None:
    store = _store(engine)
    group: Group = Group.create(tenant=TENANT, source=SourceRef(system="sis", id="1A"),
                                group_kind=GroupKind.CLASS, code="1A", name="Klas 1A")
    store.upsert([group, _activity("a", group_ids=(group.id,))])
    projection, index = TimetableProjection(engine), TimetableIndex(engine)
    projection.catch_up(TENANT)
    target = FeedTarget(TENANT, TargetKind.GROUP, str(group.id))
    first = index.feed_stamp(target)
    assert first.label == "1A" and first.seq > 0 and first.changed_at is not None
    store.upsert([group.model_copy(update={"name": "Klas 1A (BBL)"})])
    assert projection.catch_up(TENANT) == 1
    assert index.feed_stamp(target) == first
    store.upsert([group.model_copy(update={"name": "Klas 1A (BBL)", "code": "1A-BBL"})])
    projection.catch_up(TENANT)
    renamed = index.feed_stamp(target)
    assert renamed.label == "1A-BBL" and renamed.seq > first.seq
    store.delete(TENANT, [group.id])
    projection.catch_up(TENANT)
    gone = index.feed_stamp(target)
    assert gone.label is None and gone.seq > renamed.seq
    room = index.feed_stamp(FeedTarget(TENANT, TargetKind.ROOM, "B0.12"))
    assert (room.seq, room.changed_at, room.label) == (0, None, None)
