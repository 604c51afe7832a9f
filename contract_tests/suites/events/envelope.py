"""Checks of each message's envelope: CloudEvents binary mode and the gateway's attributes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from contract_tests.checks import Finding, NotApplicable, Severity
from contract_tests.suites.events.definition import (
    ASYNCAPI,
    CLOUDEVENTS_KAFKA,
    suite,
    violation,
)
from contract_tests.suites.events.sources import EventsContext

__all__ = ["REQUIRED", "GATEWAY_ATTRIBUTES"]

#: Headers binary mode requires: the CloudEvents required attributes and the content type.
REQUIRED = ("ce_specversion", "ce_id", "ce_source", "ce_type", "content-type")
#: Attributes every gateway event carries beyond the CloudEvents minimum.
GATEWAY_ATTRIBUTES = ("ce_subject", "ce_tenant", "ce_entityversion", "ce_dataschema", "ce_time")


@suite.check(
    "events.present", title="The source holds events",
    rule="At least one message was read; an empty topic or log gives no verdict",
    reference=ASYNCAPI, severity=Severity.WARNING,
)
def present(ctx: EventsContext) -> Iterator[Finding]:
    if not ctx.messages:
        yield Finding("events.present", f"no message read from the {ctx.source} source",
                      Severity.WARNING)


@suite.check(
    "events.cloudevent.binary", title="A CloudEvent in binary content mode",
    rule="Each record carries ce_specversion '1.0', ce_id, ce_source, ce_type and "
         "content-type as headers, each exactly once and not empty",
    reference=CLOUDEVENTS_KAFKA,
)
def binary_mode(ctx: EventsContext) -> Iterator[Finding]:
    check = "events.cloudevent.binary"
    for record in ctx.read():
        for name in REQUIRED:
            count = record.header_count(name)
            if count == 0 or not (record.header(name) or "").strip():
                yield violation(check, f"header {name} is missing or empty", record)
            elif count > 1:
                yield violation(check, f"header {name} occurs {count} times", record)
        version = record.header("ce_specversion")
        if version not in (None, "", "1.0"):
            yield violation(check, "ce_specversion is not 1.0", record, value=version)


def _rfc3339(text: str) -> bool:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return False
    return "T" in text and moment.tzinfo is not None


@suite.check(
    "events.attributes.gateway", title="The gateway's required attributes",
    rule="Each event carries ce_subject, ce_tenant, ce_entityversion (a positive integer), "
         "ce_dataschema and ce_time (RFC 3339 with a zone), as the AsyncAPI headers "
         "schema of its type requires",
    reference=f"{ASYNCAPI} #/components/schemas/CloudEventHeaders",
)
def gateway_attributes(ctx: EventsContext) -> Iterator[Finding]:
    check = "events.attributes.gateway"
    for record in ctx.read():
        for name in GATEWAY_ATTRIBUTES:
            if not (record.header(name) or "").strip():
                yield violation(check, f"attribute {name} is missing or empty", record)
        version = record.header("ce_entityversion")
        if version and not (version.isdigit() and int(version) > 0):
            yield violation(check, "ce_entityversion is not a positive integer", record,
                            value=version)
        moment = record.header("ce_time")
        if moment and not _rfc3339(moment):
            yield violation(check, "ce_time is not an RFC 3339 timestamp", record, value=moment)
        message = ctx.contract.messages.get(record.header("ce_type") or "")
        if message is None:
            continue  # reported by events.type.known
        headers = dict(record.headers)
        if ctx.source == "http":  # the structured form has no content-type header to check
            headers.setdefault("content-type", "application/json")
        for error in message.headers.iter_errors(headers):
            where = "/".join(str(p) for p in error.absolute_path)
            yield violation(check, f"headers: {error.message}", record,
                            pointer=f"header {where}" if where else "headers")


@suite.check(
    "events.type.known", title="The type is one the AsyncAPI document declares",
    rule="ce_type names a message of the AsyncAPI document (nl.mbo.<domain>.<entity>."
         "<upserted|deleted>.v1 or the dead-letter entry)",
    reference=f"{ASYNCAPI} #/components/messages",
)
def type_known(ctx: EventsContext) -> Iterator[Finding]:
    typed = False
    for record in ctx.read():
        type_ = record.header("ce_type")
        typed = typed or bool(type_)
        if type_ and type_ not in ctx.contract.messages:
            yield violation("events.type.known", "ce_type is not declared in the AsyncAPI "
                            "document", record, value=type_)
    if not typed:
        raise NotApplicable("no message carries a ce_type (events.cloudevent.binary "
                            "reports it)")


@suite.check(
    "events.id.consistent", title="A repeated ce_id is a true duplicate",
    rule="Delivery is at-least-once: the same ce_id may arrive twice, but then with the same "
         "subject, version and data; two different events never share an id",
    reference=f"CloudEvents 1.0 'id' (source + id is unique); {ASYNCAPI} Delivery",
)
def id_consistent(ctx: EventsContext) -> Iterator[Finding]:
    seen: dict[tuple[str, str], tuple[str | None, str | None, str | None, str]] = {}
    identified = 0
    for record in ctx.read():
        ident, source = record.header("ce_id"), record.header("ce_source")
        if not ident or not source:
            continue
        identified += 1
        content = (record.header("ce_subject"), record.header("ce_entityversion"),
                   record.value, record.where)
        earlier = seen.setdefault((source, ident), content)
        if earlier is not content and earlier[:3] != content[:3]:
            yield violation("events.id.consistent", f"ce_id {ident} was used by a different "
                            f"event at {earlier[3]}", record, value=ident)
    if identified < 2:
        raise NotApplicable(f"{identified} message(s) with ce_id and ce_source: no two to "
                            "compare (events.cloudevent.binary reports missing ones)")
