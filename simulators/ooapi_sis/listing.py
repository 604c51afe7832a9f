"""The query parameters of OOAPI list endpoints, and one page of a list.

Parameters follow ``ooapi.json``: ``pageSize`` (10, 20, 50, 100 or 250; default 10),
``pageNumber`` (from 1), ``sort`` (comma separated, ``-`` for descending, from the
endpoint's enum), ``q`` (case-insensitive part of name, abbreviation or description),
``teachingLanguage``, and for offerings ``since``/``until`` (start date at least /
end date at most; ``since`` defaults to today, as the spec says) and ``offeringType``.
The order is total (the id breaks ties), so pages never lose or repeat an item.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

__all__ = ["BadQuery", "ListQuery", "for_consumer", "page_of", "parse_query", "sorted_items"]

PAGE_SIZES = (10, 20, 50, 100, 250)
Doc = dict[str, Any]


class BadQuery(ValueError):
    """A query parameter the spec does not allow; answered with 400."""


@dataclass(frozen=True)
class ListQuery:
    page_size: int
    page_number: int
    sort: tuple[str, ...]
    search: str | None
    language: str | None
    since: date | None
    until: date | None
    offering_type: str | None
    consumer: str | None

    def filter_key(self) -> tuple[Any, ...]:
        """What selects and orders the items (not which page): the cache key of a list."""
        return (self.sort, self.search, self.language, self.since, self.until,
                self.offering_type)


def _int(params: Mapping[str, str], name: str, default: int) -> int:
    raw = params.get(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise BadQuery(f"{name} must be an integer") from None


def _date(params: Mapping[str, str], name: str) -> date | None:
    raw = params.get(name)
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        raise BadQuery(f"{name} must be a full-date (YYYY-MM-DD)") from None


def parse_query(
    params: Mapping[str, str], *, sorts: Sequence[str], default_sort: str,
    dated: bool, today: date,
) -> ListQuery:
    """Read and check a list endpoint's query parameters.

    Raises:
        BadQuery: a parameter is malformed or outside what the spec allows.
    """
    size = _int(params, "pageSize", 10)
    if size not in PAGE_SIZES:
        raise BadQuery(f"pageSize must be one of {list(PAGE_SIZES)}")
    number = _int(params, "pageNumber", 1)
    if number < 1:
        raise BadQuery("pageNumber starts at 1")
    sort = tuple(s for s in params.get("sort", default_sort).split(",") if s)
    for key in sort:
        if key.lstrip("-") not in sorts:
            raise BadQuery(f"sort by {key!r} is not offered; use {list(sorts)}")
    kind = params.get("offeringType")
    if kind is not None and kind not in ("program", "course", "component"):
        raise BadQuery("offeringType must be program, course or component")
    language = params.get("teachingLanguage")
    if language is not None and not (len(language) == 3 and language.isalpha()
                                     and language.islower()):
        raise BadQuery("teachingLanguage is three lower-case letters (ISO 639-2)")
    since = _date(params, "since") if dated else None
    return ListQuery(
        page_size=size, page_number=number, sort=sort, search=params.get("q") or None,
        language=language,
        since=(since or today) if dated else None,
        until=_date(params, "until") if dated else None,
        offering_type=kind, consumer=params.get("consumer") or None)


def _text(doc: Doc, key: str) -> str:
    value = doc.get(key)
    if isinstance(value, list):
        return " ".join(str(v.get("value", "")) for v in value if isinstance(v, dict))
    return str(value or "")


def _sort_value(doc: Doc, key: str) -> str:
    if key == "name":
        return _text(doc, "name").casefold()
    if key == "primaryCode":
        return str(doc.get("primaryCode", {}).get("code", ""))
    if key in ("startDateTime", "endDateTime"):
        return str(doc.get(key) or doc.get(key.replace("DateTime", "Date"), ""))
    return str(doc.get(key, ""))


def sorted_items(docs: Iterable[Doc], query: ListQuery, id_key: str) -> list[Doc]:
    """The documents that match ``query``, in its order (ties broken by ``id_key``)."""
    selected = []
    needle = query.search.casefold() if query.search else None
    for doc in docs:
        if needle and not any(needle in _text(doc, k).casefold()
                              for k in ("name", "abbreviation", "description")):
            continue
        if query.language and doc.get("teachingLanguage") != query.language:
            continue
        if query.offering_type and doc.get("offeringType") != query.offering_type:
            continue
        start = doc.get("startDate") or str(doc.get("startDateTime", ""))[:10]
        if query.since and start and start < query.since.isoformat():
            continue
        end = doc.get("endDate") or str(doc.get("endDateTime", ""))[:10]
        if query.until and end and end > query.until.isoformat():
            continue
        selected.append(doc)
    selected.sort(key=lambda d: str(d[id_key]))
    for key in reversed(query.sort):
        name = key.lstrip("-")
        selected.sort(key=lambda d, n=name: _sort_value(d, n),  # type: ignore[misc]
                      reverse=key.startswith("-"))
    return selected


def page_of(items: Sequence[Doc], query: ListQuery, view: Callable[[Doc], Doc]) -> Doc:
    """One page with the ``Pagination`` fields of the spec; ``view`` renders each item."""
    total_pages = max(1, math.ceil(len(items) / query.page_size))
    start = (query.page_number - 1) * query.page_size
    return {
        "pageSize": query.page_size,
        "pageNumber": query.page_number,
        "hasPreviousPage": query.page_number > 1,
        "hasNextPage": query.page_number < total_pages,
        "totalPages": total_pages,
        "items": [view(doc) for doc in items[start:start + query.page_size]],
    }


def for_consumer(doc: Doc, consumer: str | None) -> Doc:
    """``doc`` with only the ``consumers`` entries of ``consumer`` (all when None)."""
    if consumer is None or "consumers" not in doc:
        return doc
    kept = [e for e in doc["consumers"] if e.get("consumerKey") == consumer]
    view = {k: v for k, v in doc.items() if k != "consumers"}
    if kept:
        view["consumers"] = kept
    return view
