"""The ``events`` suite object, and the one way its checks report a finding.

Kept apart from the checks so each group (``envelope``, ``data``, ``order``) registers
itself on the same suite without importing the others.
"""

from __future__ import annotations

import json
from typing import Any

from contract_tests.checks import Finding, Suite, truncate
from contract_tests.suites.events.records import RecordedMessage
from contract_tests.suites.events.sources import make_context

__all__ = ["ASYNCAPI", "CLOUDEVENTS_KAFKA", "data_of", "suite", "violation"]

ASYNCAPI = "schemas/asyncapi.yaml (AsyncAPI 3.0, mbo-gateway events)"
CLOUDEVENTS_KAFKA = "CloudEvents 1.0 Kafka protocol binding, binary content mode (section 3.2)"

suite = Suite(
    name="events",
    title="Gateway events (CloudEvents on Kafka)",
    description=(
        "A consumer-side check of a Kafka topic, the gateway's embedded event log, or a "
        "recording: CloudEvents in binary mode with the gateway's attributes, data valid "
        "against the JSON Schemas of the AsyncAPI document, key equal to the subject, no "
        "personal data, per-entity versions increasing, types on their domain's topic."
    ),
    context_factory=make_context,
)


def violation(check_id: str, message: str, record: RecordedMessage, *, pointer: str = "",
              value: Any = "") -> Finding:
    """A finding of check ``check_id`` (at its severity) about one message."""
    where = record.where + (f" {pointer}" if pointer else "")
    ident = record.header("ce_id")
    return Finding(
        check_id=check_id,
        message=message,
        severity=suite.get(check_id).severity,
        location=where,
        value=truncate(value) if value not in ("", None) else "",
        request=f"{record.where} ce_id={ident}" if ident else record.where,
    )


def data_of(record: RecordedMessage) -> tuple[bool, Any]:
    """(True, the value as JSON) or (False, None) when it is absent or not JSON."""
    if record.value is None:
        return False, None
    try:
        return True, json.loads(record.value)
    except ValueError:
        return False, None
