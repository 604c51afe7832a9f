"""What ``ooapi-v5.filters.since-until`` needs: the nested offering lists that take ``since``
and ``until``, complete lists of a sampled parent's offerings, and the window test.

In ``ooapi.json`` only the offerings *of* something (``/programs/{programId}/offerings``,
``/courses/{courseId}/offerings``, ...) take the two parameters: ``since`` is "a minimum
start date", ``until`` "a maximum end date" (both full-dates, both inclusive), and without
``since`` "only future offerings are shown (equal to ``?since=<today>``)". A top-level list
never has them, so the check walks a few sampled parents instead. Both the filtered and the
unfiltered answer carry the same default for what is not given, so what the unfiltered list
shows inside the window must be in the filtered one, whatever the server's clock says.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from contract_tests.http import Exchange
from contract_tests.suites.ooapi_v5.context import NOT_OFFERED, Collection, OoapiContext
from contract_tests.suites.ooapi_v5.support import date_of, ident

__all__ = ["Listing", "Window", "complete_listing", "dated_parents", "end_of", "start_of"]

#: Page size of the walks: the one ``sample_offerings`` and the link checks read, so the
#: unfiltered first pages come from the run's cache.
PAGE_SIZE = 10
#: Sampled parents per list (programs, courses, ...).
PARENTS_PER_LIST = 3


def start_of(offering: dict[str, Any]) -> date | None:
    """The offering's start: ``startDate`` (program, course) or ``startDateTime`` (component)."""
    return date_of(offering, "startDate") or date_of(offering, "startDateTime")


def end_of(offering: dict[str, Any]) -> date | None:
    """The offering's end: ``endDate`` or ``endDateTime``."""
    return date_of(offering, "endDate") or date_of(offering, "endDateTime")


@dataclass(frozen=True)
class Window:
    """``since`` and/or ``until`` as sent; ``holds`` says whether an offering is inside."""

    since: date | None = None
    until: date | None = None

    def params(self) -> dict[str, str]:
        """The query parameters of the window."""
        found = {"since": self.since, "until": self.until}
        return {name: value.isoformat() for name, value in found.items() if value is not None}

    def holds(self, offering: dict[str, Any]) -> bool | None:
        """True inside, False outside, None when a bounding date is missing (not judged)."""
        start, end = start_of(offering), end_of(offering)
        if (self.since is not None and start is None) or (self.until is not None and end is None):
            return None
        return ((self.since is None or start is None or start >= self.since)
                and (self.until is None or end is None or end <= self.until))

    def __str__(self) -> str:
        return "&".join(f"{k}={v}" for k, v in self.params().items())


@dataclass(frozen=True)
class Listing:
    """A parent's offerings walked page by page; ``complete`` when the last page said so."""

    items: list[tuple[Exchange, int, dict[str, Any]]]  # (page, index there, offering)
    first: Exchange
    failed: Exchange | None  # the first page that did not answer 200, if any
    complete: bool

    def ids(self) -> set[str]:
        return {i for _, _, item in self.items if (i := ident(item, "offeringId")) is not None}


def complete_listing(ctx: OoapiContext, path: str, **params: str) -> Listing:
    """Every offering of ``path`` (at most ``max_pages`` pages of ``PAGE_SIZE``)."""
    items: list[tuple[Exchange, int, dict[str, Any]]] = []
    first: Exchange | None = None
    for number in range(1, ctx.max_pages + 1):
        exchange = ctx.page(path, number, PAGE_SIZE, **params)
        first = first or exchange
        if exchange.status != 200:
            return Listing(items, first, exchange, complete=False)
        page = ctx.items(exchange)
        items += [(exchange, n, item) for n, item in enumerate(page)]
        body = exchange.json()
        if not page or not isinstance(body, dict) or body.get("hasNextPage") is not True:
            return Listing(items, first, None, complete=True)
    assert first is not None  # noqa: S101 - max_pages is at least 2
    return Listing(items, first, None, complete=False)


def _takes_window(ctx: OoapiContext, path: str) -> bool:
    operation = ctx.raw.get("paths", {}).get(path, {}).get("get", {})
    components = ctx.raw.get("components", {}).get("parameters", {})
    names = set()
    for parameter in operation.get("parameters", []):
        if "$ref" in parameter:
            parameter = components.get(parameter["$ref"].rsplit("/", 1)[-1], {})
        names.add(parameter.get("name"))
    return {"since", "until"} <= names


def dated_parents(ctx: OoapiContext) -> Iterator[tuple[Collection, str, Listing]]:
    """For each offered list whose items have offerings taking ``since``/``until`` in the
    spec: up to ``PARENTS_PER_LIST`` sampled items, their offerings path and unfiltered
    listing (parents whose offerings answer 404/405/501 or hold none are left out)."""
    for collection in ctx.collections:
        template = f"{collection.path}/{{{collection.id_key}}}/offerings"
        if not _takes_window(ctx, template):
            continue
        for parent in ctx.sample(collection)[:PARENTS_PER_LIST]:
            key = ident(parent, collection.id_key)
            if key is None:
                continue
            path = f"{collection.path}/{key}/offerings"
            listing = complete_listing(ctx, path)
            if listing.failed is not None and listing.failed.status in NOT_OFFERED:
                continue
            if listing.items:
                yield collection, path, listing
