"""Event type names and their schema ids, derived from the canonical entity kinds."""

from __future__ import annotations

from enum import StrEnum

from gateway.domain.base import Domain, Entity

__all__ = [
    "DEADLETTER_TYPE",
    "Change",
    "dataschema_for",
    "event_type",
    "schema_file_for",
]


class Change(StrEnum):
    UPSERTED = "upserted"
    DELETED = "deleted"


#: The type of a dead-letter entry: a message a target refused or that exhausted its retries.
DEADLETTER_TYPE = "nl.mbo.deadletter.entry.v1"


def event_type(entity: type[Entity], change: Change) -> str:
    """``nl.mbo.<domain>.<entity>.<upserted|deleted>.v1``."""
    return f"nl.mbo.{entity.domain.value}.{entity.kind}.{change.value}.v1"


def schema_file_for(type_: str) -> str:
    """File name under ``schemas/events/`` of the JSON Schema of one event type."""
    return f"{type_}.json"


def dataschema_for(type_: str) -> str:
    """The ``dataschema`` attribute: a URN, served at ``/schemas/events/<type>.json``.

    A URN rather than a URL so the attribute (and so the event) does not depend on where
    a deployment is reachable.
    """
    return f"urn:mbo-gateway:schema:events:{type_}"


def domain_of(type_: str) -> Domain:
    return Domain(type_.split(".")[2])
