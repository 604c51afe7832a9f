"""``gateway events tail``: JSON lines of one tenant's events, by cursor, optionally following."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine

from gateway.events.log import EventLog
from gateway.events.outbox import OutboxWriter
from gateway.events.tail import tail
from gateway.events.topics import TopicNames
from gateway.store.engine import make_engine
from gateway.store.entities import EntityStore
from gateway.store.migrate import upgrade
from tests import factories


@pytest.fixture
def engine(sqlite_url: str) -> Iterator[Engine]:
    eng = make_engine(sqlite_url)
    upgrade(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def store(engine: Engine) -> EntityStore:
    store = EntityStore(engine, OutboxWriter(TopicNames("mbo")))
    store.upsert(factories.one_of_each("roc-a"))  # one event per kind
    store.upsert(factories.one_of_each("roc-b"))
    return store


def _lines(out: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_prints_every_event_of_the_tenant_as_a_structured_cloudevent(
    engine: Engine, store: EntityStore
) -> None:
    log, out = EventLog(engine), io.StringIO()
    cursor = tail(log, "roc-a", out=out)
    lines = _lines(out)
    expected = log.read("roc-a", limit=1000).events
    assert [line["id"] for line in lines] == [e.event_id for e in expected]
    assert {line["tenant"] for line in lines} == {"roc-a"}
    assert all(line["specversion"] == "1.0" and "data" in line for line in lines)
    assert lines[0]["type"] == expected[0].type
    assert cursor == log.head("roc-a")


def test_resumes_after_a_cursor_without_loss_or_repeat(
    engine: Engine, store: EntityStore
) -> None:
    log, seen = EventLog(engine), []
    cursor = 0
    for _ in range(5):  # 3 + 3 + 3 + 1 + 0
        out = io.StringIO()
        cursor = tail(log, "roc-a", after=cursor, out=out, limit=3)
        seen += [line["id"] for line in _lines(out)]
    assert seen == [e.event_id for e in log.read("roc-a", limit=1000).events]
    assert cursor == log.head("roc-a")


def test_an_empty_log_prints_nothing_and_keeps_the_cursor(engine: Engine) -> None:
    out = io.StringIO()
    assert tail(EventLog(engine), "roc-a", after=7, out=out) == 7
    assert out.getvalue() == ""


def test_follow_waits_for_new_events_and_stops_after_the_limit(
    engine: Engine, store: EntityStore
) -> None:
    waits: list[float] = []

    def sleep(seconds: float) -> None:  # a new change arrives while tail waits
        waits.append(seconds)
        if len(waits) == 1:
            store.upsert([factories.offering("roc-a", ident=f"new-{n}") for n in range(2)])
        if len(waits) == 2:
            store.upsert([factories.offering("roc-a", ident="new-late")])

    out = io.StringIO()
    limit = len(factories.one_of_each("roc-a")) + 3  # the stored ones and the three new
    tail(EventLog(engine), "roc-a", follow=True, poll=0.25, out=out, limit=limit, sleep=sleep)
    lines = _lines(out)
    assert len(lines) == limit
    assert waits == [0.25, 0.25]
    assert [line["subject"] for line in lines[-3:]] == [
        str(factories.offering("roc-a", ident=i).id) for i in ("new-0", "new-1", "new-late")
    ]


def test_writes_to_standard_output_by_default(
    engine: Engine, store: EntityStore, capsys: pytest.CaptureFixture[str]
) -> None:
    tail(EventLog(engine), "roc-b", limit=2)
    lines = capsys.readouterr().out.splitlines()
    assert [json.loads(line)["tenant"] for line in lines] == ["roc-b", "roc-b"]
