"""The query parameters of the OneRoster 1.2 REST binding, parsed and checked (pure).

``filter`` is ``field op 'value'``, optionally ``AND``/``OR`` one more predicate (the
binding allows one logical operator); ``op`` is one of ``= != > >= < <= ~`` (``~``:
contains, case-insensitive). ``sort`` names one field, ``orderBy`` is ``asc`` or
``desc``; ``fields`` is a comma-separated selection of an object's fields; ``limit``
(default 100) and ``offset`` page a collection.

Each collection says which fields it can filter and sort on, and of what type, so an
unknown or unusable field is refused here (400, :class:`~.errors.OneRosterQueryError`)
before any data is read. Values are compared as their type: text, a ``YYYY-MM-DD`` date,
an ISO 8601 date-time.

Example::

    where = parse_filter("status='active' AND dateLastModified>'2025-08-01T00:00:00Z'", SPEC)
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from gateway.adapters.oneroster.errors import CodeMinor, OneRosterQueryError

__all__ = [
    "DEFAULT_LIMIT",
    "MAX_LIMIT",
    "FieldType",
    "Filter",
    "Page",
    "Predicate",
    "Sort",
    "matches",
    "parse_fields",
    "parse_filter",
    "parse_page",
    "parse_sort",
]

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
OPERATORS = ("!=", ">=", "<=", "=", ">", "<", "~")

_FIELD = r"[A-Za-z][A-Za-z0-9]*(?:\.[A-Za-z][A-Za-z0-9]*)?"
_OP = "|".join(re.escape(op) for op in OPERATORS)
_PREDICATE = rf"\s*({_FIELD})\s*({_OP})\s*'([^']*)'\s*"
_FILTER = re.compile(rf"^{_PREDICATE}(?:(AND|OR){_PREDICATE})?$")


class FieldType(StrEnum):
    TEXT = "text"
    DATE = "date"
    DATETIME = "datetime"


@dataclass(frozen=True)
class Predicate:
    field: str
    op: str
    #: The value as compared: ``str``, ``date`` or an aware ``datetime``.
    value: Any


@dataclass(frozen=True)
class Filter:
    predicates: tuple[Predicate, ...]
    #: ``AND`` or ``OR`` between two predicates; None for one.
    conjunction: str | None = None


@dataclass(frozen=True)
class Sort:
    field: str
    descending: bool = False


@dataclass(frozen=True)
class Page:
    limit: int = DEFAULT_LIMIT
    offset: int = 0


def _bad(minor: CodeMinor, parameter: str, message: str) -> OneRosterQueryError:
    return OneRosterQueryError(message, minor, parameter=parameter)


def _typed(raw: str, kind: FieldType, field: str) -> Any:
    """The filter value as its field's type."""
    try:
        if kind is FieldType.DATE:
            return date.fromisoformat(raw)
        if kind is FieldType.DATETIME:
            when = datetime.fromisoformat(raw)
            return when if when.tzinfo else when.replace(tzinfo=UTC)
    except ValueError:
        raise _bad(CodeMinor.INVALID_FILTER_FIELD, "filter",
                   f"the value for {field} is not an ISO 8601 {kind.value}") from None
    return raw


def parse_filter(raw: str | None, spec: Mapping[str, FieldType]) -> Filter | None:
    """Parse ``filter`` against the fields a collection can filter on.

    Args:
        raw: the ``filter`` query parameter (None or empty: no filter).
        spec: the filterable fields and their types.

    Returns:
        The filter, or None.

    Raises:
        OneRosterQueryError: malformed, an unknown field, ``~`` on a non-text field, or a
            value that is not of the field's type (``invalid_filter_field``).
    """
    if raw is None or not raw.strip():
        return None
    found = _FILTER.match(raw)
    if found is None:
        raise _bad(CodeMinor.INVALID_FILTER_FIELD, "filter",
                   "filter must be field<op>'value', optionally AND/OR one more predicate")
    if "\x00" in raw:  # no stored text holds NUL; PostgreSQL refuses it as a parameter
        raise _bad(CodeMinor.INVALID_FILTER_FIELD, "filter", "filter holds a NUL character")
    groups = found.groups()
    predicates: list[Predicate] = []
    for field, op, value in (groups[0:3], groups[4:7]):
        if field is None:
            continue
        kind = spec.get(field)
        if kind is None:
            raise _bad(CodeMinor.INVALID_FILTER_FIELD, "filter",
                       f"cannot filter on {field}; fields: {', '.join(sorted(spec))}")
        if op == "~" and kind is not FieldType.TEXT:
            raise _bad(CodeMinor.INVALID_FILTER_FIELD, "filter",
                       f"~ (contains) needs a text field, not {field}")
        predicates.append(Predicate(field, op, value if op == "~" else _typed(value, kind, field)))
    return Filter(tuple(predicates), groups[3])


