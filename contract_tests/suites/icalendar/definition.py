"""The ``icalendar`` suite object, and the one way its checks report a finding.

Kept apart from the checks so each group (``document``, ``events``, ``fetching``)
registers itself on the same suite without importing the others.
"""

from __future__ import annotations

from typing import Any

from contract_tests.checks import Finding, Suite, truncate
from contract_tests.suites.icalendar.feeds import Snapshot, make_context

__all__ = ["RFC5545", "RFC9110", "suite", "violation"]

RFC5545 = "RFC 5545 (iCalendar)"
RFC9110 = "RFC 9110 (HTTP semantics)"

suite = Suite(
    name="icalendar",
    title="iCalendar feeds (RFC 5545)",
    description=(
        "An .ics feed from its URL (the secret is in the URL, no OAuth) or from files: it "
        "parses, CRLF line ends folded at 75 octets, VERSION and PRODID, every VEVENT with "
        "UID, DTSTAMP and DTSTART, DTEND after DTSTART, a VTIMEZONE for every TZID, STATUS "
        "values, unique UID+RECURRENCE-ID, SEQUENCE a non-negative integer that never goes "
        "down between fetches; over HTTP the media type and cheap revalidation (304)."
    ),
    context_factory=make_context,
    secret_url=True,  # the feed's URL is the subscriber's credential: reports mask it
)


def violation(check_id: str, message: str, snapshot: Snapshot | None, *, location: str = "",
              value: Any = "", request: str = "") -> Finding:
    """A finding of check ``check_id`` (at its severity) in ``snapshot``."""
    where = location or (snapshot.name if snapshot is not None else "")
    return Finding(
        check_id=check_id,
        message=message,
        severity=suite.get(check_id).severity,
        location=where,
        value=truncate(value) if value not in ("", None) else "",
        request=request or (snapshot.request if snapshot is not None else ""),
    )
