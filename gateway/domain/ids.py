"""Deterministic ids: the same source record always maps to the same canonical id.

Ids are UUIDv5 over (tenant, source system, entity kind, source id). The kind is part
of the name because many source systems number their resources per type (program 1,
course 1); without it two different records of one system could share an id.
"""

from __future__ import annotations

import uuid

__all__ = ["GATEWAY_NAMESPACE", "entity_id", "event_id"]

#: Namespace of every id the gateway derives. Never change it: ids are stored and published.
GATEWAY_NAMESPACE = uuid.UUID("6f1c3e0a-5d0b-5c55-9a8e-6d626f2d6777")


def entity_id(tenant: str, source_system: str, kind: str, source_id: str) -> uuid.UUID:
    """Canonical id of a source record.

    >>> entity_id("roc-a", "eduarte", "programme-offering", "42") == entity_id(
    ...     "roc-a", "eduarte", "programme-offering", "42")
    True
    """
    for part, name in ((tenant, "tenant"), (source_system, "source system"), (kind, "kind")):
        if not part or "\x1f" in part:
            raise ValueError(f"{name} must be a non-empty string without unit separators")
    if not source_id:
        raise ValueError("source id must not be empty")
    name = "\x1f".join((tenant, source_system, kind, source_id))
    return uuid.uuid5(GATEWAY_NAMESPACE, name)


def event_id(tenant: str, entity: uuid.UUID, version: int) -> str:
    """Event id, deterministic per (tenant, entity, version): duplicates are recognisable."""
    return str(uuid.uuid5(GATEWAY_NAMESPACE, f"event\x1f{tenant}\x1f{entity}\x1f{version}"))
