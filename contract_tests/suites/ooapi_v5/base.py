"""The ``ooapi-v5`` suite object; the check modules register themselves on it."""

from __future__ import annotations

from contract_tests.checks import Suite
from contract_tests.suites.ooapi_v5.context import build_context

__all__ = ["SPEC", "suite"]

#: How findings name the official file.
SPEC = "ooapi.json"

suite = Suite(
    name="ooapi-v5",
    title="Open Education API v5",
    description=(
        "A supplier's OOAPI v5 endpoint: every response against the official ooapi.json, "
        "and what a schema cannot see: paging, stable ids, resolvable links, date order, "
        "sort and filters, the OOAPI error object, authentication."),
    context_factory=build_context,
)
