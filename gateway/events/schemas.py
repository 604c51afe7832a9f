"""The event contract as documents: a JSON Schema per event type and the AsyncAPI document.

Everything derives from :data:`gateway.domain.ENTITY_TYPES`, so a new entity or field shows
up in the schemas without hand-editing. The generated files are committed under
``schemas/`` and a unit test fails when they drift from the code; regenerate them with::

    python -m gateway.events.schemas --write schemas/
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any
from uuid import UUID

import yaml
from pydantic import BaseModel, ConfigDict
from pydantic.json_schema import GenerateJsonSchema
from pydantic_core import core_schema

from gateway.domain import ENTITY_TYPES
from gateway.domain.base import Domain, Entity, SourceRef
from gateway.domain.values import TenantId
from gateway.events.topics import DEADLETTER
from gateway.events.types import (
    DEADLETTER_TYPE,
    Change,
    dataschema_for,
    domain_of,
    event_type,
    schema_file_for,
)

__all__ = [
    "ASYNCAPI_FILE",
    "EVENTS_API_VERSION",
    "REGENERATE",
    "Tombstone",
    "asyncapi_document",
    "asyncapi_yaml",
    "check_schemas",
    "event_schemas",
    "rendered_files",
    "schema_json",
    "write_schemas",
]

DRAFT = "https://json-schema.org/draft/2020-12/schema"
#: Version of the event contract (``info.version``); the event types themselves end in ``.v1``.
EVENTS_API_VERSION = "1.0.0"
ASYNCAPI_FILE = "asyncapi.yaml"
REGENERATE = "python -m gateway.events.schemas --write schemas/  (or: make schemas)"


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


# -- AsyncAPI ---------------------------------------------------------------------------------

_CHANNELS: dict[str, str] = {
    Domain.CATALOGUE.value: "Qualifications, offered programmes, cohorts and courses.",
    Domain.ENROLMENT.value: "Applications (aanmeldingen) and enrolments (inschrijvingen).",
    Domain.TIMETABLE.value: "Groups, their members, and timetable activities.",
    Domain.PERSON.value: "Persons, by pseudonymous id only: no personal data.",
    DEADLETTER: "Messages a target refused or that exhausted their retries.",
}

_DESCRIPTION = """\
The events mbo-gateway publishes when a canonical entity changes.

