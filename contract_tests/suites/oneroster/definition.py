"""The ``oneroster-1.2`` suite object, and the one way its checks report a finding.

Kept apart from the checks so the CSV checks (``csv_files``, ``csv_values``) and the REST
checks (``rest``) register themselves on the same suite without importing each other.
"""

from __future__ import annotations

from typing import Any

from contract_tests.checks import Finding, Suite, truncate
from contract_tests.suites.oneroster.bundle import make_context

__all__ = ["suite", "violation"]

suite = Suite(
    name="oneroster-1.2",
    title="OneRoster 1.2 (CSV bundle and rostering REST service)",
    description=(
        "A OneRoster 1.2 CSV bundle (zip or folder) and/or the rostering REST service: the "
        "manifest and its file modes, each file's header in the binding's order, required "
        "fields, unique sourcedIds, resolvable references, enumerations and date formats; "
        "over REST the collection envelopes, paging with X-Total-Count, single reads equal "
        "to collection items, 400 with the imsx status payload for a bad filter, and 401 "
        "without a token."
    ),
    context_factory=make_context,
)


def violation(check_id: str, message: str, location: str, *, value: Any = "",
              request: str = "") -> Finding:
    """A finding of check ``check_id`` (at its severity)."""
    return Finding(
        check_id=check_id,
        message=message,
        severity=suite.get(check_id).severity,
        location=location,
        value=truncate(value) if value not in ("", None) else "",
        request=request,
    )
