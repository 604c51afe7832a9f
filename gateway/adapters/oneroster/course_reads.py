"""Courses and classes whose course ``sourcedId`` is unique across all OneRoster types.

A group without an offering is its own course in OneRoster, and used to carry the
group's id as a course too: the same ``sourcedId`` in ``courses.csv`` and
``classes.csv``, which the binding forbids (a sourcedId names one object). The course now
has :func:`~gateway.mappings.oneroster_v1p2.own_course_id` of the group (a reversible
rewrite of the UUID's version nibble); these collections wrap the SQL reads of
:mod:`.roster_collections` and rewrite, in SQL, the fields that name that course: the course's
``sourcedId`` (filter, sort, and the look-up of one course) and the class's
``course.sourcedId``, so REST filters, single reads and the CSV bundle agree with the
mapping. Paging keeps to the entity ids underneath (a stable total order).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, case, func, literal, or_
from sqlalchemy.sql import ColumnElement, Select

from gateway.adapters.oneroster.json_fields import JsonText
from gateway.adapters.oneroster.roster_collections import CLASSES, COURSES, Collection
from gateway.adapters.oneroster.sql_filter import Column
from gateway.mappings.oneroster_v1p2 import own_course_group
from gateway.store.tables import entities

__all__ = ["OWN_CLASSES", "OWN_COURSES", "own_course_sql"]

_E = entities


def own_course_sql(group_id: ColumnElement[Any]) -> ColumnElement[str]:
    """:func:`~gateway.mappings.oneroster_v1p2.own_course_id` in SQL (SQLite, PostgreSQL)."""
    return func.substr(group_id, 1, 14) + literal("8") + func.substr(group_id, 16)


@dataclass(frozen=True, eq=False)
class _Wrapped(Collection):
    """A collection of :mod:`.roster_collections` with some of its field SQL replaced."""

    inner: Collection

    def columns(self, found: dict[str, Column]) -> dict[str, Column]:
        return found

    def build(self, tenant: str) -> tuple[Select[Any], dict[str, Column]]:
        query, found = self.inner.build(tenant)
        return query, self.columns(found)

    def joined(self, row: Any) -> dict[str, Any]:
        return self.inner.joined(row)

    def sort_keys(self) -> dict[str, ColumnElement[Any]]:
        return self.inner.sort_keys()


@dataclass(frozen=True, eq=False)
class _Courses(_Wrapped):
    def columns(self, found: dict[str, Column]) -> dict[str, Column]:
        ident = case((_E.c.kind == "group", own_course_sql(_E.c.id)), else_=_E.c.id)
        return {**found, "sourcedId": (ident, found["sourcedId"][1])}

    def single(self, tenant: str, ident: str) -> Select[Any]:
        group = own_course_group(ident)
        mine = or_(and_(_E.c.kind != "group", _E.c.id == ident),
                   and_(_E.c.kind == "group", _E.c.id == (group or "")))
        return self.build(tenant)[0].where(mine)


@dataclass(frozen=True, eq=False)
class _Classes(_Wrapped):
    def columns(self, found: dict[str, Column]) -> dict[str, Column]:
        offering = func.nullif(JsonText(_E.c.state, "offering_id"), "")
        course = func.coalesce(offering, own_course_sql(_E.c.id))
        return {**found, "course.sourcedId": (course, found["course.sourcedId"][1])}


#: The courses (a group's own course under its own id).
OWN_COURSES = _Courses(COURSES.name, COURSES.table, COURSES)
#: The classes (``course.sourcedId`` naming that course).
OWN_CLASSES = _Classes(CLASSES.name, CLASSES.table, CLASSES)
