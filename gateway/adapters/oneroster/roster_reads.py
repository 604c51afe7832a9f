"""The OneRoster collections as SQL over the entity store: filtered, sorted, paged in the database.

A page is the page's ids (ordered, offset and limited by the database), the number of
matches, then the page's objects by primary key; a CSV export
reads one streamed query per file, in chunks. Nothing loads a whole tenant. Every OneRoster
field a client may filter or sort on maps to an SQL expression here (JSON paths into the
entity ``state``, ``json_extract`` on SQLite, ``->>`` on PostgreSQL); the membership
fields that link persons and groups are the columns ``person_ref`` and ``group_ref`` that
the database generates from the state (migration 0010), indexed with (tenant, kind), so a
membership lookup or a users count reads an index and no JSON; migration 0009's (tenant,
kind, id) index serves the default order:

- users are persons with at least one membership (an EXISTS per person on the person_ref
  index); a person's role is a correlated lookup of its own memberships, so a page, one
  user or a count never aggregates all of the tenant's memberships; names come from
  ``person_data`` by person id, three JSON fields and nothing else (e-mail, birth date
  and address are never read); a sort on familyName reads the generated sort key
  ``person_data.family_name_key`` (from its index) instead of every person's JSON;
- an enrollment looks its group and person up by primary key (EXISTS, not a join: a
  count or a page of ids looks at neither), to report ``tobedeleted`` when either is gone.

Example::

    reads = RosterReads(engine)
    listing = reads.page(USERS, "roc-a", where, sort, Page(100, 0))
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date
from typing import Any

from sqlalchemy import Engine, and_, case, func, literal, or_, select
from sqlalchemy.sql import ColumnElement, Select

from gateway.adapters.oneroster.index_hints import unindexed
from gateway.adapters.oneroster.query import FieldType, Filter, Page, Sort
from gateway.adapters.oneroster.sql_filter import Column, order_by, where_clause
from gateway.mappings.oneroster_v1p2 import ENROLLMENT_ROLES, Record
from gateway.store.tables import entities, person_data

__all__ = ["CLASSES", "COURSES", "ENROLLMENTS", "USERS", "USER_ROLES", "Collection", "Row",
           "RosterReads"]

_E = entities
_M = entities.alias("member")
_G = entities.alias("grp")
_P = entities.alias("person")
T, D, DT = FieldType.TEXT, FieldType.DATE, FieldType.DATETIME
_CHUNK = 1000


def _text(table: Any, *path: str) -> ColumnElement[str]:
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
        own = or_(_E.c.kind != "group", _text(_E, "offering_id").is_(None))
        query = select(_E.c.kind, _E.c.state, _E.c.deleted, _E.c.updated_at).where(
            _E.c.tenant == tenant, _E.c.kind.in_(("programme-offering", "course", "group")),
            own)
        code = case((_E.c.kind == "programme-offering", _text(_E, "crebo")),
                    else_=_text(_E, "code"))
        return query, {**_common(_E), "title": (_text(_E, "name"), T), "courseCode": (code, T)}


class _Classes(Collection):
    def build(self, tenant: str) -> tuple[Select[Any], dict[str, Column]]:
        query = select(_E.c.kind, _E.c.state, _E.c.deleted, _E.c.updated_at).where(
            _E.c.tenant == tenant, _E.c.kind == "group")
        class_type = case((_text(_E, "group_kind") == "class", "homeroom"), else_="scheduled")
        course = func.coalesce(_text(_E, "offering_id"), _E.c.id)
        return query, {**_common(_E), "title": (_text(_E, "name"), T),
                       "classCode": (_text(_E, "code"), T), "classType": (class_type, T),
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
    staff = func.max(case((_text(_M, "role") == "student", 0), else_=1))
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
        ended = or_(_M.c.deleted.is_(True), _text(_M, "state") == "cancelled", gone)
        member = _text(_M, "role")
        role = case(*((member == canonical, oneroster)
                      for canonical, oneroster in ENROLLMENT_ROLES.items()), else_="student")
        return query, {
            **_common(_M, ended), "role": (role, T),
            "primary": (case((member == "teacher", "true"), else_="false"), T),
            "user.sourcedId": (_M.c.person_ref, T),
            "class.sourcedId": (_M.c.group_ref, T),
            "beginDate": (_text(_M, "start_date"), D), "endDate": (_text(_M, "end_date"), D)}

    def joined(self, row: Any) -> dict[str, Any]:
        return {"gone": bool(row.gone)}


COURSES = _Courses("courses", _E)
CLASSES = _Classes("classes", _E)
USERS = _Users("users", _P)
USER_ROLES = _UserRoles("users", _P)
ENROLLMENTS = _Enrollments("enrollments", _M)


def _record(row: Any) -> Record:
    when = row.updated_at if row.updated_at.tzinfo else row.updated_at.replace(tzinfo=UTC)
    return Record(state=row.state, deleted=bool(row.deleted), updated_at=when)


@dataclass(frozen=True)
class Listing:
    rows: list[Row]
    total: int


class RosterReads:
    """Paged, filtered, sorted and streamed reads of the OneRoster collections.

    Args:
        engine: the store's engine (SQLite or PostgreSQL).
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._byte_order = engine.dialect.name == "postgresql"

    def _rows(self, collection: Collection, result: Any) -> list[Row]:
        return [Row(r.kind, _record(r), collection.joined(r)) for r in result]

    @staticmethod
    def _query(collection: Collection, tenant: str, where: Filter | None,
               fixed: Mapping[str, str]) -> tuple[Select[Any], dict[str, Column]]:
        query, columns = collection.build(tenant)
        for name, value in fixed.items():
            query = query.where(columns[name][0] == value)
        if where is not None:
            query = query.where(where_clause(where, columns))
        return query, columns

    def page(self, collection: Collection, tenant: str, where: Filter | None,
             sort: Sort | None, page: Page, *, fixed: Mapping[str, str] | None = None,
             ) -> Listing:
        """One page of ``collection`` matching ``where`` (and the equalities ``fixed``,
        e.g. ``{"roles.role": "student"}``), and the number of matches."""
        query, columns = self._query(collection, tenant, where, fixed or {})
        ident = collection.table.c.id
        order = order_by(sort, columns, ident, byte_order=self._byte_order,
                         keys=collection.sort_keys())
        # first the page's ids from lean rows: in id order an index walk that stops at the
        # page, and the total a separate count (an index read); a sorted page must look
        # at every match anyway, so it counts them in the same pass (a window count).
        # Then the page's objects by primary key.
        counted = [func.count().over().label("total_")] if sort is not None else []
        finder = query.with_only_columns(ident.label("id_"), *counted)
        with self.engine.connect() as conn:
            found = list(conn.execute(
                finder.order_by(*order).limit(page.limit).offset(page.offset)))
            if counted and found:
                total = int(found[0].total_)
            else:
                total = conn.execute(select(func.count()).select_from(
                    query.with_only_columns(ident).subquery())).scalar_one()
            if not found:
                return Listing([], total)
            ids = [str(r.id_) for r in found]
            by_id = {str(r.record.state["id"]): r for r in self._rows(
                collection, conn.execute(collection.fetch(tenant, ids)))}
        # (PostgreSQL reads each statement's own snapshot: skip what just went away)
        return Listing([by_id[i] for i in ids if i in by_id], total)

    def one(self, collection: Collection, tenant: str, ident: str) -> Row | None:
        """The object ``ident`` of ``collection`` (deleted ones too), if there is one."""
        with self.engine.connect() as conn:
            rows = self._rows(collection, conn.execute(collection.single(tenant, ident).limit(1)))
        return rows[0] if rows else None

    def stream(self, collection: Collection, tenant: str, where: Filter | None,
               chunk: int = _CHUNK) -> Iterator[list[Row]]:
        """All of ``collection`` matching ``where``, in chunks of ``chunk`` rows.

        One query, read through a server-side cursor on PostgreSQL (SQLite's cursor steps
        through the result as it is fetched): memory holds one chunk; a user's role is an
        index lookup of its own memberships. No ORDER BY, so the database
        reads a kind through its (tenant, kind) index instead of the whole tenant by id.
        """
        query, _ = self._query(collection, tenant, where, {})
        with self.engine.connect() as conn:
            result = conn.execution_options(stream_results=True, yield_per=chunk).execute(query)
            for part in result.partitions(chunk):
                yield self._rows(collection, part)

    def group_periods(self, tenant: str) -> list[tuple[date | None, date | None]]:
        """The distinct (valid_from, valid_until) of the tenant's groups: the school years."""
        query = select(_text(_E, "valid_from"), _text(_E, "valid_until")).where(
            _E.c.tenant == tenant, _E.c.kind == "group").distinct()
        with self.engine.connect() as conn:
            return [(date.fromisoformat(a) if a else None, date.fromisoformat(b) if b else None)
                    for a, b in conn.execute(query)]
