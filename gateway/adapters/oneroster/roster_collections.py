"""The OneRoster collections as SQL over the entity store: their rows and their fields.

Each collection builds the tenant's rows as one query, and names per OneRoster field the
SQL a filter or sort on that field reads: JSON paths into the entity ``state``
(``json_extract`` on SQLite, ``->>`` on PostgreSQL); the membership fields that link
persons and groups are the columns ``person_ref`` and ``group_ref`` that the database
generates from the state (migration 0010), indexed with (tenant, kind), so a membership
lookup or a users count reads an index and no JSON; migration 0009's (tenant, kind, id)
index serves the default order. :mod:`.roster_reads` runs these queries.

- users are persons with at least one membership (an EXISTS per person on the person_ref
  index); a person's role is a correlated lookup of its own memberships, so a page, one
  user or a count never aggregates all of the tenant's memberships; names come from
  ``person_data`` by person id, three JSON fields and nothing else (e-mail, birth date
  and address are never read); a sort on familyName reads the generated sort key
  ``person_data.family_name_key`` (from its index) instead of every person's JSON;
- an enrollment looks its group and person up by primary key (EXISTS, not a join: a
  count or a page of ids looks at neither), to report ``tobedeleted`` when either is gone.

Example::

    query, columns = USERS.build("roc-a")   # the rows, and {"givenName": (sql, TEXT), ...}
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, case, func, literal, or_, select
from sqlalchemy.sql import ColumnElement, Select

from gateway.adapters.oneroster.index_hints import unindexed
from gateway.adapters.oneroster.query import FieldType
from gateway.adapters.oneroster.sql_filter import Column
from gateway.mappings.oneroster_v1p2 import ENROLLMENT_ROLES, Record
from gateway.store.tables import entities, person_data

__all__ = ["CLASSES", "COURSES", "ENROLLMENTS", "USERS", "USER_ROLES", "Collection", "Row",
           "state_text"]

_E = entities
_M = entities.alias("member")
_G = entities.alias("grp")
_P = entities.alias("person")
T, D, DT = FieldType.TEXT, FieldType.DATE, FieldType.DATETIME


def state_text(table: Any, *path: str) -> ColumnElement[str]:
    """The text at ``path`` in the entity ``state`` of ``table`` (a JSON path in SQL)."""
    key: str | tuple[str, ...] = path[0] if len(path) == 1 else path
    return table.c.state[key].as_string()  # type: ignore[no-any-return]


def _status(gone: ColumnElement[bool]) -> ColumnElement[str]:
    return case((gone, "tobedeleted"), else_="active")


def _common(table: Any, gone: ColumnElement[bool] | None = None) -> dict[str, Column]:
    return {"sourcedId": (table.c.id, T),
            "status": (_status(gone if gone is not None else table.c.deleted.is_(True)), T),
            "dateLastModified": (table.c.updated_at, DT)}


@dataclass(frozen=True)
class Row:
    """One object's data: the entity, and what the collection joined to it."""

    kind: str
    record: Record
    extra: Mapping[str, Any]


@dataclass(frozen=True)
class Collection:
    """A OneRoster collection: its rows as SQL, and the SQL of its fields."""

    name: str
    table: Any

    def build(self, tenant: str) -> tuple[Select[Any], dict[str, Column]]:
        """The tenant's rows and the SQL of each filterable and sortable field."""
        raise NotImplementedError

    def joined(self, row: Any) -> dict[str, Any]:
        return {}

    def sort_keys(self) -> dict[str, ColumnElement[Any]]:
        """Fields whose sort form (lower case) the database keeps ready, by field: the
        sort reads these instead of lowering the field's value row by row."""
        return {}

    def fetch(self, tenant: str, ids: list[str]) -> Select[Any]:
        """The rows of ``ids`` (a page found by id first); by primary key."""
        return self.build(tenant)[0].where(self.table.c.id.in_(ids))

    def single(self, tenant: str, ident: str) -> Select[Any]:
        """The row of one object."""
        return self.build(tenant)[0].where(self.table.c.id == ident)


class _Courses(Collection):
    def build(self, tenant: str) -> tuple[Select[Any], dict[str, Column]]:
        # the kinds as one IN list, so the (tenant, kind) index serves the query
        own = or_(_E.c.kind != "group", state_text(_E, "offering_id").is_(None))
        query = select(_E.c.kind, _E.c.state, _E.c.deleted, _E.c.updated_at).where(
            _E.c.tenant == tenant, _E.c.kind.in_(("programme-offering", "course", "group")),
            own)
        code = case((_E.c.kind == "programme-offering", state_text(_E, "crebo")),
                    else_=state_text(_E, "code"))
        return query, {**_common(_E), "title": (state_text(_E, "name"), T), "courseCode": (code, T)}


class _Classes(Collection):
    def build(self, tenant: str) -> tuple[Select[Any], dict[str, Column]]:
        query = select(_E.c.kind, _E.c.state, _E.c.deleted, _E.c.updated_at).where(
            _E.c.tenant == tenant, _E.c.kind == "group")
        class_type = case((state_text(_E, "group_kind") == "class", "homeroom"), else_="scheduled")
        course = func.coalesce(state_text(_E, "offering_id"), _E.c.id)
        return query, {**_common(_E), "title": (state_text(_E, "name"), T),
                       "classCode": (state_text(_E, "code"), T), "classType": (class_type, T),
                       "course.sourcedId": (course, T)}


