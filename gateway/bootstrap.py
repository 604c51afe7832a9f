"""The composition root: builds the gateway's parts from settings; tests pass fakes instead."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Engine

from gateway.events.kafka_publisher import KafkaEventPublisher, kafka_client_config
from gateway.events.log import EventLog
from gateway.events.outbox import OutboxWriter
from gateway.events.publisher import EventPublisher
from gateway.events.relay import OutboxRelay
from gateway.events.topics import TopicNames
from gateway.settings import Settings
from gateway.store.engine import make_engine
from gateway.store.entities import EntityStore

__all__ = ["Gateway", "bootstrap"]


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class Gateway:
    """Everything a use case, the API or the CLI needs, built once."""

    settings: Settings
    engine: Engine
    topics: TopicNames
    store: EntityStore
    event_log: EventLog
    publisher: EventPublisher | None
    relay: OutboxRelay | None
    clock: Callable[[], datetime] = field(default=_utcnow)

    def close(self) -> None:
        if self.publisher is not None:
            self.publisher.close()
        self.engine.dispose()


def kafka_publisher_from(settings: Settings) -> KafkaEventPublisher:
    assert settings.kafka_bootstrap_servers  # noqa: S101 - callers check kafka_enabled
    password = settings.kafka_sasl_password
    config = kafka_client_config(
        settings.kafka_bootstrap_servers,
        security_protocol=settings.kafka_security_protocol,
        sasl_mechanism=settings.kafka_sasl_mechanism,
        sasl_username=settings.kafka_sasl_username,
        sasl_password=password.get_secret_value() if password else None,
        ssl_cafile=str(settings.kafka_ssl_cafile) if settings.kafka_ssl_cafile else None,
    )
    return KafkaEventPublisher(
        config,
        create_topics=settings.kafka_create_topics,
        partitions=settings.kafka_topic_partitions,
        replication_factor=settings.kafka_replication_factor,
    )


def bootstrap(
    settings: Settings,
    *,
    engine: Engine | None = None,
    publisher: EventPublisher | None = None,
    clock: Callable[[], datetime] = _utcnow,
) -> Gateway:
    """Build the gateway. Every dependency has a real default; tests pass fakes.

    Without Kafka configured (and no publisher given) there is no relay: the outbox is the
    embedded event log, read over HTTP and with ``gateway events tail``.
    """
    engine = engine or make_engine(settings.database_url, pool_size=settings.database_pool_size)
    topics = TopicNames(settings.topic_prefix)
    if publisher is None and settings.kafka_enabled:
        publisher = kafka_publisher_from(settings)
    relay = (
        OutboxRelay(
            engine, publisher, batch_size=settings.relay_batch_size,
            poll_interval=settings.relay_poll_interval, clock=clock,
        )
        if publisher is not None
        else None
    )
    return Gateway(
        settings=settings,
        engine=engine,
        topics=topics,
        store=EntityStore(engine, OutboxWriter(topics), clock=clock),
        event_log=EventLog(engine),
        publisher=publisher,
        relay=relay,
        clock=clock,
    )
