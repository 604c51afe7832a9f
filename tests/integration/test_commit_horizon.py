"""No event is lost when outbox rows commit out of sequence order.

On PostgreSQL, T1 takes a lower ``seq`` than T2 and commits after it. Every cursor reader
(the event log, a TenantCursors follower, ``GET /events``) must neither move past T1's
``seq`` while T1 is open nor wait for ever on one that rolled back. On SQLite a second
writer cannot even start while T1 is open, so ids commit in order there.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from uuid import UUID

import httpx
import pytest
from sqlalchemy import Connection, Engine, select, text

from gateway.api.app import create_app
from gateway.api.auth.tokens import TokenIssuer
from gateway.api.testing import TENANT_A, TENANT_B, settings_for_tests
from gateway.bootstrap import Gateway, bootstrap
from gateway.domain import SourceRef
from gateway.domain.rostering import TimetableActivity
from gateway.errors import ConfigurationError
from gateway.events.commit_horizon import CommitHorizon
from gateway.events.log import EventLog
from gateway.events.outbox import OutboxWriter
from gateway.events.publisher import InMemoryEventPublisher
from gateway.events.topics import TopicNames
from gateway.store.engine import make_engine
from gateway.store.entities import EntityStore
from gateway.store.migrate import upgrade
from gateway.store.tables import outbox
from gateway.store.timetable_index import FeedTarget, TargetKind, TimetableIndex
from gateway.store.timetable_projection import TimetableProjection
from tests import factories

GROUP = UUID("11111111-1111-4111-8111-111111111111")
START = datetime(2026, 9, 7, 8, 0, tzinfo=UTC)


@pytest.fixture
def pg_engine(postgres_url: str) -> Iterator[Engine]:
    engine = make_engine(postgres_url)
    upgrade(engine)
    yield engine
    engine.dispose()


def _store(engine: Engine) -> EntityStore:
    return EntityStore(engine, OutboxWriter(TopicNames("mbo")))


def _write_open(store: EntityStore, conn: Connection, ident: str, tenant: str = TENANT_A) -> str:
    """T1: write an offering's event on ``conn`` and leave it uncommitted; its event id."""
    return store.upsert_in(conn, [factories.offering(tenant, ident=ident)]).events[0].event_id


def _write(store: EntityStore, ident: str, tenant: str = TENANT_A) -> str:
    return store.upsert([factories.offering(tenant, ident=ident)]).events[0].event_id


def _seq(conn: Connection, event_id: str) -> int:
    return int(conn.execute(select(outbox.c.seq).where(outbox.c.event_id == event_id))
               .scalar_one())


def test_a_late_commit_is_read_exactly_once(pg_engine: Engine) -> None:
    store, log = _store(pg_engine), EventLog(pg_engine)
    seen = [e.event_id for e in log.read(TENANT_A, after=0).events]
    _write(store, "o0")
    start = log.read(TENANT_A, after=0)
    seen += [e.event_id for e in start.events]
    with pg_engine.connect() as t1:
        early = _write_open(store, t1, "o1")
        late = _write(store, "o2")  # T2 commits first, with the higher seq
        with pg_engine.connect() as conn:
            assert _seq(t1, early) < _seq(conn, late)
        held = log.read(TENANT_A, after=start.cursor)
        assert held.events == [] and held.cursor == start.cursor
        assert log.head(TENANT_A) == start.cursor
        t1.commit()
    page = log.read(TENANT_A, after=held.cursor)
    assert [e.event_id for e in page.events] == [early, late]
    seen += [e.event_id for e in page.events]
    assert log.read(TENANT_A, after=page.cursor).events == []
    assert log.head(TENANT_A) == page.cursor
    assert len(seen) == len(set(seen)) == 3


def test_a_rolled_back_writer_does_not_hold_readers(pg_engine: Engine) -> None:
    store, log = _store(pg_engine), EventLog(pg_engine)
    with pg_engine.connect() as t1:
        _write_open(store, t1, "o1")
        late = _write(store, "o2")
        assert log.read(TENANT_A).events == []
        t1.rollback()
    assert [e.event_id for e in log.read(TENANT_A).events] == [late]


def test_overlapping_writers_do_not_stall_the_reader(pg_engine: Engine) -> None:
    """The horizon moves when the writers seen open have ended, not when none is open."""
    store, log = _store(pg_engine), EventLog(pg_engine)
    with pg_engine.connect() as t1, pg_engine.connect() as t3:
        first = _write_open(store, t1, "o1")
        second = _write(store, "o2")
        assert log.read(TENANT_A).events == []
        third = _write_open(store, t3, "o3", tenant=TENANT_B)  # another tenant's writer
        t1.commit()
        page = log.read(TENANT_A)
        assert [e.event_id for e in page.events] == [first, second]  # t3 still open
        fourth = _write(store, "o4")
        assert log.read(TENANT_A, after=page.cursor).events == []  # t3's seq is below it
        t3.commit()
    assert [e.event_id for e in log.read(TENANT_A, after=page.cursor).events] == [fourth]
    assert [e.event_id for e in log.read(TENANT_B).events] == [third]


