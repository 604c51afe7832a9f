"""One contract, two publishers: the real Kafka one (on the Tansu broker) and the fake.

Subclasses say how to build a publisher and how to read a topic back; every test here
runs against both, so the fake cannot drift from what Kafka does.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from gateway.errors import RetriableUpstreamError
from gateway.events.envelope import OutboundMessage
from gateway.events.kafka_publisher import KafkaEventPublisher, kafka_client_config
from gateway.events.publisher import EventPublisher, InMemoryEventPublisher

ReadBack = Callable[[str, int], list[tuple[bytes, bytes, dict[str, bytes]]]]


def _messages(topic: str, keys: int, per_key: int) -> list[OutboundMessage]:
    out = []
    for n in range(per_key):
        for k in range(keys):
            out.append(OutboundMessage(
                topic=topic, key=f"entity-{k}".encode(), value=f'{{"n": {n}}}'.encode(),
                headers=[("ce_id", f"{k}-{n}".encode()), ("ce_specversion", b"1.0")],
                event_id=f"{k}-{n}",
            ))
    return out


class PublisherContract:
    @pytest.fixture
    def publisher(self) -> Iterator[EventPublisher]:
        raise NotImplementedError  # pragma: no cover - subclasses provide it

    @pytest.fixture
    def read_back(self) -> ReadBack:
        raise NotImplementedError  # pragma: no cover

    @pytest.fixture
    def broken_publisher(self) -> Iterator[EventPublisher]:
        raise NotImplementedError  # pragma: no cover

    def test_every_message_arrives_with_key_value_and_headers(
        self, publisher: EventPublisher, read_back: ReadBack
    ) -> None:
        topic = f"contract.{uuid.uuid4().hex[:8]}.catalogue"
        sent = _messages(topic, keys=5, per_key=20)
        publisher.publish(sent)
        got = read_back(topic, len(sent))
        assert len(got) == len(sent)
        assert sorted(got) == sorted((m.key, m.value, dict(m.headers)) for m in sent)

    def test_order_is_kept_per_key(self, publisher: EventPublisher, read_back: ReadBack) -> None:
        topic = f"contract.{uuid.uuid4().hex[:8]}.timetable"
        publisher.publish(_messages(topic, keys=3, per_key=30))
        seen: dict[bytes, list[int]] = {}
        for key, value, _ in read_back(topic, 90):
            seen.setdefault(key, []).append(int(value.decode().split(": ")[1].rstrip("}")))
        assert seen == {f"entity-{k}".encode(): list(range(30)) for k in range(3)}

    def test_an_empty_batch_is_a_no_op_and_check_passes(
        self, publisher: EventPublisher
    ) -> None:
        publisher.publish([])
        publisher.check()

    def test_an_unreachable_broker_is_a_retriable_error(
        self, broken_publisher: EventPublisher
    ) -> None:
        with pytest.raises(RetriableUpstreamError):
            broken_publisher.publish(_messages("contract.broken.catalogue", 1, 1))
        with pytest.raises(RetriableUpstreamError):
            broken_publisher.check()


class TestInMemoryPublisher(PublisherContract):
    @pytest.fixture
    def publisher(self) -> Iterator[EventPublisher]:
        yield InMemoryEventPublisher()

    @pytest.fixture
    def read_back(self, publisher: InMemoryEventPublisher) -> ReadBack:
        def read(topic: str, _expected: int) -> list[tuple[bytes, bytes, dict[str, bytes]]]:
            return [(m.key, m.value, dict(m.headers)) for m in publisher.on_topic(topic)]

        return read

    @pytest.fixture
    def broken_publisher(self) -> Iterator[EventPublisher]:
        fake = InMemoryEventPublisher()
        fake.close()  # a closed fake behaves like an unreachable broker
        yield fake


def consume(bootstrap: str, topic: str, expected: int, timeout: float = 30.0) -> list[Any]:
    """Read a topic from the start until ``expected`` records arrived (no end offsets)."""
    from kafka import KafkaConsumer

    consumer = KafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest",
                             enable_auto_commit=False, group_id=None)
    records: list[Any] = []
    deadline = time.monotonic() + timeout
    try:
        while len(records) < expected and time.monotonic() < deadline:
            for batch in consumer.poll(timeout_ms=500).values():
                records.extend(batch)
    finally:
        consumer.close()
    return records


@pytest.mark.kafka
class TestKafkaPublisher(PublisherContract):
    @pytest.fixture
    def publisher(self, kafka_bootstrap: str) -> Iterator[EventPublisher]:
        pub = KafkaEventPublisher(kafka_client_config(kafka_bootstrap), partitions=3)
        yield pub
        pub.close()

    @pytest.fixture
    def read_back(self, kafka_bootstrap: str) -> ReadBack:
        def read(topic: str, expected: int) -> list[tuple[bytes, bytes, dict[str, bytes]]]:
            return [(r.key, r.value, dict(r.headers)) for r in consume(
                kafka_bootstrap, topic, expected)]

        return read

    @pytest.fixture
    def broken_publisher(self) -> Iterator[EventPublisher]:
        import socket

        with socket.socket() as s:  # a port nobody listens on
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        pub = KafkaEventPublisher(
            kafka_client_config(f"127.0.0.1:{port}"), ack_timeout=3.0, create_topics=False
        )
        yield pub
        pub.close()

