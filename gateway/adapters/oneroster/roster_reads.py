"""The OneRoster collections as SQL over the entity store: filtered, sorted, paged in the database.

A page is two queries: lean rows (ids, a window count for the total) ordered, offset and
limited by the database, then the page's objects by primary key; a CSV export reads one
streamed query per file, in chunks. Nothing loads a whole tenant. Every OneRoster
field a client may filter or sort on maps to an SQL expression here (JSON paths into the
entity ``state``, ``json_extract`` on SQLite, ``->>`` on PostgreSQL):

- users are persons with at least one membership: one ``GROUP BY`` over the tenant's
  memberships gives each person's role, joined to persons by primary key; their names
  come from ``person_data`` by primary key, three JSON fields and nothing else (e-mail,
  birth date and address are never read);
- an enrollment joins its group and person by primary key, to report ``tobedeleted``
  when either is gone.

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

from gateway.adapters.oneroster.query import FieldType, Filter, Page, Sort
from gateway.adapters.oneroster.sql_filter import Column, order_by, where_clause
from gateway.mappings.oneroster_v1p2 import ENROLLMENT_ROLES, Record
from gateway.store.tables import entities, person_data

__all__ = ["CLASSES", "COURSES", "ENROLLMENTS", "USERS", "Collection", "Row", "RosterReads"]

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

    def fetch(self, tenant: str, ids: list[str]) -> Select[Any]:
        """The rows of ``ids`` (a page found by id first); by primary key."""
        return self.build(tenant)[0].where(self.table.c.id.in_(ids))

    def carried(self, columns: dict[str, Column]) -> dict[str, ColumnElement[Any]]:
        """Values the id-finding query yields that :meth:`fetch` does not (by row key)."""
        return {}

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


def _roles(tenant: str) -> Any:
    """Each member's role over all the tenant's memberships: 1 when any is not a student's."""
    person = _text(_M, "person_id").label("person_id")
    staff = func.max(case((_text(_M, "role") == "student", 0), else_=1)).label("staff")
    return (select(person, staff).where(_M.c.tenant == tenant, _M.c.kind == "membership")
            .group_by(person).subquery("roles"))


class _Users(Collection):
    _names = ("given_name", "family_name_prefix", "family_name")

    def _name(self, key: str) -> ColumnElement[str]:
        return person_data.c.data[("personalData", key)].as_string()  # type: ignore[no-any-return]

    def build(self, tenant: str) -> tuple[Select[Any], dict[str, Column]]:
        roles = _roles(tenant)
        data = and_(person_data.c.tenant == _P.c.tenant, person_data.c.person_id == _P.c.id)
        names = [self._name(k).label(k) for k in self._names]
        query = (select(literal("person").label("kind"), _P.c.state, _P.c.deleted,
                        _P.c.updated_at, roles.c.staff, *names)
                 .select_from(_P.join(roles, roles.c.person_id == _P.c.id)
                              .outerjoin(person_data, data))
                 .where(_P.c.tenant == tenant, _P.c.kind == "person"))
        prefix = func.coalesce(self._name("family_name_prefix") + " ", "")
        family = func.trim(prefix + func.coalesce(self._name("family_name"), ""))
        enabled = case((_P.c.deleted.is_(True), "false"), else_="true")
        role = case((roles.c.staff == 1, "teacher"), else_="student")
        return query, {**_common(_P), "username": (_P.c.source_id, T),
                       "givenName": (func.coalesce(self._name("given_name"), ""), T),
                       "familyName": (family, T), "enabledUser": (enabled, T),
                       "roles.role": (role, T)}

    def joined(self, row: Any) -> dict[str, Any]:
        names = {k: getattr(row, k) for k in self._names}
        return {"role": "teacher" if row.staff else "student", "member": row.staff is not None,
                "names": names if any(v is not None for v in names.values()) else None}

    def fetch(self, tenant: str, ids: list[str]) -> Select[Any]:
        """Persons and names by primary key, without the memberships' aggregate (a scan of
        all memberships): the role comes from the id-finding query (:meth:`carried`)."""
        data = and_(person_data.c.tenant == _P.c.tenant, person_data.c.person_id == _P.c.id)
        names = [self._name(k).label(k) for k in self._names]
        return (select(literal("person").label("kind"), _P.c.state, _P.c.deleted,
                       _P.c.updated_at, literal(0).label("staff"), *names)
                .select_from(_P.outerjoin(person_data, data))
                .where(_P.c.tenant == tenant, _P.c.kind == "person", _P.c.id.in_(ids)))

    def carried(self, columns: dict[str, Column]) -> dict[str, ColumnElement[Any]]:
        return {"role": columns["roles.role"][0]}

    def single(self, tenant: str, ident: str) -> Select[Any]:
        """One person with the role of its own memberships only (no GROUP BY of all); a
        person without memberships (``staff`` NULL) is no user (:meth:`joined`)."""
        staff = (select(func.max(case((_text(_M, "role") == "student", 0), else_=1)))
                 .where(_M.c.tenant == tenant, _M.c.kind == "membership",
                        _text(_M, "person_id") == ident).scalar_subquery())
        return self.fetch(tenant, [ident]).with_only_columns(
            literal("person").label("kind"), _P.c.state, _P.c.deleted, _P.c.updated_at,
            staff.label("staff"), *(self._name(k).label(k) for k in self._names))


