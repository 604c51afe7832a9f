"""Kafka publisher through kafka-python: idempotent producer, ``acks=all``, acks awaited."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Sequence
from typing import Any

from kafka import KafkaAdminClient, KafkaProducer
from kafka.admin import NewTopic
from kafka.errors import TopicAlreadyExistsError

from gateway.errors import RetriableUpstreamError
from gateway.events.envelope import OutboundMessage
from gateway.events.kafka_errors import map_kafka_errors

__all__ = ["KafkaEventPublisher", "kafka_client_config"]


def kafka_client_config(
    bootstrap_servers: str,
    *,
    security_protocol: str = "PLAINTEXT",
    sasl_mechanism: str | None = None,
    sasl_username: str | None = None,
    sasl_password: str | None = None,
    ssl_cafile: str | None = None,
) -> dict[str, Any]:
    """The connection part of a kafka-python config, shared by producer and admin."""
    config: dict[str, Any] = {
        "bootstrap_servers": bootstrap_servers.split(","),
        "security_protocol": security_protocol,
        "client_id": "mbo-gateway",
    }
    if sasl_mechanism:
        config.update(
            sasl_mechanism=sasl_mechanism,
            sasl_plain_username=sasl_username,
            sasl_plain_password=sasl_password,
        )
    if ssl_cafile:
        config["ssl_cafile"] = ssl_cafile
    return config


class KafkaEventPublisher:
    """Publishes to Kafka and waits for every acknowledgement before returning.

    The producer is idempotent (no duplicates from its own retries, order kept per
    partition) and waits for all in-sync replicas (``acks=all``).

    Example::

        publisher = KafkaEventPublisher(kafka_client_config("kafka:9092"))
        publisher.publish(messages)   # returns once the broker has acknowledged all of them
    """

    def __init__(
        self,
        client_config: dict[str, Any],
        *,
        create_topics: bool = True,
        partitions: int = 3,
        replication_factor: int = 1,
        ack_timeout: float = 30.0,
    ) -> None:
        self._config = client_config
        self._create_topics = create_topics
        self._partitions = partitions
        self._replication = replication_factor
        self._ack_timeout = ack_timeout
        self._known_topics: set[str] = set()
        self._producer: KafkaProducer | None = None
        self._lock = threading.Lock()

    def _probe(self) -> None:
        """Fail fast (and without kafka-python's half-open sockets) when no broker listens."""
        errors = []
        for server in self._config["bootstrap_servers"]:
            host, _, port = server.strip().rpartition(":")
            try:
                with socket.create_connection((host.strip("[]"), int(port)), timeout=3):
                    return
            except (OSError, ValueError) as exc:
                errors.append(f"{server}: {exc}")
        raise RetriableUpstreamError("no Kafka broker reachable: " + "; ".join(errors))

    def _ensure_producer(self) -> KafkaProducer:
        if self._producer is None:
            self._probe()
            with map_kafka_errors("connecting the Kafka producer"):
                self._producer = KafkaProducer(
                    **self._config,
                    acks="all",
                    enable_idempotence=True,
                    max_in_flight_requests_per_connection=5,
                    retries=2**31 - 1,
                    linger_ms=5,
                    max_block_ms=int(self._ack_timeout * 1000),
                    bootstrap_timeout_ms=int(self._ack_timeout * 1000),
                    delivery_timeout_ms=int(self._ack_timeout * 1000),
                    request_timeout_ms=min(int(self._ack_timeout * 1000) - 1000, 15_000),
                )
        return self._producer

    def ensure_topics(self, topics: Sequence[str]) -> None:
        """Create missing topics (when allowed); production may pre-create them with ACLs."""
        missing = [t for t in topics if t not in self._known_topics]
        if not missing or not self._create_topics:
            self._known_topics.update(missing)
            return
        self._probe()
        with map_kafka_errors("creating Kafka topics"):
            admin = KafkaAdminClient(**self._config)
            try:
                existing = set(admin.list_topics())
                new = [
                    NewTopic(t, self._partitions, self._replication)
                    for t in missing
                    if t not in existing
                ]
                if new:
                    with contextlib.suppress(TopicAlreadyExistsError):  # another replica won
                        admin.create_topics(new)
            finally:
                admin.close()
        self._known_topics.update(missing)

    def publish(self, messages: Sequence[OutboundMessage]) -> None:
        if not messages:
            return
        with self._lock:
            self.ensure_topics(sorted({m.topic for m in messages}))
            producer = self._ensure_producer()
            try:
                with map_kafka_errors("publishing to Kafka"):
                    futures = [
                        producer.send(m.topic, key=m.key, value=m.value, headers=m.headers)
                        for m in messages
                    ]
                    producer.flush(timeout=self._ack_timeout)
                    for future in futures:
                        future.get(timeout=self._ack_timeout)
            except RetriableUpstreamError:
                # start the next attempt on a fresh producer: a failed idempotent
                # producer may hold a sequence state the broker no longer accepts
                self._discard_producer()
                raise

    def check(self) -> None:
        self._probe()
        with map_kafka_errors("checking the Kafka broker"):
            admin = KafkaAdminClient(
                **self._config, request_timeout_ms=5000, bootstrap_timeout_ms=5000
            )
            try:
                admin.list_topics()
            finally:
                admin.close()

    def _discard_producer(self, timeout: float = 0) -> None:
        producer, self._producer = self._producer, None
        if producer is not None:
            with map_kafka_errors("closing the Kafka producer"):
                producer.close(timeout=timeout)

    def close(self) -> None:
        with self._lock:
            self._discard_producer(timeout=5)
