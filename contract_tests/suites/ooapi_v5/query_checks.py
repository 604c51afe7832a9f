"""``sort`` and the filters doing what ``ooapi.json`` says they do.

Order is judged on what can be compared without guessing a collation: ids and dates are
errors; names (case-insensitive, language-dependent) only warnings.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from contract_tests.checks import Finding, NotApplicable, Severity
from contract_tests.suites.ooapi_v5.base import SPEC, suite
from contract_tests.suites.ooapi_v5.context import Collection, OoapiContext
from contract_tests.suites.ooapi_v5.offering_windows import (
    Listing,
    Window,
    complete_listing,
    dated_parents,
    end_of,
    start_of,
)
from contract_tests.suites.ooapi_v5.support import Reporter, date_of, ident, text_of

_SORT_REF = f"{SPEC} (each list's 'sort' parameter: '-' prefix sorts descending)"
_DATE_KEYS = ("startDate", "endDate", "startDateTime", "endDateTime", "validFrom",
              "validUntil", "lastModified")


def _key(item: dict[str, Any], field: str, collection: Collection) -> Any:
    if field in _DATE_KEYS:
        found = date_of(item, field)
        if found is None and field.endswith("DateTime"):  # program offerings carry dates
            found = date_of(item, field.replace("DateTime", "Date"))
        return found
    if field == "name":
        return text_of(item, "name")
    return ident(item, field)


def _sort_findings(ctx: OoapiContext, report: Reporter, fields: Iterable[str]
                   ) -> Iterator[Finding]:
    """Findings of every sort the lists offer on ``fields``.

    Raises:
        NotApplicable: no offered list has one of ``fields`` in its sort enum, or no sorted
            page held two items with the key to compare.
    """
    wanted = tuple(fields)
    compared = False
    for collection in ctx.offered():
        for field in wanted:
            if field == "id":
                field = collection.id_key
            if field not in collection.sorts:
                continue
            for sort in (field, f"-{field}"):
                exchange = ctx.page(collection.path, 1, 50, sort=sort)
                if exchange.status != 200:
                    yield report(f"sort={sort} is in the spec's enum for {collection.path}, "
                                 f"but the list answers {exchange.status}", exchange,
                                 value=sort)
                    continue
                keys = [_key(i, field, collection) for i in ctx.items(exchange)]
                present = [(n, k) for n, k in enumerate(keys) if k is not None]
                compared = compared or len(present) >= 2
                descending = sort.startswith("-")
                for (_, a), (n, b) in zip(present, present[1:], strict=False):
                    if (b > a) if descending else (b < a):
                        yield report(f"sort={sort}: item {n} comes after a "
                                     f"{'smaller' if descending else 'larger'} {field}",
                                     exchange, pointer=f"/items/{n}/{field}", value=b)
                        break
    if not compared:
        raise NotApplicable(f"no offered list sorts by {' or '.join(wanted[:3])}"
                            f"{' ...' if len(wanted) > 3 else ''} with two items to compare")


_SORT = "ooapi-v5.sort.ids-and-dates"


@suite.check(_SORT, title="sort orders by id and by date",
             rule="With sort=<id> / -<id> and sort=startDate / -startDate (and the other date "
                  "keys the list offers) the items come in that order",
             reference=_SORT_REF)
def sort_ids_and_dates(ctx: OoapiContext) -> Iterable[Finding]:
    yield from _sort_findings(ctx, Reporter(_SORT), ("id", *_DATE_KEYS))


_SORT_NAME = "ooapi-v5.sort.name"


@suite.check(_SORT_NAME, title="sort orders by name", severity=Severity.WARNING,
             rule="With sort=name / -name the items come in (case-insensitive) name order",
             reference=_SORT_REF)
def sort_name(ctx: OoapiContext) -> Iterable[Finding]:
    yield from _sort_findings(ctx, Reporter(_SORT_NAME, Severity.WARNING), ("name",))


_SEARCH = "ooapi-v5.filters.q"


@suite.check(_SEARCH, title="q finds by name, abbreviation or description",
             rule="Every item answered for q=<term> has the term (case-insensitive) in its "
                  "name, abbreviation or description, and an item whose name holds it is found",
             reference=f"{SPEC} #/components/parameters/search")
def search(ctx: OoapiContext) -> Iterable[Finding]:
    report = Reporter(_SEARCH)
    tested = False
    for collection in ctx.offered():
        if "q" not in collection.params or collection.path == "/persons":
            continue
        probe = next((i for i in ctx.sample(collection) if len(text_of(i, "name")) >= 4), None)
        if probe is None:
            continue
        tested = True
        words = [w for w in text_of(probe, "name").split() if len(w) >= 4]
        term = (words[-1] if words else text_of(probe, "name"))[:12]
        exchange = ctx.page(collection.path, 1, 250, q=term)
        if exchange.status != 200:
            yield report(f"q={term!r} answers {exchange.status}", exchange, value=term)
            continue
        found = ctx.items(exchange)
        for index, item in enumerate(found):
            texts = " ".join(text_of(item, k) for k in ("name", "abbreviation", "description"))
            if term not in texts:
                yield report(f"q={term!r} answered an item without the term", exchange,
                             pointer=f"/items/{index}", value=ident(item, collection.id_key))
        wanted = ident(probe, collection.id_key)
        body = exchange.json()
        if (isinstance(body, dict) and body.get("hasNextPage") is False
                and wanted not in {ident(i, collection.id_key) for i in found}):
            yield report(f"q={term!r} did not find {collection.id_key} {wanted}, whose name "
                         "holds it", exchange, value=wanted)
    if not tested:
        raise NotApplicable("no offered list that takes q has an item with a name to search for")


_LANGUAGE = "ooapi-v5.filters.teaching-language"


@suite.check(_LANGUAGE, title="teachingLanguage filters by language",
             rule="Every item answered for teachingLanguage=<code> has that teachingLanguage",
             reference=f"{SPEC} #/components/parameters/teachingLanguage")
def teaching_language(ctx: OoapiContext) -> Iterable[Finding]:
    report = Reporter(_LANGUAGE)
    tested = False
    for collection in ctx.offered():
        if "teachingLanguage" not in collection.params:
            continue
        languages = {i.get("teachingLanguage") for i in ctx.sample(collection)}
        for language in sorted(x for x in languages if isinstance(x, str))[:2]:
            tested = True
            exchange = ctx.page(collection.path, 1, 50, teachingLanguage=language)
            if exchange.status != 200:
                yield report(f"teachingLanguage={language} answers {exchange.status}",
                             exchange, value=language)
                continue
            for index, item in enumerate(ctx.items(exchange)):
                if item.get("teachingLanguage") != language:
                    yield report(f"teachingLanguage={language} answered another language",
                                 exchange, pointer=f"/items/{index}/teachingLanguage",
                                 value=item.get("teachingLanguage"))
    if not tested:
        raise NotApplicable("no offered list that takes teachingLanguage has a sampled item "
                            "with a teachingLanguage to filter by")


_SINCE = "ooapi-v5.filters.since-until"


def _windows(listing: Listing) -> list[Window]:
    """``since`` at the middle of the served start dates (some start before it), ``until``
    at the middle of the served end dates (some end after it)."""
    offerings = [item for _, _, item in listing.items]
    starts = sorted({d for o in offerings if (d := start_of(o)) is not None})
    ends = sorted({d for o in offerings if (d := end_of(o)) is not None})
    found = []
    if starts:
        found.append(Window(since=starts[len(starts) // 2]))
    if ends:
        found.append(Window(until=ends[(len(ends) - 1) // 2]))
    return found


@suite.check(_SINCE, title="since and until bound offerings by date",
             rule="The offerings of a program, course, ... answered for since=D start on or "
                  "after D, for until=D end on or before D; and every offering the list "
                  "without the parameter shows inside that window is answered too",
             reference=f"{SPEC} #/paths/~1programs~1{{programId}}~1offerings (since, until)")
def since_until(ctx: OoapiContext) -> Iterable[Finding]:
    report = Reporter(_SINCE)
    tested = False
    for _collection, path, unfiltered in dated_parents(ctx):
        for window in _windows(unfiltered):
            tested = True
            filtered = complete_listing(ctx, path, **window.params())
            if filtered.failed is not None:
                yield report(f"{window} answers {filtered.failed.status} on {path}",
                             filtered.failed, value=str(window))
                continue
            for exchange, index, item in filtered.items:
                if window.holds(item) is False:
                    yield report(f"{window} answered offering {ident(item, 'offeringId')}, "
                                 f"which runs {start_of(item)} to {end_of(item)}", exchange,
                                 pointer=f"/items/{index}", value=ident(item, "offeringId"))
            if not filtered.complete:
                continue  # an offering missing here may be on a page beyond max_pages
            kept = filtered.ids()
            for exchange, index, item in unfiltered.items:
                wanted = ident(item, "offeringId")
                if window.holds(item) and wanted is not None and wanted not in kept:
                    yield report(f"{window} left out offering {wanted} ({start_of(item)} to "
                                 f"{end_of(item)}), which the list without it shows",
                                 filtered.first, pointer=f"/items/{index}", value=wanted,
                                 source=exchange)
    if not tested:
        raise NotApplicable("no sampled program, course or other parent whose offerings take "
                            "since and until has an offering with a start or end date")
