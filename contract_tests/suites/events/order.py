"""Checks across messages: per-entity versions increase, and each type is on its topic."""

from __future__ import annotations

from collections.abc import Iterator

from contract_tests.checks import Finding, NotApplicable
from contract_tests.suites.events.definition import ASYNCAPI, suite, violation
from contract_tests.suites.events.sources import EventsContext

__all__: list[str] = []


@suite.check(
    "events.entity-version.increasing", title="Each entity's versions increase",
    rule="Per ce_subject, in the order read, ce_entityversion strictly increases; a "
         "redelivery of the same event (same ce_id) may repeat",
    reference=f"{ASYNCAPI} 'Key and order', header ce_entityversion",
)
def versions_increase(ctx: EventsContext) -> Iterator[Finding]:
    last: dict[str, tuple[int, str]] = {}
    compared = False
    for record in ctx.read():
        subject, version = record.header("ce_subject"), record.header("ce_entityversion")
        ident = record.header("ce_id") or ""
        if not subject or not version or not version.isdigit():
            continue  # reported by events.attributes.gateway
        number = int(version)
        before = last.get(subject)
        compared = compared or before is not None
        if before is not None and number <= before[0]:
            if number == before[0] and ident == before[1]:
                continue  # a duplicate delivery of the same event
            yield violation("events.entity-version.increasing",
                            f"version {number} of {subject} comes after version {before[0]}",
                            record, value=version)
            continue
        last[subject] = (number, ident)
    if not compared:
        raise NotApplicable("no entity (ce_subject with a ce_entityversion) occurs twice: "
                            "no order to judge")


@suite.check(
    "events.topic.channel", title="Each type on its domain's topic",
    rule="A record of type nl.mbo.<domain>.* is on topic <prefix>.<tenant>.<domain> (the "
         "dead-letter entry on <prefix>.<tenant>.deadletter), and <tenant> is ce_tenant",
    reference=f"{ASYNCAPI} #/channels (address {{prefix}}.{{tenant}}.<channel>)",
)
def topic_matches_type(ctx: EventsContext) -> Iterator[Finding]:
    if all(record.topic is None for record in ctx.read()):
        raise NotApplicable("no message carries a topic (the embedded log has none)")
    judged = False
    for record in ctx.messages:
        message = ctx.contract.messages.get(record.header("ce_type") or "")
        if record.topic is None or message is None:
            continue  # no topic (embedded log) or an unknown type (events.type.known)
        judged = True
        parts = record.topic.split(".")
        if len(parts) < 3 or parts[-1] != message.channel:
            yield violation("events.topic.channel", f"a {message.type} event belongs on the "
                            f"{message.channel} channel, not on topic {record.topic}", record,
                            value=record.topic)
        elif parts[-2] != record.header("ce_tenant"):
            yield violation("events.topic.channel", f"topic {record.topic} is not the topic "
                            f"of tenant {record.header('ce_tenant')}", record,
                            value=record.topic)
    if not judged:
        raise NotApplicable("no message on a topic has a ce_type the AsyncAPI document "
                            "declares (events.type.known reports it)")
