"""The transactional outbox: events written in the same transaction as the entity change.

The outbox is also the embedded event log: without Kafka it is read over HTTP and by the
CLI; with Kafka a relay publishes its rows and marks them after the broker acknowledges.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, insert

from gateway.domain.base import Domain
from gateway.domain.ids import event_id
from gateway.events.topics import TopicNames
from gateway.events.types import DEADLETTER_TYPE, dataschema_for
from gateway.store.tables import RELAY_LANES, outbox

__all__ = ["OutboxEvent", "OutboxWriter", "lane_of"]


def lane_of(key: str) -> int:
    """The relay lane of a key: stable across processes and Python versions."""
    return zlib.crc32(key.encode("utf-8")) % RELAY_LANES


@dataclass(frozen=True)
class OutboxEvent:
    """One event as stored: the CloudEvent attributes plus the JSON data."""

    tenant: str
    event_id: str
    topic: str
    key: str
    type: str
    source: str
    subject: str
    entity_version: int
    dataschema: str
    time: datetime
    data: dict[str, Any]
    seq: int | None = field(default=None, compare=False)

    def row(self) -> dict[str, Any]:
        return {
            "tenant": self.tenant,
            "event_id": self.event_id,
            "topic": self.topic,
            "lane": lane_of(self.key),
            "key": self.key,
            "type": self.type,
            "source": self.source,
            "subject": self.subject,
            "entity_version": self.entity_version,
            "dataschema": self.dataschema,
            "time": self.time,
            "data": json.dumps(self.data, separators=(",", ":"), ensure_ascii=False),
        }

    @classmethod
    def from_row(cls, row: Any) -> OutboxEvent:
        m = row._mapping
        when = m["time"]
        if when.tzinfo is None:  # SQLite hands back naive datetimes
            when = when.replace(tzinfo=UTC)
        return cls(
            tenant=m["tenant"], event_id=m["event_id"], topic=m["topic"], key=m["key"],
            type=m["type"], source=m["source"], subject=m["subject"],
            entity_version=m["entity_version"], dataschema=m["dataschema"], time=when,
            data=json.loads(m["data"]), seq=m["seq"],
        )


class OutboxWriter:
    """Builds events for entity changes and inserts them on the caller's connection."""

    def __init__(self, topics: TopicNames) -> None:
        self.topics = topics

    def entity_event(
        self,
        *,
        tenant: str,
        domain: Domain,
        type_: str,
        source_system: str,
        entity: UUID,
        version: int,
        data: dict[str, Any],
        now: datetime,
    ) -> OutboxEvent:
        return OutboxEvent(
            tenant=tenant,
            event_id=event_id(tenant, entity, version),
            topic=self.topics.for_domain(tenant, domain),
            key=str(entity),
            type=type_,
            source=f"/mbo-gateway/{tenant}/{source_system}",
            subject=str(entity),
            entity_version=version,
            dataschema=dataschema_for(type_),
            time=now,
            data=data,
        )

    def deadletter_event(
        self, *, tenant: str, entry_id: UUID, target: str, data: dict[str, Any], now: datetime
    ) -> OutboxEvent:
        return OutboxEvent(
            tenant=tenant,
            event_id=str(entry_id),
            topic=self.topics.deadletter(tenant),
            key=str(entry_id),
            type=DEADLETTER_TYPE,
            source=f"/mbo-gateway/{tenant}/{target}",
            subject=str(entry_id),
            entity_version=1,
            dataschema=dataschema_for(DEADLETTER_TYPE),
            time=now,
            data=data,
        )

    @staticmethod
    def write(conn: Connection, events: list[OutboxEvent]) -> None:
        if events:
            conn.execute(insert(outbox), [e.row() for e in events])
