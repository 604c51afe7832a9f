"""The collections below another object (``/classes/{id}/students``, ``/users/{id}/classes``, ...).

A nested collection is its top-level collection narrowed by one more SQL condition, so it
pages, filters, sorts and selects ``fields`` exactly as the top-level one does (the same
reads of :mod:`.roster_collections`, with the condition added to the query they build):

- users of a class: the persons with a current membership (not deleted, not cancelled) of
  that group, in the enrollment role asked for (``student`` or ``teacher``);
- classes of a user: the groups in which the person has such a membership (of that role,
  for ``/students/{id}/classes`` and ``/teachers/{id}/classes``);
- classes of a term: the groups that run in that school year, by the same rule as a
  class's ``terms`` (:func:`gateway.mappings.oneroster_v1p2.school_years`: an open start or
  end counts as today, at most ten years back from the end), in SQL over ISO date text;
- enrollments of a class, classes of a course: an equality on a field the collection
  already maps (``class.sourcedId``, ``course.sourcedId``).

Memberships are found through the generated ``person_ref``/``group_ref`` columns and their
(tenant, kind, ...) indexes; nothing here reads a whole tenant.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import and_, case, func, literal, or_, select
from sqlalchemy.sql import ColumnElement, Select

from gateway.adapters.oneroster.json_fields import JsonText
from gateway.adapters.oneroster.roster_collections import Collection
from gateway.adapters.oneroster.sql_filter import Column
from gateway.mappings.oneroster_v1p2 import ENROLLMENT_ROLES
from gateway.store.tables import entities

__all__ = ["Narrowed", "classes_in_year", "classes_of_person", "equal_to", "members_of_class",
           "narrowed"]

#: A condition on a collection's rows, made from the SQL of its fields.
Narrowing = Callable[[dict[str, Column]], ColumnElement[bool]]

_M = entities.alias("nested_member")
_TEACHING = tuple(r for r, oneroster in ENROLLMENT_ROLES.items() if oneroster == "teacher")
_NOT_STUDENT = tuple(r for r, oneroster in ENROLLMENT_ROLES.items() if oneroster != "student")


@dataclass(frozen=True, eq=False)
class Narrowed(Collection):
    """``inner`` with ``narrowing`` added to every query it builds (pages, counts, single)."""

    inner: Collection
    narrowing: Narrowing

    def build(self, tenant: str) -> tuple[Select[Any], dict[str, Column]]:
        query, columns = self.inner.build(tenant)
        return query.where(self.narrowing(columns)), columns

    def joined(self, row: Any) -> dict[str, Any]:
        return self.inner.joined(row)

    def sort_keys(self) -> dict[str, ColumnElement[Any]]:
        return self.inner.sort_keys()


def narrowed(inner: Collection, narrowing: Narrowing) -> Narrowed:
    """``inner`` narrowed by ``narrowing``."""
    return Narrowed(inner.name, inner.table, inner, narrowing)


def _role(role: str | None) -> ColumnElement[bool]:
    member_role = JsonText(_M.c.state, "role")
    if role == "teacher":
        return member_role.in_(_TEACHING)
    if role == "student":  # what the enrollments map to ``student`` (unknown roles too)
        return or_(member_role.is_(None), member_role.not_in(_NOT_STUDENT))
    return literal(True)


def _current(tenant: str, role: str | None) -> list[ColumnElement[bool]]:
    return [_M.c.tenant == tenant, _M.c.kind == "membership", _M.c.deleted.is_(False),
            func.coalesce(JsonText(_M.c.state, "state"), "") != "cancelled", _role(role)]


def members_of_class(tenant: str, group_id: str, role: str) -> Narrowing:
    """Users with a current ``role`` membership of the group ``group_id``."""
    persons = select(_M.c.person_ref).where(_M.c.group_ref == group_id, *_current(tenant, role))
    return lambda columns: columns["sourcedId"][0].in_(persons)


def classes_of_person(tenant: str, person_id: str, role: str | None) -> Narrowing:
    """Classes in which ``person_id`` has a current membership (of ``role``, if given)."""
    groups = select(_M.c.group_ref).where(_M.c.person_ref == person_id, *_current(tenant, role))
    return lambda columns: columns["sourcedId"][0].in_(groups)


def equal_to(field: str, value: str) -> Narrowing:
    """Objects whose ``field`` (as the collection maps it) is ``value``."""
    return lambda columns: columns[field][0] == value


def classes_in_year(year: int, today: date) -> Narrowing:
    """Classes that run in the school year ending in ``year`` (1 Aug ``year - 1`` - 31 Jul)."""
    state = entities.c.state
    start_, end_ = (func.nullif(JsonText(state, key), "") for key in ("valid_from",
                                                                        "valid_until"))
    now = literal(today.isoformat())
    start = case((start_.is_not(None), start_), (and_(end_.is_not(None), end_ < now), end_),
                 else_=now)
    end = case((end_.is_not(None), end_), (start > now, start), else_=now)
    runs = and_(start <= f"{year}-07-31", end >= f"{year - 1}-08-01",
                end <= f"{year + 9}-07-31")  # the ten-year bound of school_years
    return lambda columns: runs