class _Enrollments(Collection):
    def build(self, tenant: str) -> tuple[Select[Any], dict[str, Column]]:
        group = and_(_G.c.tenant == _M.c.tenant, _G.c.id == _text(_M, "group_id"))
        person = and_(_P.c.tenant == _M.c.tenant, _P.c.id == _text(_M, "person_id"))
        gone = or_(_G.c.id.is_(None), _G.c.deleted.is_(True), _P.c.id.is_(None),
                   _P.c.deleted.is_(True))
        query = (select(_M.c.kind, _M.c.state, _M.c.deleted, _M.c.updated_at,
                        gone.label("gone"))
                 .select_from(_M.outerjoin(_G, group).outerjoin(_P, person))
                 .where(_M.c.tenant == tenant, _M.c.kind == "membership"))
        ended = or_(_M.c.deleted.is_(True), _text(_M, "state") == "cancelled", gone)
        member = _text(_M, "role")
        role = case(*((member == canonical, oneroster)
                      for canonical, oneroster in ENROLLMENT_ROLES.items()), else_="student")
        return query, {
            **_common(_M, ended), "role": (role, T),
            "primary": (case((member == "teacher", "true"), else_="false"), T),
            "user.sourcedId": (_text(_M, "person_id"), T),
            "class.sourcedId": (_text(_M, "group_id"), T),
            "beginDate": (_text(_M, "start_date"), D), "endDate": (_text(_M, "end_date"), D)}

    def joined(self, row: Any) -> dict[str, Any]:
        return {"gone": bool(row.gone)}


COURSES = _Courses("courses", _E)
CLASSES = _Classes("classes", _E)
USERS = _Users("users", _P)
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
        order = order_by(sort, columns, ident, byte_order=self._byte_order)
        carried = collection.carried(columns)
        # first the page's ids and the total, from lean rows (one statement: a users'
        # listing aggregates the memberships once); then the page's rows by primary key
        finder = query.with_only_columns(
            ident.label("id_"), *(c.label(f"c_{k}") for k, c in carried.items()),
            func.count().over().label("total_"))
        with self.engine.connect() as conn:
            found = list(conn.execute(finder.order_by(*order).limit(page.limit)
                                      .offset(page.offset)))
            if not found:
                total = conn.execute(
                    select(func.count()).select_from(query.subquery())).scalar_one()
                return Listing([], total)
            ids = [str(r.id_) for r in found]
            by_id = {str(r.record.state["id"]): r for r in self._rows(
                collection, conn.execute(collection.fetch(tenant, ids)))}
        rows = []
        for hit in found:
            row = by_id[str(hit.id_)]
            extra = {**row.extra, **{k: getattr(hit, f"c_{k}") for k in carried}}
            rows.append(Row(row.kind, row.record, extra))
        return Listing(rows, int(found[0].total_))

    def one(self, collection: Collection, tenant: str, ident: str) -> Row | None:
        """The object ``ident`` of ``collection`` (deleted ones too), if there is one."""
        with self.engine.connect() as conn:
            rows = self._rows(collection, conn.execute(collection.single(tenant, ident).limit(1)))
        return rows[0] if rows and rows[0].extra.get("member", True) else None

    def stream(self, collection: Collection, tenant: str, where: Filter | None,
               chunk: int = _CHUNK) -> Iterator[list[Row]]:
        """All of ``collection`` matching ``where``, in chunks of ``chunk`` rows.

        One query, read through a server-side cursor on PostgreSQL (SQLite's cursor steps
        through the result as it is fetched): memory holds one chunk, and the users' role
        aggregate runs once per stream, not once per chunk. No ORDER BY, so the database
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
