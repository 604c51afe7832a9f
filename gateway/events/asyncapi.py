"""The AsyncAPI 3.0 document of every channel and message the gateway publishes."""

from __future__ import annotations

from typing import Any

import yaml

from gateway.domain import ENTITY_TYPES
from gateway.domain.base import Domain
from gateway.domain.values import TenantId
from gateway.events.schemas import EVENTS_API_VERSION, event_schemas
from gateway.events.topics import DEADLETTER
from gateway.events.types import (
    DEADLETTER_TYPE,
    Change,
    dataschema_for,
    domain_of,
    event_type,
    schema_file_for,
)

__all__ = ["asyncapi_document", "asyncapi_yaml"]

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
    schemas = event_schemas()
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



class _Dumper(yaml.SafeDumper):
    """Block style for multi-line strings, so the description stays readable."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def asyncapi_yaml(document: dict[str, Any] | None = None) -> str:
    doc = asyncapi_document() if document is None else document
    return yaml.dump(doc, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
