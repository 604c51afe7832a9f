"""A parsed OneRoster ``filter`` and ``sort`` as SQL over the columns a collection maps.

Kept apart from the grammar (:mod:`.query`, pure) and from the collections
(:mod:`.roster_collections`): each collection names, per OneRoster field, the SQL expression
that yields that field's value, so a filter runs in the database and pages stay small.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import and_, func, or_
from sqlalchemy.sql import ColumnElement

from gateway.adapters.oneroster.query import FieldType, Filter, Predicate, Sort

__all__ = ["Column", "order_by", "where_clause"]

#: A OneRoster field's SQL expression and the type its values compare as.
Column = tuple[ColumnElement[Any], FieldType]


def _bound(value: Any) -> Any:
    """The parameter value: dates as ISO text (JSON state), date-times in UTC."""
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _clause(predicate: Predicate, column: ColumnElement[Any]) -> ColumnElement[bool]:
    value = _bound(predicate.value)
    if predicate.op == "~":
        escaped = str(value).lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return func.lower(func.coalesce(column, "")).like(f"%{escaped}%", escape="\\")
    if predicate.op == "!=":
        return or_(column != value, column.is_(None))
    clause: ColumnElement[bool] = {
        "=": column == value, ">": column > value, ">=": column >= value,
        "<": column < value, "<=": column <= value,
    }[predicate.op]
    return clause


def where_clause(where: Filter, columns: Mapping[str, Column]) -> ColumnElement[bool]:
    """The SQL of ``where``; its fields were checked against ``columns`` when parsed."""
    clauses = [_clause(p, columns[p.field][0]) for p in where.predicates]
    return or_(*clauses) if where.conjunction == "OR" else and_(*clauses)


def order_by(
    sort: Sort | None, columns: Mapping[str, Column], ident: ColumnElement[Any],
    *, byte_order: bool = False, keys: Mapping[str, ColumnElement[Any]] | None = None,
) -> list[ColumnElement[Any]]:
    """ORDER BY the sort field (if any) and then the id: a total order for stable pages.

    Text sorts by its lower-case form, in byte order (``byte_order``: ``COLLATE "C"``, for
    PostgreSQL, whose default collation differs from SQLite's), the same on both.
    ``keys`` holds fields whose lower-case form the database keeps ready (a generated
    column): those sort by it, the same order without computing it per row.
    """
    order: list[ColumnElement[Any]] = []
    if sort is not None:
        column, kind = columns[sort.field]
        if kind is FieldType.TEXT:
            ready = (keys or {}).get(sort.field)
            column = func.lower(column) if ready is None else ready
            if byte_order:
                column = column.collate("C")
        order.append(column.desc() if sort.descending else column.asc())
    order.append(ident.asc())
    return order
