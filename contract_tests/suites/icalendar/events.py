"""Checks of each VEVENT: required properties, time order, STATUS, identity and SEQUENCE.

A calendar client keys an event by UID (and RECURRENCE-ID for one changed occurrence of a
series) and replaces what it holds when SEQUENCE rises; a feed that repeats a key, lists
an event without UID, or ends a lesson before it starts shows double, lost or negative
lessons to students.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

from icalendar import Component

from contract_tests.checks import Finding, NotApplicable
from contract_tests.suites.icalendar.definition import RFC5545, suite, violation
from contract_tests.suites.icalendar.feeds import IcsContext, Snapshot

__all__ = ["event_key", "sequence_of", "sequences"]

_REQUIRED = ("UID", "DTSTAMP", "DTSTART")
_STATUSES = frozenset({"TENTATIVE", "CONFIRMED", "CANCELLED"})


def _decoded(event: Component, name: str) -> date | datetime | None:
    """The date or date-time of property ``name``; None when absent or unreadable (the parse
    check reports the latter)."""
    if name not in event:
        return None
    try:
        value = event.decoded(name)
    except (KeyError, ValueError, TypeError):
        return None
    return value if isinstance(value, date) else None


def _instant(value: date | datetime) -> str:
    """A comparable text of a RECURRENCE-ID: UTC for a zoned time, as written otherwise."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return value.isoformat()


def event_key(event: Component) -> tuple[str, str]:
    """(UID, RECURRENCE-ID) of an event: what identifies it to a client."""
    recurrence = _decoded(event, "RECURRENCE-ID")
    return str(event.get("UID", "")), "" if recurrence is None else _instant(recurrence)


def sequence_of(event: Component) -> int | None:
    """SEQUENCE as an integer (0 when absent, RFC 5545 §3.8.7.4); None when not an integer."""
    value = event.get("SEQUENCE")
    if value is None:
        return 0
    if isinstance(value, int) and not isinstance(value, bool):
        return int(value)
    text = str(value).strip()
    return int(text) if text.lstrip("-").isdigit() else None


@suite.check(
    "icalendar.event.required", title="Every VEVENT has UID, DTSTAMP and DTSTART",
    rule="UID and DTSTAMP are REQUIRED in a VEVENT; DTSTART is REQUIRED when the calendar "
         "has no METHOD property (a published feed's events need it in any case)",
    reference=f"{RFC5545} §3.6.1 (Event Component)",
)
def required(ctx: IcsContext) -> Iterator[Finding]:
    for snapshot, where, event in ctx.events():
        missing = [name for name in _REQUIRED if not str(event.get(name, "")).strip()]
        if missing:
            yield violation("icalendar.event.required", f"the VEVENT lacks "
                            f"{', '.join(missing)}", snapshot, location=where,
                            value=str(event.get("SUMMARY", "")))


def _order_problem(start: date | datetime, end: date | datetime) -> str | None:
    if isinstance(start, datetime) != isinstance(end, datetime):
        return "DTEND is not of the value type of DTSTART (DATE vs DATE-TIME)"
    if (isinstance(start, datetime) and isinstance(end, datetime)
            and (start.tzinfo is None) != (end.tzinfo is None)):
        start, end = start.replace(tzinfo=None), end.replace(tzinfo=None)
    if end <= start:
        return "DTEND is not later than DTSTART"
    return None


@suite.check(
    "icalendar.event.dtend-after-dtstart", title="DTEND after DTSTART",
    rule="A VEVENT's DTEND is later than its DTSTART and of the same value type; DTEND and "
         "DURATION do not both occur",
    reference=f"{RFC5545} §3.6.1 (Event Component), §3.8.2.2 (Date-Time End)",
)
def end_after_start(ctx: IcsContext) -> Iterator[Finding]:
    judged = False
    for snapshot, where, event in ctx.events():
        if "DTEND" in event and "DURATION" in event:
            yield violation("icalendar.event.dtend-after-dtstart", "the VEVENT has both "
                            "DTEND and DURATION", snapshot, location=where)
            continue
        start, end = _decoded(event, "DTSTART"), _decoded(event, "DTEND")
        if start is None or end is None:
            continue
        judged = True
        problem = _order_problem(start, end)
        if problem:
            yield violation("icalendar.event.dtend-after-dtstart", problem, snapshot,
                            location=where, value=f"DTSTART {start} DTEND {end}")
    if not judged:
        raise NotApplicable("no VEVENT has both a readable DTSTART and DTEND to compare")


@suite.check(
    "icalendar.event.status", title="STATUS is one of a VEVENT's values",
    rule="A VEVENT's STATUS is TENTATIVE, CONFIRMED or CANCELLED",
    reference=f"{RFC5545} §3.8.1.11 (Status)",
)
def status(ctx: IcsContext) -> Iterator[Finding]:
    stated = False
    for snapshot, where, event in ctx.events():
        value = event.get("STATUS")
        stated = stated or value is not None
        if value is not None and str(value).upper() not in _STATUSES:
            yield violation("icalendar.event.status", f"STATUS {value} is not allowed in "
                            "a VEVENT", snapshot, location=where, value=str(value))
    if not stated:
        raise NotApplicable("no VEVENT carries a STATUS (it is optional)")


@suite.check(
    "icalendar.event.unique", title="UID and RECURRENCE-ID identify one VEVENT",
    rule="Within a calendar no two VEVENTs share UID and RECURRENCE-ID (the series itself "
         "has none; each changed occurrence has its own)",
    reference=f"{RFC5545} §3.8.4.7 (Unique Identifier), §3.8.4.4 (Recurrence ID)",
)
def unique(ctx: IcsContext) -> Iterator[Finding]:
    seen: dict[tuple[str, str, str], str] = {}
    keyed = 0
    for snapshot, where, event in ctx.events():
        uid, recurrence = event_key(event)
        if not uid:
            continue  # reported by icalendar.event.required
        keyed += 1
        key = (snapshot.name, uid, recurrence)  # unique within each snapshot
        if key in seen:
            yield violation("icalendar.event.unique", f"a second VEVENT with UID {uid}"
                            + (f" and RECURRENCE-ID {recurrence}" if recurrence else
                               " and no RECURRENCE-ID") + f" (first: {seen[key]})",
                            snapshot, location=where, value=uid)
        else:
            seen[key] = where
    if keyed < 2:
        raise NotApplicable(f"{keyed} VEVENT with a UID: no two to compare")


@suite.check(
    "icalendar.event.sequence", title="SEQUENCE is a non-negative integer",
    rule="SEQUENCE, when present, is an integer of 0 or more",
    reference=f"{RFC5545} §3.8.7.4 (Sequence Number)",
)
def sequence(ctx: IcsContext) -> Iterator[Finding]:
    for snapshot, where, event in ctx.events():
        number = sequence_of(event)
        if number is None or number < 0:
            yield violation("icalendar.event.sequence", "SEQUENCE is not a non-negative "
                            "integer", snapshot, location=where,
                            value=str(event.get("SEQUENCE")))


def sequences(snapshot: Snapshot) -> dict[tuple[str, str], tuple[int, str]]:
    """Each event's key -> (SEQUENCE, where), for the comparison across fetches."""
    found: dict[tuple[str, str], tuple[int, str]] = {}
    for where, event in snapshot.events():
        key, number = event_key(event), sequence_of(event)
        if key[0] and number is not None:
            found[key] = (number, where)
    return found
