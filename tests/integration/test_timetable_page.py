"""A page of timetable events applied at once ends where applying them one by one ends."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import Engine, event, select

from gateway.domain import SourceRef
from gateway.domain.rostering import (
    Group,
    GroupKind,
    Membership,
    MembershipState,
    TimetableActivity,
)
from gateway.events.log import EventLog
from gateway.events.outbox import OutboxEvent, OutboxWriter
from gateway.events.topics import TopicNames
from gateway.store.entities import EntityStore
from gateway.store.timetable_index import (
    timetable_index,
    timetable_index_groups,
    timetable_index_memberships,
)
from gateway.store.timetable_page import apply_events, day_start
from gateway.store.timetable_projection import TimetableProjection, apply_event

TENANT = "roc-a"
START = datetime(2026, 9, 7, 8, 0, tzinfo=UTC)
G1 = UUID("11111111-1111-4111-8111-111111111111")
G2 = UUID("22222222-2222-4222-8222-222222222222")
PERSON = UUID("33333333-3333-4333-8333-333333333333")


def _activity(ident: str, **over: Any) -> TimetableActivity:
    fields: dict[str, Any] = {"title": "Rekenen", "start": START,
                              "end": START + timedelta(hours=1), "group_ids": (G1,),
                              "rooms": ("B0.12",)}
    fields.update(over)
    activity: TimetableActivity = TimetableActivity.create(
        tenant=TENANT, source=SourceRef(system="rooster", id=ident), **fields)
    return activity


def _history(engine: Engine) -> list[OutboxEvent]:
    """Activities and a membership that gain, lose, regain links and get deleted."""
    store = EntityStore(engine, OutboxWriter(TopicNames("mbo")))
    a, b = _activity("a"), _activity("b", group_ids=(G1, G2))
    membership = Membership.create(tenant=TENANT, source=SourceRef(system="sis", id="m"),
                                   group_id=G1, person_id=PERSON)
    steps: list[list[Any]] = [
        [a, b, membership],
        [a.model_copy(update={"group_ids": (G2,), "rooms": ("B0.13",)})],
        [a.model_copy(update={"group_ids": (G1,), "start": START + timedelta(hours=2),
                              "end": START + timedelta(hours=3)})],
        [membership.model_copy(update={"state": MembershipState.CANCELLED})],
    ]
    for step in steps:
        store.upsert(step)
    store.delete(TENANT, [b.id])
    return EventLog(engine).read(TENANT, limit=100).events  # with their sequence numbers


def _rows(engine: Engine) -> set[tuple[Any, ...]]:
    with engine.connect() as conn:
        rows = {tuple(r) for t in (timetable_index, timetable_index_memberships)
                for r in conn.execute(select(*(c for c in t.c if c.name != "updated_at")))}
        conn.execute(timetable_index.delete())
        conn.execute(timetable_index_memberships.delete())
        conn.commit()
    return rows


def test_one_page_ends_where_one_event_at_a_time_ends(engine: Engine) -> None:
    events = _history(engine)
    with engine.begin() as conn:
        singly = [apply_event(conn, e) for e in events]
    one_by_one = _rows(engine)
    with engine.begin() as conn:
        assert apply_events(conn, events) == sum(singly) == len(events)
    assert _rows(engine) == one_by_one
    seq = {e.entity_version: int(e.seq or 0) for e in events if e.subject == events[0].subject}
    a = events[0].subject
    links = {(r[2], r[3]): r for r in one_by_one if r[1] == a}
    # version 2 moved a to G2 and room B0.13; version 3 moved it back to G1 and B0.12
    assert links[("group", str(G1))][6:10] == (3, "scheduled", False, seq[3])
    assert links[("room", "B0.12")][6:10] == (3, "scheduled", False, seq[3])
    assert links[("group", str(G2))][6:10] == (3, "scheduled", True, seq[3])
    assert links[("room", "B0.13")][8:10] == (True, seq[3])
    assert all(r[8] for r in one_by_one if r[1] == events[1].subject)  # b was deleted
    [member] = [r for r in one_by_one if r[1] == events[2].subject]
    assert member[4] is False  # the membership was cancelled


def test_a_page_replayed_or_older_changes_nothing(engine: Engine) -> None:
    events = _history(engine)
    with engine.begin() as conn:
        apply_events(conn, events)
    with engine.connect() as conn:
        before = set(conn.execute(select(timetable_index)))
    with engine.begin() as conn:
        assert apply_events(conn, events) == 0
        assert apply_events(conn, events[:3]) == 0
    with engine.connect() as conn:
        assert set(conn.execute(select(timetable_index))) == before


def test_a_broken_event_is_skipped_and_the_rest_of_the_page_applied(engine: Engine) -> None:
    events = _history(engine)
    broken = replace(events[0], data={"entity": {"title": ""}})
    with engine.begin() as conn:
        assert apply_events(conn, [broken, *events[1:]]) == len(events) - 1


def test_statements_per_page_do_not_grow_with_its_events(engine: Engine) -> None:
    store = EntityStore(engine, OutboxWriter(TopicNames("mbo")))
    store.upsert([_activity(str(n), rooms=(f"R{n}",)) for n in range(300)])
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "timetable_index" in statement:
            statements.append(statement.split()[0].upper())

    event.listen(engine, "before_cursor_execute", record)
    try:
        assert TimetableProjection(engine, batch_size=1000).catch_up(TENANT) == 300
    finally:
        event.remove(engine, "before_cursor_execute", record)
    # one read of the page's rows, one delete, one insert (+ the cursor's own statements)
    assert statements.count("INSERT") <= 2 and statements.count("DELETE") <= 1
    assert statements.count("UPDATE") <= 2
    with engine.connect() as conn:
        assert len(conn.execute(select(timetable_index)).all()) == 600


def test_group_codes_from_a_page_end_where_one_event_at_a_time_ends(engine: Engine) -> None:
    store = EntityStore(engine, OutboxWriter(TopicNames("mbo")))
    groups = [Group.create(tenant=TENANT, source=SourceRef(system="sis", id=code),
                           group_kind=GroupKind.CLASS, code=code, name=f"Klas {code}")
              for code in ("1A", "1B", "1C")]
    store.upsert(groups)
    store.upsert([groups[0].model_copy(update={"name": "Klas 1A (BOL)"}),  # code stays
                  groups[1].model_copy(update={"code": "1B-BBL"})])
    store.upsert([groups[0].model_copy(update={"code": "1A-BOL"})])
    store.delete(TENANT, [groups[2].id])
    events = EventLog(engine).read(TENANT, limit=100).events

    def rows() -> dict[str, tuple[Any, ...]]:
        with engine.begin() as conn:
            found = {r.group_id: (r.code, r.version, r.seq) for r in
                     conn.execute(select(timetable_index_groups))}
            conn.execute(timetable_index_groups.delete())
        return found

    with engine.begin() as conn:
        assert [apply_event(conn, e) for e in events] == [True] * len(events)
    singly = rows()
    with engine.begin() as conn:
        assert apply_events(conn, events) == len(events)
    with engine.begin() as conn:
        assert apply_events(conn, events) == 0  # replayed: nothing newer
    assert rows() == singly
    seq = {(e.subject, e.entity_version): int(e.seq or 0) for e in events}
    a, b, c = (str(g.id) for g in groups)
    assert singly[a] == ("1A-BOL", 3, seq[(a, 3)])
    assert singly[b] == ("1B-BBL", 2, seq[(b, 2)])
    assert singly[c] == (None, 2, seq[(c, 2)])
    with engine.begin() as conn:  # a version that changed no code keeps the code's stamp
        apply_events(conn, events[:4])
        kept = conn.execute(select(timetable_index_groups.c.seq, timetable_index_groups.c.version)
                            .where(timetable_index_groups.c.group_id == a)).one()
    assert tuple(kept) == (seq[(a, 1)], 2)


def test_membership_dates_are_school_days_from_midnight_in_amsterdam() -> None:
    assert day_start(date(2026, 2, 1)) == datetime(2026, 1, 31, 23, 0, tzinfo=UTC)
    assert day_start(date(2026, 7, 1), days=1) == datetime(2026, 7, 1, 22, 0, tzinfo=UTC)
    assert day_start(None) is None
    assert day_start(date.max, days=1) is None  # "open-ended" as some sources write it
    assert day_start(date.min) is None
