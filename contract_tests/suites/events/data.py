"""Checks of each message's data and key: JSON, its schema, the subject, no personal data."""

from __future__ import annotations

from collections.abc import Iterator

from contract_tests.checks import Finding, NotApplicable
from contract_tests.suites.events.definition import (
    ASYNCAPI,
    CLOUDEVENTS_KAFKA,
    data_of,
    suite,
    violation,
)
from contract_tests.suites.events.personal_data import scan_text, scan_value
from contract_tests.suites.events.sources import EventsContext

__all__: list[str] = []


@suite.check(
    "events.data.json", title="The value is JSON, as content-type says",
    rule="content-type is application/json and the record value is a JSON document",
    reference=f"{CLOUDEVENTS_KAFKA}; {ASYNCAPI} defaultContentType",
)
def data_json(ctx: EventsContext) -> Iterator[Finding]:
    for record in ctx.read():
        content_type = (record.header("content-type") or "").split(";")[0].strip().lower()
        if content_type and content_type != "application/json":
            yield violation("events.data.json", "content-type is not application/json",
                            record, value=record.header("content-type"))
        parsed, _ = data_of(record)
        if not parsed:
            yield violation("events.data.json", "the value is absent or not JSON", record,
                            value=record.value or "")


@suite.check(
    "events.data.schema", title="The data is valid against its JSON Schema",
    rule="The data validates against the payload schema the AsyncAPI document names for "
         "the event's ce_type (schemas/events/<type>.json)",
    reference=f"{ASYNCAPI} #/components/messages/<type>/payload",
)
def data_schema(ctx: EventsContext) -> Iterator[Finding]:
    validated = False
    for record in ctx.read():
        message = ctx.contract.messages.get(record.header("ce_type") or "")
        parsed, data = data_of(record)
        if message is None or not parsed:
            continue  # reported by events.type.known and events.data.json
        validated = True
        for error in message.payload.iter_errors(data):
            pointer = "/" + "/".join(str(p) for p in error.absolute_path)
            yield violation("events.data.schema", error.message, record,
                            pointer=f"data {pointer}", value=error.instance)
    if not validated:
        raise NotApplicable("no message has a declared ce_type and JSON data to validate "
                            "(events.type.known and events.data.json report why)")


@suite.check(
    "events.key.subject", title="The record key is the subject",
    rule="The Kafka record key equals ce_subject (the entity id), so one entity's events "
         "stay in one partition, in order",
    reference=f"{ASYNCAPI} 'Key and order'; bindings.kafka.key",
)
def key_is_subject(ctx: EventsContext) -> Iterator[Finding]:
    if ctx.source == "http":
        raise NotApplicable("the embedded log read over HTTP carries no record keys "
                            "(a Kafka topic or a recording runs this check)")
    for record in ctx.read():
        subject = record.header("ce_subject")
        if record.key != subject:
            yield violation("events.key.subject", f"the key is not ce_subject {subject}",
                            record, value=record.key if record.key is not None else "(none)")


@suite.check(
    "events.subject.entity", title="The subject is the entity the data describes",
    rule="ce_subject equals data.entity.id, and ce_tenant equals data.entity.tenant",
    reference=f"{ASYNCAPI} headers ce_subject, ce_tenant",
)
def subject_is_entity(ctx: EventsContext) -> Iterator[Finding]:
    compared = False
    for record in ctx.read():
        parsed, data = data_of(record)
        entity = data.get("entity") if parsed and isinstance(data, dict) else None
        if not isinstance(entity, dict):
            continue  # the schema check reports data without an entity
        compared = True
        for header, field in (("ce_subject", "id"), ("ce_tenant", "tenant")):
            if field in entity and record.header(header) != entity[field]:
                yield violation("events.subject.entity",
                                f"{header} differs from data.entity.{field} {entity[field]}",
                                record, value=record.header(header))
    if not compared:
        raise NotApplicable("no message's data holds an entity to compare the subject with "
                            "(events.data.schema reports it)")


@suite.check(
    "events.personal-data", title="No personal data",
    rule="Events carry ids only: no names, birth dates, e-mail addresses, phone numbers, "
         "addresses or citizen service numbers (BSN) in data, key or headers",
    reference=f"{ASYNCAPI} 'Data' (never personal data beyond ids); AVG/GDPR art. 5(1)(c)",
)
def no_personal_data(ctx: EventsContext) -> Iterator[Finding]:
    for record in ctx.read():
        parsed, data = data_of(record)
        found = list(scan_value(data, "data")) if parsed else list(
            scan_text(record.value or "", "value"))
        found += scan_text(record.key or "", "key")
        for name, value in record.headers:
            found += scan_text(value, f"header {name}")
        for item in found:
            yield violation("events.personal-data", f"{item.kind} found", record,
                            pointer=item.pointer, value=masked(item.value))


def masked(value: str) -> str:
    """The value with all but its first two characters hidden: the report must not become
    a second copy of the personal data it found."""
    return value[:2] + "*" * max(len(value) - 2, 3)
