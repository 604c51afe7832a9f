"""Paging as ``ooapi.json`` describes it: ``pageSize`` and ``pageNumber`` honoured, the
``Pagination`` flags telling the truth, and the pages together holding every item once."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from contract_tests.checks import Finding, NotApplicable
from contract_tests.http import Exchange
from contract_tests.suites.ooapi_v5.base import SPEC, suite
from contract_tests.suites.ooapi_v5.context import Collection, OoapiContext
from contract_tests.suites.ooapi_v5.support import Reporter, ident

_PAGINATION = f"{SPEC} #/components/schemas/Pagination"


def _body(exchange: Exchange) -> dict[str, Any] | None:
    body = exchange.json()
    return body if exchange.status == 200 and isinstance(body, dict) else None


_SIZE = "ooapi-v5.paging.page-size"


@suite.check(_SIZE, title="pageSize is honoured",
             rule="A page asked with pageSize=N echoes pageSize N and holds at most N items, "
                  "exactly N when a next page exists",
             reference=f"{SPEC} #/components/parameters/pageSize, {_PAGINATION}")
def page_size(ctx: OoapiContext) -> Iterable[Finding]:
    report = Reporter(_SIZE)
    for collection in ctx.offered():
        for size in (10, 20):
            exchange = ctx.page(collection.path, 1, size)
            body = _body(exchange)
            if body is None:
                yield report(f"pageSize={size} answers {exchange.status}", exchange,
                             value=exchange.status)
                continue
            if body.get("pageSize") != size:
                yield report(f"asked pageSize {size}, the page says {body.get('pageSize')!r}",
                             exchange, pointer="/pageSize", value=body.get("pageSize"))
            count = len(ctx.items(exchange))
            if count > size:
                yield report(f"asked pageSize {size}, got {count} items", exchange,
                             pointer="/items", value=count)
            elif body.get("hasNextPage") is True and count != size:
                yield report(f"a page with a next page holds {count} items, not {size}",
                             exchange, pointer="/items", value=count)


_NUMBER = "ooapi-v5.paging.page-number"


@suite.check(_NUMBER, title="pageNumber is honoured",
             rule="A page asked with pageNumber=N echoes N; hasPreviousPage is true exactly "
                  "when N > 1",
             reference=f"{SPEC} #/components/parameters/pageNumber, {_PAGINATION}")
def page_number(ctx: OoapiContext) -> Iterable[Finding]:
    report = Reporter(_NUMBER)
    for collection in ctx.offered():
        for number in (1, 2):
            exchange = ctx.page(collection.path, number, 10)
            body = _body(exchange)
            if body is None:
                yield report(f"page {number} answers {exchange.status}", exchange,
                             value=exchange.status)
                continue
            if body.get("pageNumber") != number:
                yield report(f"asked pageNumber {number}, the page says "
                             f"{body.get('pageNumber')!r}", exchange, pointer="/pageNumber",
                             value=body.get("pageNumber"))
            if body.get("hasPreviousPage") is not (number > 1):
                yield report(f"hasPreviousPage on page {number} must be {number > 1}",
                             exchange, pointer="/hasPreviousPage",
                             value=body.get("hasPreviousPage"))


def _walk(ctx: OoapiContext, collection: Collection) -> list[Exchange]:
    """Pages 1.. of size 10 while hasNextPage says so, at most ``max_pages`` (+1 to peek)."""
    pages = []
    for number in range(1, ctx.max_pages + 1):
        exchange = ctx.page(collection.path, number, 10)
        pages.append(exchange)
        body = _body(exchange)
        if body is None or body.get("hasNextPage") is not True:
            break
    return pages


_NEXT = "ooapi-v5.paging.has-next-page"


@suite.check(_NEXT, title="hasNextPage and totalPages tell the truth",
             rule="hasNextPage is true exactly when the next page holds items; totalPages, when "
                  "given, is the number of the last non-empty page on every page",
             reference=_PAGINATION)
def has_next_page(ctx: OoapiContext) -> Iterable[Finding]:
    report = Reporter(_NEXT)
    for collection in ctx.offered():
        yield from _next_findings(report, ctx, collection)


def _next_findings(report: Reporter, ctx: OoapiContext,
                   collection: Collection) -> Iterator[Finding]:
    pages = _walk(ctx, collection)
    bodies = [_body(p) for p in pages]
    if bodies[-1] is None:
        yield report(f"page {len(pages)} answers {pages[-1].status}", pages[-1],
                     value=pages[-1].status)
        return
    last = bodies[-1]
    assert last is not None  # noqa: S101 - narrowed above
    if last.get("hasNextPage") is not False:
        yield from _beyond_walk(report, ctx, collection, pages[0], bodies[0])
        return
    number = len(pages)
    peek = ctx.page(collection.path, number + 1, 10)
    if ctx.items(peek):
        yield report(f"page {number} says hasNextPage false, but page {number + 1} holds "
                     f"{len(ctx.items(peek))} items", pages[-1], pointer="/hasNextPage",
                     value=False)
    if number > 1 and not ctx.items(pages[-1]):
        yield report(f"page {number - 1} says hasNextPage true, but page {number} is empty",
                     pages[-2], pointer="/hasNextPage", value=True)
    empty = number == 1 and not ctx.items(pages[0])
    expected = 0 if empty else number
    for exchange, body in zip(pages, bodies, strict=True):
        assert body is not None  # noqa: S101
        total = body.get("totalPages")
        if total is not None and total != expected and not (empty and total == 1):
            yield report(f"totalPages is {total!r}, but the last page is {expected}",
                         exchange, pointer="/totalPages", value=total)


def _beyond_walk(report: Reporter, ctx: OoapiContext, collection: Collection,
                 first: Exchange, body: dict[str, Any] | None) -> Iterator[Finding]:
    """A list longer than the walk: page ``totalPages`` must be the last non-empty one."""
    total = body.get("totalPages") if body else None
    if not isinstance(total, int) or isinstance(total, bool):
        return  # totalPages is optional; the walk checked every hasNextPage it saw
    if total <= ctx.max_pages:
        yield report(f"totalPages is {total}, but page {total} says hasNextPage true",
                     first, pointer="/totalPages", value=total)
        return
    last = ctx.page(collection.path, total, 10)
    last_body = _body(last)
    if last_body is None or not ctx.items(last):
        yield report(f"totalPages is {total}, but page {total} is empty or fails "
                     f"({last.status})", first, pointer="/totalPages", value=total)
    elif last_body.get("hasNextPage") is not False:
        yield report(f"page {total} is the last page by totalPages, but says hasNextPage "
                     f"{last_body.get('hasNextPage')!r}", last, pointer="/hasNextPage",
                     value=last_body.get("hasNextPage"))
    after = ctx.page(collection.path, total + 1, 10)
    if ctx.items(after):
        yield report(f"totalPages is {total}, but page {total + 1} holds items", after,
                     pointer="/items", value=len(ctx.items(after)))


_COMPLETE = "ooapi-v5.paging.no-item-lost-or-repeated"


@suite.check(_COMPLETE, title="No item is lost or repeated across pages",
             rule="Pages 1..k of size 10 hold, in order, the same items as page 1 of size "
                  "10*k; no id appears twice",
             reference=_PAGINATION)
def complete(ctx: OoapiContext) -> Iterable[Finding]:
    report = Reporter(_COMPLETE)
    walked_any = False
    for collection in ctx.offered():
        pages = 5 if ctx.max_pages >= 5 else 2
        walked: list[str | None] = []
        seen: dict[str | None, int] = {}
        for number in range(1, pages + 1):
            exchange = ctx.page(collection.path, number, 10)
            for index, item in enumerate(ctx.items(exchange)):
                key = ident(item, collection.id_key)
                if key in seen:
                    yield report(f"{collection.id_key} {key} of page {seen[key]} appears "
                                 f"again on page {number}", exchange,
                                 pointer=f"/items/{index}/{collection.id_key}", value=key)
                seen.setdefault(key, number)
                walked.append(key)
        large = ctx.page(collection.path, 1, 10 * pages)
        whole = [ident(item, collection.id_key) for item in ctx.items(large)]
        walked_any = walked_any or bool(walked or whole)
        if _body(large) is not None and walked != whole:
            lost = [k for k in whole if k not in set(walked)]
            yield report(f"pages 1-{pages} of size 10 differ from page 1 of size {10 * pages}"
                         f" ({len(lost)} items missing from the small pages)", large,
                         pointer="/items", value=lost[:5] or walked[:5])
    if not walked_any:
        raise NotApplicable("every offered list is empty: no item to lose or repeat")
