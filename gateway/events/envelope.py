"""The wire envelope: CloudEvents 1.0 through the ``cloudevents`` SDK.

Kafka gets binary content mode (``ce_*`` headers, JSON data as the value, key = entity id);
the HTTP log and the CLI get the structured JSON form of the same event.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from cloudevents.core.bindings import kafka as ce_kafka
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent

from gateway.events.outbox import OutboxEvent

__all__ = ["OutboundMessage", "to_cloudevent", "to_message", "to_structured"]

_FORMAT = JSONFormat()
CONTENT_TYPE = "application/json"


@dataclass(frozen=True)
class OutboundMessage:
    """One Kafka record, ready to send."""

    topic: str
    key: bytes
    value: bytes
    headers: list[tuple[str, bytes]]
    event_id: str


def to_cloudevent(event: OutboxEvent) -> CloudEvent:
    attributes: dict[str, Any] = {
        "specversion": "1.0",
        "id": event.event_id,
        "source": event.source,
        "type": event.type,
        "subject": event.subject,
        "time": event.time,
        "datacontenttype": CONTENT_TYPE,
        "dataschema": event.dataschema,
        "tenant": event.tenant,
        "entityversion": event.entity_version,
    }
    return CloudEvent(attributes, event.data)


def to_message(event: OutboxEvent) -> OutboundMessage:
    """Kafka binary content mode; the key is the entity id so its events stay in order."""
    message = ce_kafka.to_binary(to_cloudevent(event), _FORMAT, key_mapper=lambda _: event.key)
    key = message.key.encode() if isinstance(message.key, str) else (message.key or b"")
    return OutboundMessage(
        topic=event.topic,
        key=key,
        value=message.value,
        headers=list(message.headers.items()),
        event_id=event.event_id,
    )


def to_structured(event: OutboxEvent) -> dict[str, Any]:
    """The structured JSON form (``application/cloudevents+json``), for HTTP and the CLI."""
    doc: dict[str, Any] = json.loads(_FORMAT.write(to_cloudevent(event)))
    return doc
