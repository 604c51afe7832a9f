"""The real-component fixtures work: a Kafka round trip, fresh PostgreSQL databases.

These tests guard the test infrastructure itself, so a broken fixture shows up
here with a plain message rather than as odd failures across the suite.
"""

from __future__ import annotations

import time
import uuid
from collections import defaultdict

import pytest
import sqlalchemy as sa

MESSAGES = 100
PARTITIONS = 3


@pytest.mark.kafka
def test_kafka_round_trip(kafka_bootstrap: str) -> None:
    """100 keyed messages produced with acks=all and idempotence all come back.

    Consumes from offset 0 until all arrived or 20 s passed; Tansu's end
    offsets are not trustworthy, so they are not used.
    """
    from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
    from kafka.admin import NewTopic

    topic = f"infra-{uuid.uuid4().hex[:12]}"
    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    try:
        admin.create_topics([NewTopic(topic, num_partitions=PARTITIONS, replication_factor=1)])
    finally:
        admin.close()

    producer = KafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all", enable_idempotence=True)
    try:
        futures = [
            producer.send(topic, key=f"k{i % 7}".encode(), value=str(i).encode())
            for i in range(MESSAGES)
        ]
        producer.flush(timeout=20)
        for future in futures:
            future.get(timeout=10)
    finally:
        producer.close(timeout=10)

    consumer = KafkaConsumer(
        bootstrap_servers=kafka_bootstrap, group_id=None, enable_auto_commit=False
    )
    received: dict[bytes, list[int]] = defaultdict(list)
    try:
        partitions = [TopicPartition(topic, p) for p in range(PARTITIONS)]
        consumer.assign(partitions)
        for tp in partitions:
            consumer.seek(tp, 0)
        deadline = time.monotonic() + 20
        count = 0
        while count < MESSAGES and time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=500).values():
                for record in records:
                    received[record.key].append(int(record.value))
                    count += 1
    finally:
        consumer.close()

    values = sorted(v for per_key in received.values() for v in per_key)
    assert values == list(range(MESSAGES)), f"got {len(values)} of {MESSAGES} messages"
    for key, per_key in received.items():  # one key -> one partition -> in order
        assert per_key == sorted(per_key), f"key {key!r} out of order"


_seen_databases: set[str] = set()


@pytest.mark.postgres
def test_postgres_version(postgres_url: str) -> None:
    """The URL works with SQLAlchemy + psycopg 3 against a real server."""
    assert postgres_url.startswith("postgresql+psycopg://")
    engine = sa.create_engine(postgres_url)
    try:
        with engine.connect() as conn:
            version = conn.execute(sa.text("select version()")).scalar_one()
    finally:
        engine.dispose()
    assert version.startswith("PostgreSQL ")


@pytest.mark.postgres
@pytest.mark.parametrize("run", [1, 2])
def test_postgres_database_is_fresh_per_test(postgres_url: str, run: int) -> None:
    """Each test gets its own empty database: what one test writes, the next never sees."""
    engine = sa.create_engine(postgres_url)
    try:
        assert sa.inspect(engine).get_table_names() == []
        with engine.begin() as conn:
            name = conn.execute(sa.text("select current_database()")).scalar_one()
            conn.execute(sa.text("create table leftover (run int)"))
            conn.execute(sa.text("insert into leftover values (:run)"), {"run": run})
    finally:
        engine.dispose()
    assert name not in _seen_databases
    _seen_databases.add(name)


def test_sqlite_url(sqlite_url: str) -> None:
    """``sqlite_url`` points at a file in the test's own temporary directory."""
    engine = sa.create_engine(sqlite_url)
    try:
        with engine.begin() as conn:
            assert conn.execute(sa.text("select 1")).scalar_one() == 1
    finally:
        engine.dispose()
    assert sqlite_url.endswith("/gateway.db")
