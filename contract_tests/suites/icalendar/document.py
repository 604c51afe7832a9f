"""Checks of the document as a whole: it parses, its lines, its calendar properties, its zones.

The line rules read octets, not the parsed calendar: libraries unfold long lines and
accept bare LF, but the RFC does not, and some clients (older Outlook versions, embedded
calendar widgets) drop a feed that breaks them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from contract_tests.checks import Finding, NotApplicable
from contract_tests.suites.icalendar.definition import RFC5545, suite, violation
from contract_tests.suites.icalendar.feeds import IcsContext, content_lines

__all__: list[str] = []

_MAX_OCTETS = 75
_TZID_PARAM = re.compile(r';TZID=("[^"]*"|[^;:]*)', re.IGNORECASE)


@suite.check(
    "icalendar.document.parses", title="The feed parses as one iCalendar object",
    rule="The body is one VCALENDAR of well-formed content lines whose values parse as their "
         "value types (the icalendar library's reason is reported)",
    reference=f"{RFC5545} §3.4 (iCalendar object), §3.1 (content lines), §3.3 (value types)",
)
def parses(ctx: IcsContext) -> Iterator[Finding]:
    for snapshot in ctx.read():
        if snapshot.calendar is None:
            yield violation("icalendar.document.parses", "the feed does not parse: "
                            f"{snapshot.parse_error}", snapshot, value=snapshot.parse_error)
            continue
        for component in snapshot.calendar.walk():
            for name, reason in component.errors:
                yield violation("icalendar.document.parses", f"{component.name} {name}: "
                                f"{reason}", snapshot, location=f"{snapshot.name} "
                                f"{component.name}", value=reason)


@suite.check(
    "icalendar.lines.crlf", title="Lines end with CRLF",
    rule="Every content line is delimited by a line break, which is CRLF (not a bare LF)",
    reference=f"{RFC5545} §3.1 (Content Lines)",
)
def crlf(ctx: IcsContext) -> Iterator[Finding]:
    for snapshot in ctx.read():
        physical = snapshot.data.split(b"\n")
        bare = [n for n, line in enumerate(physical[:-1], start=1) if not line.endswith(b"\r")]
        if bare:
            yield violation("icalendar.lines.crlf", f"{len(bare)} line(s) end with a bare LF "
                            f"(first: line {bare[0]})", snapshot,
                            location=f"{snapshot.name}:{bare[0]}",
                            value=physical[bare[0] - 1][:80].decode("utf-8", "replace"))


@suite.check(
    "icalendar.lines.folded", title="Lines are folded at 75 octets",
    rule="Lines of text SHOULD NOT be longer than 75 octets, excluding the line break; "
         "longer content lines are split by folding (CRLF followed by a space)",
    reference=f"{RFC5545} §3.1 (Content Lines)",
)
def folded(ctx: IcsContext) -> Iterator[Finding]:
    for snapshot in ctx.read():
        lines = (line.rstrip(b"\r") for line in snapshot.data.split(b"\n"))
        long = [(n, line) for n, line in enumerate(lines, start=1) if len(line) > _MAX_OCTETS]
        if long:
            number, line = long[0]
            yield violation("icalendar.lines.folded", f"{len(long)} line(s) longer than "
                            f"{_MAX_OCTETS} octets (first: line {number}, {len(line)} octets)",
                            snapshot,
                            location=f"{snapshot.name}:{number}",
                            value=line[:80].decode("utf-8", "replace"))


@suite.check(
    "icalendar.calendar.version", title="VERSION:2.0",
    rule="A VCALENDAR has exactly one VERSION property, and its value is 2.0",
    reference=f"{RFC5545} §3.7.4 (Version), §3.6 (calendar components: REQUIRED once)",
)
def version(ctx: IcsContext) -> Iterator[Finding]:
    for snapshot in ctx.parsed():
        assert snapshot.calendar is not None  # noqa: S101 - parsed() holds parsed ones
        values = _all(snapshot.calendar, "VERSION")
        if values != ["2.0"]:
            yield violation("icalendar.calendar.version", "VERSION must be present once with "
                            "the value 2.0", snapshot, location=f"{snapshot.name} VCALENDAR",
                            value=",".join(values) or "(absent)")


@suite.check(
    "icalendar.calendar.prodid", title="PRODID present",
    rule="A VCALENDAR has exactly one PRODID property naming the product that made it",
    reference=f"{RFC5545} §3.7.3 (Product Identifier)",
)
def prodid(ctx: IcsContext) -> Iterator[Finding]:
    for snapshot in ctx.parsed():
        assert snapshot.calendar is not None  # noqa: S101 - parsed() holds parsed ones
        values = _all(snapshot.calendar, "PRODID")
        if len(values) != 1 or not values[0].strip():
            yield violation("icalendar.calendar.prodid", "PRODID must be present once, not "
                            "empty", snapshot, location=f"{snapshot.name} VCALENDAR",
                            value=",".join(values) or "(absent)")


@suite.check(
    "icalendar.timezone.defined", title="A VTIMEZONE for every TZID",
    rule="Every TZID parameter names a VTIMEZONE component of the same calendar",
    reference=f"{RFC5545} §3.2.19 (Time Zone Identifier), §3.6.5 (Time Zone Component)",
)
def timezones_defined(ctx: IcsContext) -> Iterator[Finding]:
    used = False
    for snapshot in ctx.parsed():
        assert snapshot.calendar is not None  # noqa: S101 - parsed() holds parsed ones
        defined = {str(zone.get("TZID")) for zone in snapshot.calendar.walk("VTIMEZONE")}
        reported: set[str] = set()
        for line in content_lines(snapshot.data):
            for match in _TZID_PARAM.finditer(line.name_and_params):
                used = True
                tzid = match.group(1).strip('"')
                if tzid not in defined and tzid not in reported:
                    reported.add(tzid)
                    yield violation("icalendar.timezone.defined", f"TZID={tzid} is used but "
                                    "the calendar has no VTIMEZONE with that TZID", snapshot,
                                    location=f"{snapshot.name}:{line.number}", value=line.text)
    if not used:
        raise NotApplicable("no property of the feed has a TZID parameter (times in UTC or "
                            "floating): no zone to look up")


def _all(calendar: object, name: str) -> list[str]:
    """Every value of property ``name`` directly on the VCALENDAR (a repeated one is a list)."""
    value = calendar.get(name) if hasattr(calendar, "get") else None
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]
