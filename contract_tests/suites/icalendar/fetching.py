"""Checks of the feed as clients poll it: the answer, its media type, cheap revalidation,
and SEQUENCE between two fetches.

Calendar clients poll every few minutes; a feed without validators is sent in full each
time, and one whose SEQUENCE goes down makes clients keep the older version of a lesson
(RFC 5546 ignores a lower sequence), so a moved lesson stays where it was.

The ``http`` checks judge how the feed is served: on ``--files`` there is nothing served,
and they are skipped as not applicable (:func:`_over_http`), as is the SEQUENCE rule when
there is only one snapshot to compare.
"""

from __future__ import annotations

from collections.abc import Iterator

from contract_tests.checks import Finding, NotApplicable, Severity
from contract_tests.suites.icalendar.definition import RFC5545, RFC9110, suite, violation
from contract_tests.suites.icalendar.events import sequences
from contract_tests.suites.icalendar.feeds import IcsContext

__all__: list[str] = []


def _over_http(ctx: IcsContext) -> None:
    """Go on only when the feed was fetched over HTTP.

    Raises:
        NotApplicable: the feed was read from files (the check is skipped).
    """
    if not ctx.over_http:
        raise NotApplicable("the feed was read from files, not fetched over HTTP "
                            "(--base-url runs this check)")


@suite.check(
    "icalendar.http.ok", title="The feed answers 200",
    rule="A GET of the feed's URL answers 200 with the calendar",
    reference=f"{RFC9110} §15.3.1 (200 OK)",
)
def answers(ctx: IcsContext) -> Iterator[Finding]:
    _over_http(ctx)
    for exchange in ctx.fetches:
        if exchange.status != 200:
            yield violation("icalendar.http.ok", f"the feed answered {exchange.status}", None,
                            location=exchange.url, value=exchange.body[:200].decode(
                                "utf-8", "replace"), request=exchange.request_line)


@suite.check(
    "icalendar.http.content-type", title="Content-Type text/calendar",
    rule="The feed is served as text/calendar (the media type RFC 5545 registers)",
    reference=f"{RFC5545} §8.1 (text/calendar media type registration)",
)
def content_type(ctx: IcsContext) -> Iterator[Finding]:
    _over_http(ctx)
    ctx.read()  # not applicable when no fetch answered 200: no feed was served
    for exchange in ctx.fetches:
        if exchange.status == 200 and exchange.content_type != "text/calendar":
            yield violation("icalendar.http.content-type", "the feed is not served as "
                            "text/calendar", None, location=exchange.url,
                            value=exchange.headers.get("content-type", "(none)"),
                            request=exchange.request_line)


@suite.check(
    "icalendar.http.validators", title="ETag or Last-Modified",
    rule="The feed carries a validator (ETag or Last-Modified), so polling clients can "
         "revalidate without fetching it whole",
    reference=f"{RFC9110} §8.8 (Validator Fields)",
    severity=Severity.WARNING,
)
def validators(ctx: IcsContext) -> Iterator[Finding]:
    _over_http(ctx)
    first = ctx.fetches[0]
    if first.status != 200:
        raise NotApplicable(f"the first fetch answered {first.status}: no feed to revalidate "
                            "(icalendar.http.ok reports it)")
    if ctx.conditional is None:
        yield violation("icalendar.http.validators", "the feed has neither ETag nor "
                        "Last-Modified: every poll downloads it whole", None,
                        location=first.url, request=first.request_line)


@suite.check(
    "icalendar.http.not-modified", title="A conditional request is answered with 304",
    rule="A GET with If-None-Match (or If-Modified-Since) holding the feed's validator is "
         "answered 304 Not Modified, without a body, while the feed is unchanged",
    reference=f"{RFC9110} §13.1.2 (If-None-Match), §13.1.3 (If-Modified-Since), "
              "§15.4.5 (304)",
)
def not_modified(ctx: IcsContext) -> Iterator[Finding]:
    _over_http(ctx)
    exchange = ctx.conditional
    if exchange is None:
        raise NotApplicable("the feed has no validator to revalidate with "
                            "(icalendar.http.validators reports it)")
    first = ctx.fetches[0]
    if exchange.status == 304:
        if exchange.body:
            yield violation("icalendar.http.not-modified", "the 304 carries a body", None,
                            location=exchange.url, value=len(exchange.body),
                            request=exchange.request_line)
        return
    changed = (exchange.status == 200 and first.headers.get("etag") is not None
               and exchange.headers.get("etag") != first.headers.get("etag"))
    if not changed:
        yield violation("icalendar.http.not-modified", f"the conditional request for an "
                        f"unchanged feed was answered {exchange.status}, not 304", None,
                        location=exchange.url, value=exchange.status,
                        request=exchange.request_line)


@suite.check(
    "icalendar.fetch.sequence", title="SEQUENCE never goes down between fetches",
    rule="An event (UID, RECURRENCE-ID) found in two successive fetches keeps its SEQUENCE "
         "or raises it; it never lowers it",
    reference=f"{RFC5545} §3.8.7.4 (Sequence Number: incremented on each revision)",
)
def sequence_never_lowered(ctx: IcsContext) -> Iterator[Finding]:
    parsed = [s for s in ctx.snapshots if s.calendar is not None]
    if len(parsed) < 2:
        raise NotApplicable("only one readable snapshot of the feed: give a folder of "
                            "successive fetches, or the feed's URL, to compare SEQUENCE")
    compared = False
    for before, after in zip(parsed, parsed[1:], strict=False):
        earlier = sequences(before)
        for key, (number, where) in sequences(after).items():
            old = earlier.get(key)
            compared = compared or old is not None
            if old is not None and number < old[0]:
                yield violation("icalendar.fetch.sequence", f"SEQUENCE went from {old[0]} "
                                f"({before.name}) down to {number} ({after.name})", after,
                                location=where, value=f"{old[0]} -> {number}")
    if not compared:
        raise NotApplicable("no event (UID, RECURRENCE-ID) is in two successive snapshots: "
                            "no SEQUENCE to compare")
