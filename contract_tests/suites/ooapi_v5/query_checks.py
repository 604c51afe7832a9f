"""``sort`` and the filters doing what ``ooapi.json`` says they do.

Order is judged on what can be compared without guessing a collation: ids and dates are
errors; names (case-insensitive, language-dependent) only warnings.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any

from contract_tests.checks import Finding, NotApplicable, Severity
from contract_tests.suites.ooapi_v5.base import SPEC, suite
from contract_tests.suites.ooapi_v5.context import Collection, OoapiContext
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
    for collection in ctx.collections:
        for field in fields:
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
                descending = sort.startswith("-")
                for (_, a), (n, b) in zip(present, present[1:], strict=False):
                    if (b > a) if descending else (b < a):
                        yield report(f"sort={sort}: item {n} comes after a "
                                     f"{'smaller' if descending else 'larger'} {field}",
                                     exchange, pointer=f"/items/{n}/{field}", value=b)
                        break


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
    for collection in ctx.collections:
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
    for collection in ctx.collections:
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


@suite.check(_SINCE, title="since and until bound offerings by date",
             rule="Offerings answered for since=D start on or after D; for until=D they end "
                  "on or before D",
             reference=f"{SPEC} #/paths/~1programs~1{{programId}}~1offerings (since, until)")
def since_until(ctx: OoapiContext) -> Iterable[Finding]:
    report = Reporter(_SINCE)
    tested = False
    for collection in ctx.collections:
        if "since" not in collection.params:
            continue
        starts = sorted(d for i in ctx.sample(collection)
                        if (d := _key(i, "startDate", collection)) is not None)
        if not starts:
            continue
        tested = True
        bound: date = starts[len(starts) // 2]
        for name, field, later in (("since", "startDate", False), ("until", "endDate", True)):
            exchange = ctx.page(collection.path, 1, 50, **{name: bound.isoformat()})
            if exchange.status != 200:
                yield report(f"{name}={bound} answers {exchange.status}", exchange,
                             value=bound.isoformat())
                continue
            for index, item in enumerate(ctx.items(exchange)):
                value = date_of(item, field) or date_of(item, field + "Time")
                if value is not None and (value > bound if later else value < bound):
                    yield report(f"{name}={bound} answered an offering with {field} {value}",
                                 exchange, pointer=f"/items/{index}/{field}", value=str(value))
    if not tested:
        raise NotApplicable("no offered list that takes since and until has a sampled item "
                            "with a start date")
