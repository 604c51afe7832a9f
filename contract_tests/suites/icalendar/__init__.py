"""The ``icalendar`` suite: an ``.ics`` feed against RFC 5545, from its URL or from files.

    gateway-contract run icalendar --base-url https://rooster.example/feeds/SECRET.ics
    gateway-contract run icalendar --files fetches/   # 01-monday.ics, 02-tuesday.ics, ...

Importing the check modules registers their checks on :data:`suite`; they are then put in
report order: the HTTP answer, the document, its events, then across fetches.
"""

from contract_tests.suites.icalendar import document, events, fetching  # noqa: F401 - registers
from contract_tests.suites.icalendar.definition import suite

__all__ = ["suite"]

_ORDER = ("http", "document", "lines", "calendar", "timezone", "event", "fetch")
suite.checks.sort(key=lambda check: _ORDER.index(check.id.split(".")[1]))
