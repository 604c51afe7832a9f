"""The ``rio-v4`` suite: RIO V4 messages from files, against DUO's XSD and rules.

    gateway-contract run rio-v4 --files deliveries/ [--option previous=held/]

Importing the check modules registers their checks on :data:`suite`; they are then put in
report order: form (safe XML, XSD, envelope), business rules, the full-state rule.
"""

from contract_tests.suites.rio_v4 import full_state, rules, structure  # noqa: F401 - registers
from contract_tests.suites.rio_v4.definition import suite

__all__ = ["suite"]

_ORDER = ("xml", "xsd", "envelope", "dates", "cohort", "values", "full-state")
suite.checks.sort(key=lambda check: _ORDER.index(check.id.split(".")[1]))