**Envelope.** [CloudEvents 1.0](https://cloudevents.io) in Kafka *binary content mode*: the
attributes travel as record headers, the data (JSON) is the record value.

| header | meaning |
|---|---|
| `ce_specversion` | always `1.0` |
| `ce_id` | deterministic per (tenant, entity, version): a redelivery has the same id |
| `ce_source` | `/mbo-gateway/<tenant>/<source system>` (`<target>` for dead letters) |
| `ce_type` | `nl.mbo.<domain>.<entity>.<upserted\\|deleted>.v1`, or `nl.mbo.deadletter.entry.v1` |
| `ce_subject` | the entity id (equal to the record key) |
| `ce_time` | when the change was stored (RFC 3339) |
| `ce_dataschema` | URN of the data's JSON Schema, served at `/schemas/events/<type>.json` |
| `ce_tenant` | the institution (tenant id) |
| `ce_entityversion` | the entity's version after the change (1, 2, ...) |
| `content-type` | `application/json` |

**Key and order.** The record key is the entity id, so the events of one entity stay in one
partition, in order.

**Delivery.** At-least-once, through a transactional outbox: nothing is lost when the gateway
dies between storing a change and publishing it, but an event may arrive twice. Consumers drop
duplicates by `ce_id` (or by `ce_subject` + `ce_entityversion`).

**Topics.** `{prefix}.{tenant}.{domain}` and `{prefix}.{tenant}.deadletter`; the prefix is
`mbo` unless the operator sets `GATEWAY_TOPIC_PREFIX`. Per-tenant topics let prefixed Kafka
ACLs (`{prefix}.{tenant}.`) keep institutions apart.

**Data.** An upserted event carries the entity's full canonical state after the change and the
names of the changed fields; a deleted event carries a tombstone (id, tenant, source). Events
never carry personal data beyond ids.

Without Kafka the same events (CloudEvents structured mode) are read over HTTP at `/events`
and `/events/stream`.
"""


def _tenant_pattern() -> str:
    pattern: str = TenantId.__metadata__[0].pattern  # type: ignore[attr-defined]
    return pattern


def _headers_schema() -> dict[str, Any]:
    def s(description: str, **extra: Any) -> dict[str, Any]:
        return {"type": "string", "description": description, **extra}

    properties = {
        "ce_specversion": s("CloudEvents version.", const="1.0"),
        "ce_id": s("Event id, deterministic per (tenant, entity, version).", minLength=1),
        "ce_source": s("`/mbo-gateway/<tenant>/<system>`.", pattern="^/mbo-gateway/"),
        "ce_type": s("The event type."),
        "ce_subject": s("The entity id; equals the record key.", format="uuid"),
        "ce_time": s("When the change was stored.", format="date-time"),
        "ce_dataschema": s("URN of the JSON Schema of the data.", format="uri"),
        "ce_tenant": s("The tenant (institution).", pattern=_tenant_pattern()),
        "ce_entityversion": s("Entity version after the change.", pattern="^[1-9][0-9]*$"),
        "content-type": s("Media type of the record value.", const="application/json"),
    }
    return {
        "type": "object",
        "description": "CloudEvents attributes as Kafka headers (UTF-8 strings).",
        "required": list(properties),
        "properties": properties,
    }


def _channel_of(type_: str) -> str:
    return DEADLETTER if type_ == DEADLETTER_TYPE else domain_of(type_).value


def asyncapi_document(*, schema_ref_base: str = "./events/") -> dict[str, Any]:
    """The AsyncAPI 3.0.0 document of every channel (topic pattern) and message.

    Args:
        schema_ref_base: prefix of the payload ``$ref`` of each message: relative to the
            document. ``./events/`` fits ``schemas/asyncapi.yaml`` beside
            ``schemas/events/``; the HTTP API serves the document at ``/asyncapi.yaml`` with
            ``./schemas/events/``.
    """
    schemas = _all_schemas()
    by_channel: dict[str, list[str]] = {name: [] for name in _CHANNELS}
    messages: dict[str, Any] = {}
    summaries = {event_type(c, ch): c.summary for c in ENTITY_TYPES.values() for ch in Change}
    summaries[DEADLETTER_TYPE] = "A message a target refused or that exhausted its retries."
    for type_, schema in schemas.items():
        by_channel[_channel_of(type_)].append(type_)
        messages[type_] = {
            "name": type_,
            "title": schema["title"],
            "summary": summaries[type_],
            "description": schema["description"],
            "contentType": "application/json",
            "headers": {
                "allOf": [
                    {"$ref": "#/components/schemas/CloudEventHeaders"},
                    {
                        "type": "object",
                        "properties": {
                            "ce_type": {"const": type_},
                            "ce_dataschema": {"const": dataschema_for(type_)},
                        },
                    },
                ]
            },
            "payload": {"$ref": schema_ref_base + schema_file_for(type_)},
            "bindings": {
                "kafka": {
                    "key": {"type": "string", "format": "uuid", "description": "Entity id."},
                    "bindingVersion": "0.5.0",
                }
            },
        }
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    for name, what in _CHANNELS.items():
        channels[name] = {
            "address": f"{{prefix}}.{{tenant}}.{name}",
            "title": f"{name.capitalize()} events",
            "description": what,
            "parameters": {
                "prefix": {"$ref": "#/components/parameters/prefix"},
                "tenant": {"$ref": "#/components/parameters/tenant"},
            },
            "messages": {t: {"$ref": f"#/components/messages/{t}"} for t in by_channel[name]},
        }
        operations[f"send{name.capitalize()}Events"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{name}"},
            "summary": f"The gateway publishes {name} events of a tenant.",
            "messages": [{"$ref": f"#/channels/{name}/messages/{t}"} for t in by_channel[name]],
        }
    return {
        "asyncapi": "3.0.0",
        "id": "urn:mbo-gateway:events",
        "info": {
            "title": "mbo-gateway events",
            "version": EVENTS_API_VERSION,
            "description": _DESCRIPTION,
            "license": {"name": "EUPL-1.2"},
        },
        "defaultContentType": "application/json",
        "channels": channels,
        "operations": operations,
        "components": {
            "schemas": {"CloudEventHeaders": _headers_schema()},
            "parameters": {
                "prefix": {
                    "description": "Topic prefix of the deployment (GATEWAY_TOPIC_PREFIX).",
                    "default": "mbo",
                    "examples": ["mbo"],
                },
                "tenant": {
                    "description": f"Tenant id of the institution (`{_tenant_pattern()}`).",
                    "examples": ["roc-a"],
                },
            },
            "messages": messages,
        },
    }


# -- rendering and files ----------------------------------------------------------------------


class _Dumper(yaml.SafeDumper):
    """Block style for multi-line strings, so the description stays readable."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def schema_json(schema: dict[str, Any]) -> str:
    """A schema as the text of its file (stable: the drift test compares it byte for byte)."""
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def asyncapi_yaml(document: dict[str, Any] | None = None) -> str:
    doc = asyncapi_document() if document is None else document
    return yaml.dump(doc, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


def rendered_files() -> dict[str, str]:
    """Every generated file by its path relative to the schemas directory."""
    files = {
        f"events/{schema_file_for(type_)}": schema_json(schema)
        for type_, schema in _all_schemas().items()
    }
    files[ASYNCAPI_FILE] = asyncapi_yaml()
    return files


def _stale(directory: Path, files: dict[str, str]) -> list[Path]:
    """Generated files of event types that no longer exist."""
    events = directory / "events"
    found = sorted(events.glob("nl.mbo.*.json")) if events.is_dir() else []
    return [p for p in found if p.relative_to(directory).as_posix() not in files]


def write_schemas(directory: str | Path) -> list[Path]:
    """Write (and prune) the event schemas and the AsyncAPI document; return changed paths."""
    root = Path(directory)
    files = rendered_files()
    changed: list[Path] = []
    for relative, text in files.items():
        path = root / relative
        if path.is_file() and path.read_text(encoding="utf-8") == text:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        changed.append(path)
    for path in _stale(root, files):
        path.unlink()
        changed.append(path)
    return changed


def check_schemas(directory: str | Path) -> list[str]:
    """What differs between the files in ``directory`` and the code (empty when in sync)."""
    root = Path(directory)
    files = rendered_files()
    problems = []
    for relative, text in files.items():
        path = root / relative
        if not path.is_file():
            problems.append(f"missing: {relative}")
        elif path.read_text(encoding="utf-8") != text:
            problems.append(f"differs: {relative}")
    problems += [f"stale: {p.relative_to(root).as_posix()}" for p in _stale(root, files)]
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m gateway.events.schemas",
        description="Generate the event JSON Schemas and the AsyncAPI document.",
    )
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", metavar="DIR", help="write the files into DIR (e.g. schemas/)")
    mode.add_argument("--check", metavar="DIR", help="exit 1 when DIR differs from the code")
    args = parser.parse_args(argv)
    if args.write:
        for path in write_schemas(args.write):
            print(f"{'wrote' if path.exists() else 'removed'} {path}")
        return 0
    problems = check_schemas(args.check)
    for line in problems:
        print(line, file=sys.stderr)
    if problems:
        print(f"regenerate with: {REGENERATE}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
