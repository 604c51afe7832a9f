"""The ``events`` suite: what a consumer of the gateway's events can rely on.

    gateway-contract run events --option bootstrap=kafka:9092 --option topic=mbo.roc-a.catalogue
    gateway-contract run events --base-url https://gateway.example --token T
    gateway-contract run events --files recording.jsonl

Importing the check modules registers their checks on :data:`suite`; they are then put in
report order: envelope, data, order across messages.
"""

from contract_tests.suites.events import data, envelope, order  # noqa: F401 - registers
from contract_tests.suites.events.definition import suite

__all__ = ["suite"]

_ORDER = ("present", "cloudevent", "attributes", "type", "id", "data", "key", "subject",
          "personal-data", "entity-version", "topic")
suite.checks.sort(key=lambda check: _ORDER.index(check.id.split(".")[1]))