def test_a_writer_holding_a_stronger_lock_still_holds_readers(pg_engine: Engine) -> None:
    """The horizon looks for ROW EXCLUSIVE; an inserting transaction holds it in any case."""
    store, log = _store(pg_engine), EventLog(pg_engine)
    with pg_engine.connect() as t1:
        t1.execute(text("LOCK TABLE outbox IN SHARE UPDATE EXCLUSIVE MODE"))  # T2 may insert
        early = _write_open(store, t1, "o1")
        late = _write(store, "o2")
        assert log.read(TENANT_A).events == []
        t1.commit()
    assert [e.event_id for e in log.read(TENANT_A).events] == [early, late]


def test_a_cached_sequence_is_refused(pg_engine: Engine) -> None:
    """A backend's sequence cache would hand out numbers below the horizon later."""
    with pg_engine.begin() as conn:
        sequence = conn.execute(text("SELECT pg_get_serial_sequence('outbox', 'seq')")).scalar()
        conn.execute(text(f"ALTER SEQUENCE {sequence} CACHE 20"))
    with pytest.raises(ConfigurationError, match="CACHE 1"):
        _safe(pg_engine)


def _safe(engine: Engine) -> int | None:
    with engine.connect() as conn:
        return CommitHorizon(engine).safe(conn)


def _activity(ident: str) -> TimetableActivity:
    activity: TimetableActivity = TimetableActivity.create(
        tenant=TENANT_A, source=SourceRef(system="rooster", id=ident), title="Rekenen",
        start=START, end=START + timedelta(hours=1), group_ids=(GROUP,))
    return activity


def test_a_cursor_follower_indexes_a_late_commit(pg_engine: Engine) -> None:
    """The timetable projection (TenantCursors, cursor moved to the head) misses nothing."""
    store, projection = _store(pg_engine), TimetableProjection(pg_engine)
    index, group = TimetableIndex(pg_engine), FeedTarget(TENANT_A, TargetKind.GROUP, str(GROUP))
    early, late = _activity("a1"), _activity("a2")

    def indexed() -> list[str]:
        return index.activity_ids(group, start=START - timedelta(days=1),
                                  end=START + timedelta(days=1))

    with pg_engine.connect() as t1:
        store.upsert_in(t1, [early])
        store.upsert([late])
        projection.catch_up(TENANT_A)
        assert indexed() == []
        t1.commit()
    projection.catch_up(TENANT_A)
    assert indexed() == sorted([str(early.id), str(late.id)])


@pytest.fixture
def pg_gateway(pg_engine: Engine) -> Iterator[Gateway]:
    gateway = bootstrap(settings_for_tests(), engine=pg_engine,
                        publisher=InMemoryEventPublisher())
    yield gateway
    gateway.close()


@pytest.fixture
async def reader(pg_gateway: Gateway) -> AsyncIterator[httpx.AsyncClient]:
    token = TokenIssuer(pg_gateway.settings).issue("reader-a", TENANT_A, ["events:read"])
    transport = httpx.ASGITransport(app=create_app(pg_gateway))
    async with httpx.AsyncClient(
        transport=transport, base_url="http://testserver",
        headers={"Authorization": f"Bearer {token.access_token}"},
    ) as client:
        yield client


@pytest.mark.anyio
async def test_http_paging_does_not_skip_a_late_commit(
    pg_gateway: Gateway, reader: httpx.AsyncClient
) -> None:
    store = pg_gateway.store
    with pg_gateway.engine.connect() as t1:
        early = _write_open(store, t1, "o1")
        late = _write(store, "o2")
        held = (await reader.get("/events", params={"after": 0})).json()
        assert held["events"] == [] and held["cursor"] == 0
        t1.commit()
    page = (await reader.get(held["next"])).json()
    assert [e["id"] for e in page["events"]] == [early, late]
    assert (await reader.get(page["next"])).json()["events"] == []


def test_sqlite_admits_one_writer_at_a_time(sqlite_url: str) -> None:
    """Why SQLite needs no horizon: a second writer cannot begin until T1 ends."""
    engine = make_engine(sqlite_url)
    try:
        upgrade(engine)
        store = _store(engine)
        with engine.connect() as t1:
            _write_open(store, t1, "o1")
            assert CommitHorizon.of(engine).safe(t1) is None
            second = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), timeout=0)
            try:
                with pytest.raises(sqlite3.OperationalError, match="locked"):
                    second.execute("BEGIN IMMEDIATE")
            finally:
                second.close()
            t1.commit()
        assert len(EventLog(engine).read(TENANT_A).events) == 1
    finally:
        engine.dispose()
