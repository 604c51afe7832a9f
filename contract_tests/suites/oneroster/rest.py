"""Checks of the rostering REST service: envelopes, paging, single reads, errors, access.

Requests are few and cached (each collection's first page once, a paging walk of at most
:data:`MAX_PAGES` pages), so a run against a large school stays quick.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

from contract_tests.checks import Finding, NotApplicable
from contract_tests.http import NOT_JSON, Exchange, HttpRecorder
from contract_tests.suites.oneroster.bundle import OneRosterContext
from contract_tests.suites.oneroster.definition import suite, violation
from contract_tests.suites.oneroster.spec import REST

__all__ = ["COLLECTIONS", "collection_items"]

#: Collection endpoint -> the key a single object is wrapped in.
COLLECTIONS = {"orgs": "org", "academicSessions": "academicSession", "courses": "course",
               "classes": "class", "users": "user", "enrollments": "enrollment"}
MAX_PAGES = 7
DEFAULT_LIMIT = 100
_BAD_FILTER = "noSuchField='x'"


def collection_items(exchange: Exchange, key: str) -> list[dict[str, Any]] | None:
    """The objects of a collection reply, or None when it is not ``{key: [objects]}``."""
    body = exchange.json()
    if exchange.status != 200 or body is NOT_JSON or not isinstance(body, dict):
        return None
    items = body.get(key)
    if not isinstance(items, list) or not all(
            isinstance(i, dict) and isinstance(i.get("sourcedId"), str) for i in items):
        return None
    return items


def _first_pages(rest: HttpRecorder) -> Iterator[tuple[str, Exchange]]:
    for name in COLLECTIONS:
        yield name, rest.get(f"/{name}")


def _unread(answered: dict[str, int], what: str) -> NotApplicable:
    """The skip of a check for which no collection's first page held ``what``; ``answered``
    counts the first pages by what they held ("unreadable", "empty", ...)."""
    said = ", ".join(f"{n} {held}" for held, n in answered.items() if n)
    return NotApplicable(f"no collection's first page held {what}: of {len(COLLECTIONS)}, "
                         f"{said} (oneroster.rest.collections reports unreadable ones)")


@suite.check(
    "oneroster.rest.collections", title="Collections are wrapped in their key",
    rule="GET of a collection answers 200 with a JSON object holding the collection under its "
         "name ({\"users\": [...]}), each object with a string sourcedId",
    reference=f"{REST}, the read collection endpoints (getAllUsers, getAllClasses, ...)",
)
def collections(ctx: OneRosterContext) -> Iterator[Finding]:
    rest = ctx.service()
    for name, exchange in _first_pages(rest):
        if collection_items(exchange, name) is None:
            yield violation("oneroster.rest.collections", f"GET /{name} did not answer 200 "
                            f"with {{\"{name}\": [objects with a sourcedId]}}", exchange.url,
                            value=exchange.body[:200].decode("utf-8", "replace"),
                            request=exchange.request_line)


def _total(exchange: Exchange) -> int | None:
    raw = exchange.headers.get("x-total-count", "")
    return int(raw) if raw.isdigit() else None


def _offsets(total: int) -> tuple[int, list[int]]:
    """The page size and offsets of a walk: the first pages, the last one and one past the
    end. The size stays at or under 100, the binding's default, which every server serves."""
    limit = max(1, min(DEFAULT_LIMIT, -(-total // (MAX_PAGES - 2))))
    last = (total - 1) // limit * limit
    head = list(range(0, min(last, limit * (MAX_PAGES - 2)), limit))
    return limit, sorted({*head, last, last + limit})


def _walk(rest: HttpRecorder, name: str, total: int) -> Iterator[Finding]:
    """Walk pages of ``name`` (all of them for up to a few hundred objects)."""
    limit, offsets = _offsets(total)
    seen: dict[str, int] = {}
    for page, offset in enumerate(offsets):
        exchange = rest.get(f"/{name}", {"limit": limit, "offset": offset})
        items = collection_items(exchange, name)
        where = exchange.url
        if items is None:
            yield violation("oneroster.rest.paging", "a page did not answer the collection",
                            where, request=exchange.request_line)
            return
        if _total(exchange) != total:
            yield violation("oneroster.rest.paging", "X-Total-Count differs between pages",
                            where, value=exchange.headers.get("x-total-count", "(absent)"),
                            request=exchange.request_line)
        if len(items) != max(0, min(limit, total - offset)):
            yield violation("oneroster.rest.paging", f"limit={limit}&offset={offset} answered "
                            f"{len(items)} objects of {total}", where, value=len(items),
                            request=exchange.request_line)
        for item in items:
            if item["sourcedId"] in seen:
                yield violation("oneroster.rest.paging", f"{item['sourcedId']} is on page "
                                f"{seen[item['sourcedId']] + 1} and again on page {page + 1}",
                                where, value=item["sourcedId"], request=exchange.request_line)
            seen.setdefault(item["sourcedId"], page)
    if offsets == list(range(0, offsets[-1] + 1, limit)) and len(seen) != total:  # all read
        yield violation("oneroster.rest.paging", f"the pages of /{name} hold {len(seen)} "
                        f"distinct objects, X-Total-Count says {total}", f"/{name}",
                        value=len(seen))


@suite.check(
    "oneroster.rest.paging", title="limit and offset page through every object once",
    rule="limit and offset are honoured, X-Total-Count is present and the same on every page, "
         "and walking the pages yields each object exactly once",
    reference=f"{REST}, pagination (limit, offset, X-Total-Count)",
)
def paging(ctx: OneRosterContext) -> Iterator[Finding]:
    rest = ctx.service()
    answered = dict.fromkeys(("unreadable", "without X-Total-Count", "with fewer than two "
                              "objects", "walked"), 0)
    for name, exchange in _first_pages(rest):
        if collection_items(exchange, name) is None:
            answered["unreadable"] += 1  # oneroster.rest.collections
            continue
        total = _total(exchange)
        if total is None:
            answered["without X-Total-Count"] += 1
            yield violation("oneroster.rest.paging", f"GET /{name} has no X-Total-Count",
                            exchange.url, request=exchange.request_line)
        elif total > 1:
            answered["walked"] += 1
            yield from _walk(rest, name, total)
        else:
            answered["with fewer than two objects"] += 1
    if not answered["walked"]:
        raise _unread(answered, "two or more objects to page through")


@suite.check(
    "oneroster.rest.single", title="A single read equals the collection's object",
    rule="GET /<collection>/<sourcedId> answers 200 with the object under its singular key "
         "({\"user\": {...}}), equal to the object in the collection",
    reference=f"{REST}, the read single object endpoints (getUser, getClass, ...)",
)
def single(ctx: OneRosterContext) -> Iterator[Finding]:
    rest = ctx.service()
    answered = {"unreadable": 0, "empty": 0}
    for name, exchange in _first_pages(rest):
        items = collection_items(exchange, name)
        if not items:
            answered["empty" if items == [] else "unreadable"] += 1
            continue
        item, key = items[0], COLLECTIONS[name]
        one = rest.get(f"/{name}/{quote(item['sourcedId'], safe='')}")
        body = one.json()
        got = body.get(key) if one.status == 200 and isinstance(body, dict) else None
        if got != item:
            yield violation("oneroster.rest.single", f"GET /{name}/{{sourcedId}} did not "
                            f"answer {{\"{key}\": the collection's object}}", one.url,
                            value=one.body[:200].decode("utf-8", "replace"),
                            request=one.request_line)
    if sum(answered.values()) == len(COLLECTIONS):
        raise _unread(answered, "an object to read by its sourcedId")


@suite.check(
    "oneroster.rest.invalid-filter", title="A bad filter gets 400 with the status payload",
    rule="A filter on a field the object does not have is answered 400 with the imsx status "
         "payload: imsx_codeMajor failure, imsx_severity error, codeMinor invalid_filter_field",
    reference=f"{REST}, filtering and the imsx_StatusInfo error payload",
)
def invalid_filter(ctx: OneRosterContext) -> Iterator[Finding]:
    rest = ctx.service()
    exchange = rest.get("/users", {"filter": _BAD_FILTER})
    body = exchange.json()
    minor: Any = None
    if isinstance(body, dict):
        fields = (body.get("imsx_CodeMinor") or {}).get("imsx_codeMinorField") if isinstance(
            body.get("imsx_CodeMinor"), dict) else None
        if isinstance(fields, list) and fields and isinstance(fields[0], dict):
            minor = fields[0].get("imsx_codeMinorFieldValue")
    ok = (exchange.status == 400 and isinstance(body, dict)
          and body.get("imsx_codeMajor") == "failure" and body.get("imsx_severity") == "error"
          and minor == "invalid_filter_field")
    if not ok:
        yield violation("oneroster.rest.invalid-filter", f"filter={_BAD_FILTER} was answered "
                        f"{exchange.status} without the invalid_filter_field status payload",
                        exchange.url, value=exchange.body[:200].decode("utf-8", "replace"),
                        request=exchange.request_line)


@suite.check(
    "oneroster.rest.unauthorized", title="401 without a token",
    rule="A request without an access token is answered 401",
    reference=f"{REST}, security (OAuth 2.0 bearer tokens); RFC 6750 §3.1",
)
def unauthorized(ctx: OneRosterContext) -> Iterator[Finding]:
    rest = ctx.service()
    exchange = rest.get("/users", authenticated=False)
    if exchange.status != 401:
        yield violation("oneroster.rest.unauthorized", f"GET /users without a token was "
                        f"answered {exchange.status}", exchange.url, value=exchange.status,
                        request=exchange.request_line)
