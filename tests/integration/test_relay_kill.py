"""The guarantee, shown: relays killed with SIGKILL again and again lose nothing.

Two tenants write thousands of events into the outbox on PostgreSQL while relay
processes (two at a time, sharing the database) publish them to a real Kafka-protocol
broker and are killed with SIGKILL at random moments, at least 20 times. Then every topic
is read back and checked: 0 events lost, duplicates only as the same event id with the
same content, per-entity order kept (after dropping duplicates by id, as consumers do),
and 0 events on another tenant's topic.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from gateway.events.outbox import OutboxWriter
from gateway.events.topics import TopicNames
from gateway.store.engine import make_engine
from gateway.store.entities import EntityStore
from gateway.store.migrate import upgrade
from gateway.store.tables import outbox
from tests import factories

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.slow]

TENANTS = ("roc-a", "roc-b")
ENTITIES_PER_TENANT = 60
ROUNDS = 40  # each round changes every entity once: 2 x 60 x 40 = 4,800 events
MIN_KILLS = 24


def _relay(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "gateway.cli", "relay"], env=env, stdout=out,
            stderr=subprocess.STDOUT, start_new_session=True,
        )


def _write(store: EntityStore, stop_after: float) -> None:
    """Change every entity of both tenants once per round, spread over ``stop_after`` s."""
    pause = stop_after / ROUNDS
    for rnd in range(ROUNDS):
        for tenant in TENANTS:
            store.upsert([
                factories.offering(tenant=tenant, ident=f"o{n}", name=f"round {rnd}")
                for n in range(ENTITIES_PER_TENANT)
            ])
        time.sleep(pause)


def _read_all(bootstrap: str, topic: str, expected: set[str], timeout: float = 60) -> list[Any]:
    """Every record of a topic: until all expected ids arrived, then 2 s more for duplicates.

    Counting ids, not records, so duplicates cannot hide a lost event; no end offsets
    (the test broker's are not faithful).
    """
    from kafka import KafkaConsumer

    consumer = KafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest",
                             enable_auto_commit=False, group_id=None)
    records: list[Any] = []
    seen: set[str] = set()
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            for batch in consumer.poll(timeout_ms=500).values():
                records.extend(batch)
                seen.update(dict(r.headers)["ce_id"].decode() for r in batch)
            if expected <= seen:
                deadline = min(deadline, time.monotonic() + 2)
    finally:
        consumer.close()
    return records


def _unpublished(engine: Any) -> int:
    with engine.connect() as conn:
        return int(conn.execute(
            select(func.count()).select_from(outbox).where(outbox.c.published_at.is_(None))
        ).scalar_one())


def test_sigkilled_relays_lose_nothing_and_keep_order(
    postgres_url: str, kafka_bootstrap: str, tmp_path: Path
) -> None:
    prefix = f"kill{uuid.uuid4().hex[:6]}"
    engine = make_engine(postgres_url)
    upgrade(engine)
    store = EntityStore(engine, OutboxWriter(TopicNames(prefix)))
    env = {
        **os.environ,
        "GATEWAY_DATABASE_URL": postgres_url,
        "GATEWAY_KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "GATEWAY_TOPIC_PREFIX": prefix,
        "GATEWAY_TOKEN_SECRET": uuid.uuid4().hex * 2,
        "GATEWAY_RELAY_BATCH_SIZE": "40",
        "GATEWAY_RELAY_POLL_INTERVAL": "0.05",
        "GATEWAY_LOG_LEVEL": "WARNING",
    }
    log = tmp_path / "relays.log"
    rng = random.Random(20261122)
    writer = threading.Thread(target=_write, args=(store, 20.0))
    writer.start()

    relays = [_relay(env, log), _relay(env, log)]
    kills = 0
    try:
        while writer.is_alive() or kills < MIN_KILLS:
            time.sleep(rng.uniform(0.2, 0.9))
            victim = rng.randrange(len(relays))
            crashed = [p.returncode for p in relays if p.poll() is not None]
            assert not crashed, f"a relay exited by itself: {log.read_text()[-3000:]}"
            os.killpg(relays[victim].pid, signal.SIGKILL)
            relays[victim].wait()
            kills += 1
            relays[victim] = _relay(env, log)
        writer.join()
        deadline = time.monotonic() + 90
        while _unpublished(engine) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _unpublished(engine) == 0, log.read_text()[-3000:]
    finally:
        for proc in relays:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
        writer.join()

    with engine.connect() as conn:
        rows = conn.execute(select(outbox.c.tenant, outbox.c.event_id, outbox.c.topic)).all()
    engine.dispose()
    expected = {tenant: {r.event_id for r in rows if r.tenant == tenant} for tenant in TENANTS}
    written = sum(len(ids) for ids in expected.values())
    assert written == len(TENANTS) * ENTITIES_PER_TENANT * ROUNDS

    received: dict[str, list[Any]] = {}
    for tenant in TENANTS:
        topic = TopicNames(prefix).for_domain(tenant, "catalogue")
        received[tenant] = _read_all(kafka_bootstrap, topic, expected[tenant])

    lost = duplicates = conflicting = out_of_order = foreign = 0
    for tenant, records in received.items():
        first_value: dict[str, bytes] = {}
        versions: dict[bytes, list[int]] = defaultdict(list)
        for rec in records:  # per partition in offset order; one key is on one partition
            headers = {k: v.decode() for k, v in rec.headers}
            ident = headers["ce_id"]
            if headers["ce_tenant"] != tenant or ident not in expected[tenant]:
                foreign += 1
                continue
            if ident in first_value:
                duplicates += 1
                conflicting += first_value[ident] != rec.value
                continue
            first_value[ident] = rec.value
            versions[rec.key].append(int(headers["ce_entityversion"]))
        lost += len(expected[tenant] - first_value.keys())
        out_of_order += sum(v != sorted(v) or len(set(v)) != len(v) for v in versions.values())
        for other in TENANTS:
            if other != tenant:
                other_topics = [TopicNames(prefix).for_domain(other, "catalogue")]
                assert not any(t in other_topics for t in {r.topic for r in records})

    print(json.dumps({
        "kills": kills, "events_written": written,
        "records_read": sum(len(r) for r in received.values()), "lost": lost,
        "duplicates_same_id": duplicates, "duplicates_with_other_content": conflicting,
        "entities_out_of_order": out_of_order, "on_other_tenants_topic": foreign,
    }))
    assert kills >= MIN_KILLS
    assert (lost, conflicting, out_of_order, foreign) == (0, 0, 0, 0)