def _memberships_of(person: Any) -> ColumnElement[bool]:
    """The memberships of ``person`` (a persons' table): a seek in the person_ref index."""
    return and_(_M.c.tenant == person.c.tenant, _M.c.kind == "membership",
                _M.c.person_ref == person.c.id)


def _is_member(person: Any) -> ColumnElement[bool]:
    """The person has a membership: reads the person_ref index alone (it selects only an
    indexed column, so SQLite needs no row; PostgreSQL an index-only scan)."""
    return select(_M.c.person_ref).where(_memberships_of(person)).exists()


def _staff(person: Any) -> Any:
    """1 when any of the person's memberships is not a student's, 0 when all are, NULL
    without memberships: a correlated lookup per person, never an aggregate of all."""
    staff = func.max(case((state_text(_M, "role") == "student", 0), else_=1))
    return select(staff).where(_memberships_of(person)).scalar_subquery()


class _Users(Collection):
    """Persons with at least one membership (an EXISTS on the person_ref index, so a page
    in id order reads that page, and the count reads the index); the role per person."""

    _names = ("given_name", "family_name_prefix", "family_name")

    def _name(self, key: str) -> ColumnElement[str]:
        return person_data.c.data[("personalData", key)].as_string()  # type: ignore[no-any-return]

    def build(self, tenant: str) -> tuple[Select[Any], dict[str, Column]]:
        # by person_id first, so that SQLite reads the sort key from its index (index_hints)
        data = and_(unindexed(person_data.c.tenant) == _P.c.tenant,
                    person_data.c.person_id == _P.c.id)
        names = [self._name(k).label(k) for k in self._names]
        staff = _staff(_P)
        member = _is_member(_P)
        query = (select(literal("person").label("kind"), _P.c.state, _P.c.deleted,
                        _P.c.updated_at, staff.label("staff"), *names)
                 .select_from(_P.outerjoin(person_data, data))
                 .where(_P.c.tenant == tenant, _P.c.kind == "person", member))
        prefix = func.coalesce(self._name("family_name_prefix") + " ", "")
        family = func.trim(prefix + func.coalesce(self._name("family_name"), ""))
        enabled = case((_P.c.deleted.is_(True), "false"), else_="true")
        role = case((staff == 1, "teacher"), else_="student")
        return query, {**_common(_P), "username": (_P.c.source_id, T),
                       "givenName": (func.coalesce(self._name("given_name"), ""), T),
                       "familyName": (family, T), "enabledUser": (enabled, T),
                       "roles.role": (role, T)}

    def sort_keys(self) -> dict[str, ColumnElement[Any]]:
        # the generated lower(familyName) (persons without personal data: '', as above)
        return {"familyName": func.coalesce(person_data.c.family_name_key, "")}

    def joined(self, row: Any) -> dict[str, Any]:
        names = {k: getattr(row, k) for k in self._names}
        return {"role": "teacher" if row.staff else "student",
                "names": names if any(v is not None for v in names.values()) else None}


class _UserRoles(_Users):
    """Users without their names (no ``person_data`` read, nothing to audit): the rows of
    the bundle's roles.csv; names can be neither filtered nor sorted on here."""

    def build(self, tenant: str) -> tuple[Select[Any], dict[str, Column]]:
        query, columns = super().build(tenant)
        member = _is_member(_P)
        lean = select(literal("person").label("kind"), _P.c.state, _P.c.deleted,
                      _P.c.updated_at, _staff(_P).label("staff")).where(
            _P.c.tenant == tenant, _P.c.kind == "person", member)
        return lean, {k: c for k, c in columns.items() if k not in {"givenName", "familyName"}}

    def joined(self, row: Any) -> dict[str, Any]:
        return {"role": "teacher" if row.staff else "student", "names": None}


def _live(table: Any, ref: Any) -> ColumnElement[bool]:
    """The membership's group or person (``ref``) exists and is not deleted: a primary-key
    seek, evaluated only where asked for (a page's rows, a status filter), so that
    counting or paging the memberships joins nothing."""
    return select(table.c.id).where(
        table.c.tenant == _M.c.tenant, table.c.id == ref,
        table.c.deleted.is_(False)).exists()


class _Enrollments(Collection):
    def build(self, tenant: str) -> tuple[Select[Any], dict[str, Column]]:
        gone = ~and_(_live(_G, _M.c.group_ref), _live(_P, _M.c.person_ref))
        query = (select(_M.c.kind, _M.c.state, _M.c.deleted, _M.c.updated_at,
                        gone.label("gone"))
                 .where(_M.c.tenant == tenant, _M.c.kind == "membership"))
        ended = or_(_M.c.deleted.is_(True), state_text(_M, "state") == "cancelled", gone)
        member = state_text(_M, "role")
        role = case(*((member == canonical, oneroster)
                      for canonical, oneroster in ENROLLMENT_ROLES.items()), else_="student")
        return query, {
            **_common(_M, ended), "role": (role, T),
            "primary": (case((member == "teacher", "true"), else_="false"), T),
            "user.sourcedId": (_M.c.person_ref, T),
            "class.sourcedId": (_M.c.group_ref, T),
            "beginDate": (state_text(_M, "start_date"), D),
            "endDate": (state_text(_M, "end_date"), D)}

    def joined(self, row: Any) -> dict[str, Any]:
        return {"gone": bool(row.gone)}


COURSES = _Courses("courses", _E)
CLASSES = _Classes("classes", _E)
USERS = _Users("users", _P)
USER_ROLES = _UserRoles("users", _P)
ENROLLMENTS = _Enrollments("enrollments", _M)
