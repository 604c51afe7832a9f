"""The relay on both databases with the in-memory publisher: marks only what was acked."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Engine, func, select

from gateway.errors import RetriableUpstreamError
from gateway.events.outbox import OutboxWriter
from gateway.events.publisher import InMemoryEventPublisher
from gateway.events.relay import OutboxRelay
from gateway.events.topics import TopicNames
from gateway.store.entities import EntityStore
from gateway.store.tables import outbox
from tests import factories


def _unpublished(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(outbox).where(
            outbox.c.published_at.is_(None))).scalar_one())


def _fill(engine: Engine, n: int) -> EntityStore:
    store = EntityStore(engine, OutboxWriter(TopicNames("mbo")))
    store.upsert([factories.offering(ident=str(i)) for i in range(n)])
    return store


def test_publishes_in_batches_and_marks_after_the_ack(engine: Engine) -> None:
    _fill(engine, 25)
    fake = InMemoryEventPublisher()
    relay = OutboxRelay(engine, fake, batch_size=10)
    assert relay.run_once() == 10
    assert _unpublished(engine) == 15
    assert relay.drain() == 15
    assert _unpublished(engine) == 0
    assert relay.run_once() == 0
    assert len(fake.published) == 25
    assert len({m.event_id for m in fake.published}) == 25
    first = fake.published[0]
    assert first.topic == "mbo.roc-a.catalogue"
    assert dict(first.headers)["ce_entityversion"] == b"1"
    assert json.loads(first.value)["entity"]["crebo"] == "25604"


def test_a_failed_publish_marks_nothing_and_is_retried(engine: Engine) -> None:
    _fill(engine, 5)
    fake = InMemoryEventPublisher()
    fake.fail_next = 1
    relay = OutboxRelay(engine, fake)
    with pytest.raises(RetriableUpstreamError):
        relay.run_once()
    assert _unpublished(engine) == 5
    assert fake.published == []
    assert relay.run_once() == 5
    assert _unpublished(engine) == 0


def test_versions_of_one_entity_leave_in_order(engine: Engine) -> None:
    store = _fill(engine, 3)
    for n in range(5):
        store.upsert([factories.offering(ident="1", name=f"v{n}")])
    fake = InMemoryEventPublisher()
    OutboxRelay(engine, fake, batch_size=2).drain()
    key = str(factories.offering(ident="1").id).encode()
    versions = [int(dict(m.headers)["ce_entityversion"]) for m in fake.published
                if m.key == key]
    assert versions == [1, 2, 3, 4, 5, 6]


def test_concurrent_relays_claim_disjoint_lanes(engine: Engine) -> None:
    """Several relays on one database: every event published exactly once, none lost."""
    import threading

    _fill(engine, 300)
    fakes = [InMemoryEventPublisher() for _ in range(3)]
    relays = [OutboxRelay(engine, fake, batch_size=7) for fake in fakes]
    if engine.dialect.name == "sqlite":
        relays = relays[:1]  # one writer at a time on SQLite: the lanes matter on PostgreSQL
    threads = [threading.Thread(target=r.drain) for r in relays]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    OutboxRelay(engine, fakes[0]).drain()  # whatever a relay left when it found no lane
    ids = [m.event_id for fake in fakes for m in fake.published]
    assert len(ids) == len(set(ids)) == 300
    assert _unpublished(engine) == 0