def parse_sort(sort: str | None, order_by: str | None, allowed: Mapping[str, Any]) -> Sort | None:
    """Parse ``sort`` and ``orderBy``.

    Raises:
        OneRosterQueryError: an unknown sort field or an ``orderBy`` other than
            ``asc``/``desc`` (``invalid_sort_field``).
    """
    if order_by is not None and order_by not in {"asc", "desc"}:
        raise _bad(CodeMinor.INVALID_SORT_FIELD, "orderBy", "orderBy must be asc or desc")
    if sort is None or not sort.strip():
        return None
    if sort not in allowed:
        raise _bad(CodeMinor.INVALID_SORT_FIELD, "sort",
                   f"cannot sort on {sort}; fields: {', '.join(sorted(allowed))}")
    return Sort(sort, descending=order_by == "desc")


def parse_fields(raw: str | None, allowed: frozenset[str]) -> tuple[str, ...] | None:
    """Parse ``fields``: the selected top-level fields, in the order given.

    Raises:
        OneRosterQueryError: empty or unknown fields (``invalid_selection_field``).
    """
    if raw is None:
        return None
    names = tuple(dict.fromkeys(name.strip() for name in raw.split(",")))
    unknown = [name for name in names if name not in allowed]
    if not names or unknown:
        raise _bad(CodeMinor.INVALID_SELECTION_FIELD, "fields",
                   f"unknown fields; choose from: {', '.join(sorted(allowed))}")
    return names


def parse_page(limit: str | None, offset: str | None) -> Page:
    """Parse ``limit`` (1 and up; above :data:`MAX_LIMIT` is capped) and ``offset`` (0 up).

    Raises:
        OneRosterQueryError: not a whole number in range (``invaliddata``).
    """
    def number(raw: str | None, default: int, least: int, name: str) -> int:
        if raw is None:
            return default
        if not raw.isdigit() or int(raw) < least:
            raise _bad(CodeMinor.INVALID_DATA, name, f"{name} must be a whole number >= {least}")
        return int(raw)

    return Page(min(number(limit, DEFAULT_LIMIT, 1, "limit"), MAX_LIMIT),
                number(offset, 0, 0, "offset"))


def _lookup(obj: Mapping[str, Any], field: str) -> Any:
    value: Any = obj
    for part in field.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def _holds(predicate: Predicate, actual: Any) -> bool:
    if actual is None:
        return predicate.op == "!="
    if predicate.op == "~":
        return str(predicate.value).lower() in str(actual).lower()
    expected = predicate.value
    if isinstance(expected, datetime):
        actual = _typed(str(actual).replace("Z", "+00:00"), FieldType.DATETIME, predicate.field)
    elif isinstance(expected, date):
        actual = date.fromisoformat(str(actual))
    else:
        actual = str(actual)
    outcome: bool = {
        "=": actual == expected, "!=": actual != expected, ">": actual > expected,
        ">=": actual >= expected, "<": actual < expected, "<=": actual <= expected,
    }[predicate.op]
    return outcome


def matches(where: Filter | None, obj: Mapping[str, Any]) -> bool:
    """Whether a OneRoster object (as JSON) passes ``where``; for small derived collections."""
    if where is None:
        return True
    results = [_holds(p, _lookup(obj, p.field)) for p in where.predicates]
    return any(results) if where.conjunction == "OR" else all(results)
