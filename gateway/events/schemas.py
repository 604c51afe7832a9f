"""The event contract: a JSON Schema (draft 2020-12) for the data of every event type.

Everything derives from :data:`gateway.domain.ENTITY_TYPES`, so a new entity or field shows
up in the schemas without hand-editing. The generated files are committed under
``schemas/`` (see :mod:`gateway.events.schema_files`); the AsyncAPI document that refers
to them is built in :mod:`gateway.events.asyncapi`.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict
from pydantic.json_schema import GenerateJsonSchema
from pydantic_core import core_schema

from gateway.domain import ENTITY_TYPES
from gateway.domain.base import Entity, SourceRef
from gateway.domain.values import TenantId
from gateway.events.types import (
    DEADLETTER_TYPE,
    Change,
    dataschema_for,
    event_type,
)

__all__ = [
    "DRAFT",
    "EVENTS_API_VERSION",
    "Tombstone",
    "event_schemas",
    "schema_json",
]

DRAFT = "https://json-schema.org/draft/2020-12/schema"
#: Version of the event contract (``info.version``); the event types themselves end in ``.v1``.
EVENTS_API_VERSION = "1.0.0"


class _SnapshotSchema(GenerateJsonSchema):
    """Serialization schemas where defaulted fields are required too.

    :meth:`Entity.snapshot` dumps every field, defaults included, so a consumer may rely on
    each key being present.
    """

    def field_is_required(
        self,
        field: core_schema.ModelField | core_schema.DataclassField | core_schema.TypedDictField,
        total: bool,
    ) -> bool:
        if self.mode == "serialization" and field["type"] != "typed-dict-field":
            return field.get("serialization_exclude_if") is None
        return super().field_is_required(field, total)


class Tombstone(BaseModel):
    """The identity of a deleted entity, as `*.deleted.v1` events carry it."""

    model_config = ConfigDict(extra="forbid")

    id: UUID
    tenant: TenantId
    source: SourceRef


def _model_schema(model: type[BaseModel]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The serialization schema of ``model`` and, apart, the ``$defs`` it refers to."""
    schema = model.model_json_schema(mode="serialization", schema_generator=_SnapshotSchema)
    defs = schema.pop("$defs", {})
    return schema, defs


def _data_schema(
    type_: str, title: str, description: str, entity: type[BaseModel], changed: dict[str, Any]
) -> dict[str, Any]:
    schema, defs = _model_schema(entity)
    name = entity.__name__
    return {
        "$schema": DRAFT,
        "$id": dataschema_for(type_),
        "title": title,
        "description": description,
        "type": "object",
        "additionalProperties": False,
        "required": ["entity", "changedFields"],
        "properties": {
            "entity": {"$ref": f"#/$defs/{name}"},
            "changedFields": changed,
        },
        "$defs": {**defs, name: schema},
    }


def _upserted(cls: type[Entity]) -> dict[str, Any]:
    type_ = event_type(cls, Change.UPSERTED)
    fields = sorted(cls.model_fields)
    return _data_schema(
        type_,
        f"{cls.__name__} upserted",
        f"{cls.summary} Data of `{type_}`: the entity's full canonical state after the "
        "change, and the names of the fields that changed (every field when it was created "
        "or re-created after a delete).",
        cls,
        {
            "type": "array",
            "description": "Top-level entity fields whose value changed, sorted.",
            "items": {"type": "string", "enum": fields},
            "uniqueItems": True,
        },
    )


def _deleted(cls: type[Entity]) -> dict[str, Any]:
    type_ = event_type(cls, Change.DELETED)
    return _data_schema(
        type_,
        f"{cls.__name__} deleted",
        f"{cls.summary} Data of `{type_}`: a tombstone with the id, tenant and source of the "
        "deleted entity; changedFields is always empty.",
        Tombstone,
        {"type": "array", "items": {"type": "string"}, "maxItems": 0},
    )


def _deadletter() -> dict[str, Any]:
    text = {"type": "string"}
    return {
        "$schema": DRAFT,
        "$id": dataschema_for(DEADLETTER_TYPE),
        "title": "Dead-letter entry",
        "description": (
            f"Data of `{DEADLETTER_TYPE}`: a message a target system refused (a business "
            "rejection such as a RIO foutmelding) or that exhausted its retries, with the "
            "original message so an operator can inspect and replay it."
        ),
        "type": "object",
        "additionalProperties": False,
        "required": [
            "target", "reason", "code", "errors", "original", "originalContentType", "entityId",
        ],
        "properties": {
            "target": {**text, "minLength": 1, "description": "The target system, as configured."},
            "reason": {**text, "description": "Why delivery failed, in plain words."},
            "code": {**text, "description": "Machine-readable failure code."},
            "errors": {
                "type": "array",
                "description": "The individual errors the target reported.",
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["code", "message"],
                    "properties": {
                        "code": text,
                        "message": text,
                        "path": {**text, "description": "Where in the original (optional)."},
                    },
                },
            },
            "original": {**text, "description": "The original message as text (e.g. XML)."},
            "originalContentType": {**text, "description": "Media type of `original`."},
            "entityId": {
                "anyOf": [{"type": "string", "format": "uuid"}, {"type": "null"}],
                "description": "The canonical entity the message was about, if any.",
            },
        },
    }


@cache
def _all_schemas() -> dict[str, dict[str, Any]]:
    schemas: dict[str, dict[str, Any]] = {}
    for cls in ENTITY_TYPES.values():
        schemas[event_type(cls, Change.UPSERTED)] = _upserted(cls)
        schemas[event_type(cls, Change.DELETED)] = _deleted(cls)
    schemas[DEADLETTER_TYPE] = _deadletter()
    return schemas


def event_schemas() -> dict[str, dict[str, Any]]:
    """The JSON Schema (draft 2020-12) of the ``data`` of every event type, by type."""
    return json.loads(json.dumps(_all_schemas()))  # type: ignore[no-any-return]  # a copy




def schema_json(schema: dict[str, Any]) -> str:
    """A schema as the text of its file (stable: the drift test compares it byte for byte)."""
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
