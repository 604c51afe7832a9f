"""Outbox-to-broker publish rate: the relay against a bare kafka-python producer.

Raw limit: ``KafkaProducer(acks="all", enable_idempotence=True, linger_ms=5)`` sending the
same N messages (built by writing N events into an outbox and converting them with
``to_message``), flushing and checking every acknowledgement. Gateway: ``OutboxRelay.drain()``
over a fresh database holding those N unpublished rows. Each side uses its own topic prefix;
every run is done twice and the best counts (the first warms up).
"""

from __future__ import annotations

import time
from pathlib import Path

from kafka import KafkaAdminClient, KafkaProducer
from kafka.admin import NewTopic
from sqlalchemy import Engine, func, select

from bench.common import BATCH, FIXED_NOW, TENANTS, chunks, database, heading, offerings, row
from gateway.domain import ProgrammeOffering
from gateway.domain.base import Domain
from gateway.events.envelope import OutboundMessage, to_message
from gateway.events.kafka_publisher import KafkaEventPublisher, kafka_client_config
from gateway.events.outbox import OutboxEvent, OutboxWriter
from gateway.events.relay import OutboxRelay
from gateway.events.topics import TopicNames
from gateway.events.types import Change, event_type
from gateway.store.tables import outbox
from gateway.testing.postgres import PostgresServer
from gateway.testing.tansu import TansuBroker

__all__ = ["run"]

TARGET = 0.7
REPEATS = 2
PARTITIONS = 3  # what KafkaEventPublisher creates; pre-created for both sides alike
PREFIXES = {"raw": "bench-raw", "postgresql": "bench-pg", "sqlite": "bench-sqlite"}


def fill_outbox(engine: Engine, prefix: str, items: list[ProgrammeOffering]) -> None:
    """Write one unpublished ``upserted`` event per item, as the store would."""
    writer = OutboxWriter(TopicNames(prefix))
    type_ = event_type(ProgrammeOffering, Change.UPSERTED)
    for batch in chunks(items):
        events = []
        for item in batch:
            state = item.snapshot()
            events.append(writer.entity_event(
                tenant=item.tenant, domain=item.domain, type_=type_,
                source_system=item.source.system, entity=item.id, version=1,
                data={"entity": state, "changedFields": sorted(state)}, now=FIXED_NOW,
            ))
        with engine.begin() as conn:
            writer.write(conn, events)


def raw_messages(items: list[ProgrammeOffering]) -> list[OutboundMessage]:
    """The messages the relay would send, read back from an outbox (scratch SQLite)."""
    with database("sqlite", None) as engine:
        fill_outbox(engine, PREFIXES["raw"], items)
        with engine.connect() as conn:
            rows = conn.execute(select(outbox).order_by(outbox.c.seq)).all()
    return [to_message(OutboxEvent.from_row(r)) for r in rows]


def create_topics(bootstrap: str) -> None:
    admin = KafkaAdminClient(**kafka_client_config(bootstrap))
    try:
        admin.create_topics([
            NewTopic(TopicNames(prefix).for_domain(tenant, Domain.CATALOGUE), PARTITIONS, 1)
            for prefix in PREFIXES.values()
            for tenant in TENANTS
        ])
    finally:
        admin.close()


def publish_raw(bootstrap: str, messages: list[OutboundMessage]) -> float:
    """Seconds for a bare producer to send, flush and confirm every message."""
    start = time.perf_counter()
    producer = KafkaProducer(
        **kafka_client_config(bootstrap), acks="all", enable_idempotence=True, linger_ms=5
    )
    try:
        futures = [
            producer.send(m.topic, key=m.key, value=m.value, headers=m.headers)
            for m in messages
        ]
        producer.flush()
        for future in futures:
            future.get()
        seconds = time.perf_counter() - start
    finally:
        producer.close(timeout=5)
    return seconds


def publish_gateway(
    bootstrap: str, kind: str, server: PostgresServer | None, items: list[ProgrammeOffering]
) -> float:
    """Seconds for ``OutboxRelay.drain()`` to publish a fresh outbox of ``items``."""
    with database(kind, server) as engine:
        fill_outbox(engine, PREFIXES[kind], items)
        publisher = KafkaEventPublisher(kafka_client_config(bootstrap))
        try:
            relay = OutboxRelay(engine, publisher, batch_size=BATCH)
            start = time.perf_counter()
            published = relay.drain()
            seconds = time.perf_counter() - start
        finally:
            publisher.close()
        with engine.connect() as conn:
            left = conn.scalar(
                select(func.count()).select_from(outbox).where(outbox.c.published_at.is_(None))
            )
    assert published == len(items), f"relay published {published} of {len(items)}"
    assert left == 0, f"{left} rows left unpublished"
    return seconds


def peak_rss_mib(pid: int) -> float | None:
    """A process's peak resident set (``VmHWM``) from /proc, where there is one."""
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return None


def run(server: PostgresServer, n: int = 20_000) -> None:
    items = offerings(n)
    messages = raw_messages(items)
    assert len(messages) == n
    size = sum(len(m.value) + len(m.key) for m in messages) / n
    with TansuBroker() as broker:
        bootstrap = broker.bootstrap_servers
        heading(
            f"publish: outbox -> Kafka-protocol broker (Tansu, {bootstrap}); {n:,} messages, "
            f"{len(TENANTS)} tenants, ~{size:,.0f} B key+value each, best of {REPEATS}"
        )
        create_topics(bootstrap)
        times: dict[str, list[float]] = {"raw": [], "postgresql": [], "sqlite": []}
        for _ in range(REPEATS):
            times["raw"].append(publish_raw(bootstrap, messages))
            times["postgresql"].append(publish_gateway(bootstrap, "postgresql", server, items))
            times["sqlite"].append(publish_gateway(bootstrap, "sqlite", None, items))
        broker_peak = peak_rss_mib(broker.pid)
    runs = {k: ", ".join(f"{s:.2f}" for s in v) for k, v in times.items()}
    limit = row("raw kafka-python producer (limit)", n, min(times["raw"]), "msgs/s",
                extra=f"runs: {runs['raw']} s")
    row("gateway relay, PostgreSQL", n, min(times["postgresql"]), "msgs/s", limit=limit,
        target=TARGET, extra=f"runs: {runs['postgresql']} s")
    row("gateway relay, SQLite (information)", n, min(times["sqlite"]), "msgs/s", limit=limit,
        extra=f"runs: {runs['sqlite']} s")
    if broker_peak is not None:
        print(f"  broker peak RSS (VmHWM, memory storage, {3 * REPEATS * n:,} messages held): "
              f"{broker_peak:,.1f} MiB")
