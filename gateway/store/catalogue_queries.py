"""Catalogue listings for the OOAPI provider: filtered, sorted and paged by the database.

A collection may hold tens of thousands of entities, so a page is one query for its rows
and one for the count, never a load of everything. Filters and sort keys are canonical
(``language="NLD"``, ``level=4``); turning OOAPI parameters into them is the router's job.
Entity state is JSON, read through SQLAlchemy's JSON paths (``json_extract`` on SQLite,
``->>``/``#>>`` on PostgreSQL).

Every listing orders by its sort keys and then by id, a total order, so consecutive pages
neither repeat nor skip an entity while the data stays the same. Strings sort by their
lower-case form in byte order (``COLLATE "C"`` on PostgreSQL), the same on both databases.

Example::

    queries = CatalogueQueries(engine)
    page = queries.cohorts("roc-a", CohortFilter(starts_from=date.today()),
                           sort=[("start", False)], page=PageSlice(1, 10))
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from uuid import UUID

from sqlalchemy import Engine, Integer, String, and_, cast, func, or_, select
from sqlalchemy.sql import ColumnElement, Select

from gateway.domain import Cohort, Course, ProgrammeOffering, Qualification
from gateway.store.catalogue_filters import (
    CohortFilter,
    CourseFilter,
    PageSlice,
    ProgrammeFilter,
    QualificationFilter,
    SortKey,
)
from gateway.store.tables import entities

__all__ = ["CatalogueQueries", "Listing"]

T = TypeVar("T")

_E = entities
_P = entities.alias("programme")


@dataclass(frozen=True)
class Listing(Generic[T]):
    """One page of a listing and the number of matches over all pages."""

    items: list[T]
    total: int


def _text(table: Any, *path: str) -> ColumnElement[str]:
    key: str | tuple[str, ...] = path[0] if len(path) == 1 else path
    return table.c.state[key].as_string()  # type: ignore[no-any-return]


def _level(table: Any) -> ColumnElement[int]:
    return table.c.state["level"].as_integer()  # type: ignore[no-any-return]


def cohort_start() -> ColumnElement[str]:
    """A cohort's first start: its fixed start date, or the start of its intake window."""
    return func.coalesce(_text(_E, "start_date"), _text(_E, "flexible_intake", "start"))


def cohort_end() -> ColumnElement[str]:
    """SQL twin of ``ooapi_v5_out.cohort_end``: the end date, else the last start plus
    ``level`` years (as a ``YYYY-MM-DD`` string; a 29 February stays, which compares
    like the 1 March the mapping gives)."""
    last_start = func.coalesce(_text(_E, "flexible_intake", "end"), _text(_E, "start_date"))
    year = cast(func.substr(last_start, 1, 4), Integer) + _level(_P)
    return func.coalesce(_text(_E, "end_date"), cast(year, String) + func.substr(last_start, 5))


def _contains(term: str, *columns: ColumnElement[str]) -> ColumnElement[bool]:
    """Case-insensitive substring match on any of ``columns`` (LIKE wildcards escaped)."""
    escaped = term.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = f"%{escaped}%"
    return or_(*(func.lower(func.coalesce(c, "")).like(pattern, escape="\\") for c in columns))


def _unmatchable(*values: object) -> bool:
    """A NUL character cannot be stored in a text column, so nothing holds one."""
    return any(isinstance(v, str) and "\x00" in v for v in values)


class CatalogueQueries:
    """Paged, filtered and sorted reads of a tenant's catalogue entities.

    Args:
        engine: the store's engine (SQLite or PostgreSQL).
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._byte_order = engine.dialect.name == "postgresql"

    # -- single entities ---------------------------------------------------------------
    def programme(self, tenant: str, ident: UUID) -> ProgrammeOffering | None:
        """The live programme offering ``ident`` of ``tenant``, if there is one."""
        row = self._one(select(_E.c.state).where(*self._live(tenant, ProgrammeOffering.kind),
                                                  _E.c.id == str(ident)))
        return None if row is None else ProgrammeOffering.model_validate(row[0])

    def cohort(self, tenant: str, ident: UUID) -> tuple[Cohort, ProgrammeOffering] | None:
        """The live cohort ``ident`` with its live programme offering, if both exist."""
        row = self._one(self._cohort_select(tenant).where(_E.c.id == str(ident)))
        if row is None:
            return None
        return Cohort.model_validate(row[0]), ProgrammeOffering.model_validate(row[1])

    def course(self, tenant: str, ident: UUID) -> tuple[Course, ProgrammeOffering | None] | None:
        """The live course ``ident`` and the programme offering it belongs to (if live)."""
        row = self._one(self._course_select(tenant).where(_E.c.id == str(ident)))
        return None if row is None else _course_pair(row)

    def qualification(self, tenant: str, ident: UUID) -> Qualification | None:
        """The live qualification ``ident`` of ``tenant``, if there is one."""
        row = self._one(select(_E.c.state).where(*self._live(tenant, Qualification.kind),
                                                  _E.c.id == str(ident)))
        return None if row is None else Qualification.model_validate(row[0])

    def qualification_ids(self, tenant: str, crebos: Iterable[str]) -> dict[str, UUID]:
        """The id of a live qualification per crebo (the lowest id when several share one)."""
        wanted = sorted(set(crebos))
        if not wanted:
            return {}
        crebo = _text(_E, "crebo")
        query = (
            select(crebo, func.min(_E.c.id))
            .where(*self._live(tenant, Qualification.kind), crebo.in_(wanted))
            .group_by(crebo)
        )
        with self.engine.connect() as conn:
            return {row[0]: UUID(row[1]) for row in conn.execute(query)}

    def cohort_start_months(self, tenant: str) -> list[str]:
        """The distinct ``YYYY-MM`` months in which the tenant's listed cohorts start."""
        month = func.substr(cohort_start(), 1, 7)
        query = self._cohort_select(tenant, columns=(month,)).distinct()
        with self.engine.connect() as conn:
            return sorted(row[0] for row in conn.execute(query) if row[0])

    # -- listings ------------------------------------------------------------------------
    def programmes(
        self, tenant: str, where: ProgrammeFilter, sort: Sequence[SortKey], page: PageSlice
    ) -> Listing[ProgrammeOffering]:
        """Programme offerings (OOAPI programs) matching ``where``."""
        if _unmatchable(where.crebo, where.leerweg, where.location, where.language, where.text):
            return Listing([], 0)
        query = select(_E.c.state).where(*self._live(tenant, ProgrammeOffering.kind))
        for path, value in (("crebo", where.crebo), ("leerweg", where.leerweg),
                            ("location", where.location), ("language", where.language)):
            if value is not None:
                query = query.where(_text(_E, path) == value)
        if where.level is not None:
            query = query.where(_level(_E) == where.level)
        if where.text:
            abbreviation = _text(_E, "crebo") + " " + _text(_E, "leerweg")
            query = query.where(_contains(where.text, _text(_E, "name"),
                                          _text(_E, "description"), abbreviation))
        keys = {"id": _E.c.id, "name": func.lower(_text(_E, "name"))}
        rows, total = self._page(query, self._order(keys, sort), page)
        return Listing([ProgrammeOffering.model_validate(r[0]) for r in rows], total)

    def cohorts(
        self, tenant: str, where: CohortFilter, sort: Sequence[SortKey], page: PageSlice
    ) -> Listing[tuple[Cohort, ProgrammeOffering]]:
        """Cohorts (OOAPI program offerings) of live programme offerings matching ``where``."""
        if _unmatchable(where.leerweg, where.language, where.text):
            return Listing([], 0)
        query = self._cohort_select(tenant)
        if where.offering_id is not None:
            query = query.where(_text(_E, "offering_id") == str(where.offering_id))
        for path, value in (("leerweg", where.leerweg), ("language", where.language)):
            if value is not None:
                query = query.where(_text(_P, path) == value)
        if where.starts_from is not None:
            query = query.where(cohort_start() >= where.starts_from.isoformat())
        if where.ends_until is not None:
            query = query.where(cohort_end() <= where.ends_until.isoformat())
        if where.text:
            query = query.where(_contains(where.text, _text(_P, "name"),
                                          _text(_P, "description"), _text(_E, "code")))
        keys = {"id": _E.c.id, "name": func.lower(_text(_P, "name")),
                "start": cohort_start(), "end": cohort_end()}
        rows, total = self._page(query, self._order(keys, sort), page)
        items = [(Cohort.model_validate(r[0]), ProgrammeOffering.model_validate(r[1]))
                 for r in rows]
        return Listing(items, total)

    def courses(
        self, tenant: str, where: CourseFilter, sort: Sequence[SortKey], page: PageSlice
    ) -> Listing[tuple[Course, ProgrammeOffering | None]]:
        """Courses matching ``where``, each with the programme offering it belongs to."""
        if _unmatchable(where.code, where.language, where.text):
            return Listing([], 0)
        query = self._course_select(tenant)
        if where.code is not None:
            query = query.where(_text(_E, "code") == where.code)
        if where.language is not None:
            query = query.where(func.coalesce(_text(_P, "language"), "NLD") == where.language)
        if where.without_programme:
            query = query.where(_P.c.id.is_(None))
        if where.level is not None:
            query = query.where(_level(_P) == where.level)
        if where.text:
            query = query.where(_contains(where.text, _text(_E, "name"), _text(_E, "code")))
        keys = {"id": _E.c.id, "name": func.lower(_text(_E, "name"))}
        rows, total = self._page(query, self._order(keys, sort), page)
        return Listing([_course_pair(r) for r in rows], total)

    def qualifications(
        self, tenant: str, where: QualificationFilter, sort: Sequence[SortKey], page: PageSlice
    ) -> Listing[Qualification]:
        """Qualifications (OOAPI education specifications) matching ``where``."""
        if _unmatchable(where.crebo, where.text):
            return Listing([], 0)
        query = select(_E.c.state).where(*self._live(tenant, Qualification.kind))
        if where.crebo is not None:
            query = query.where(_text(_E, "crebo") == where.crebo)
        if where.text:
            query = query.where(_contains(where.text, _text(_E, "name"), _text(_E, "crebo")))
        keys = {"id": _E.c.id, "name": func.lower(_text(_E, "name")), "crebo": _text(_E, "crebo")}
        rows, total = self._page(query, self._order(keys, sort), page)
        return Listing([Qualification.model_validate(r[0]) for r in rows], total)

    # -- building blocks -----------------------------------------------------------------
    @staticmethod
    def _live(tenant: str, kind: str) -> tuple[ColumnElement[bool], ...]:
        return _E.c.tenant == tenant, _E.c.kind == kind, _E.c.deleted.is_(False)

    def _cohort_select(
        self, tenant: str | None = None, columns: Sequence[ColumnElement[Any]] = ()
    ) -> Select[Any]:
        """Cohorts joined to their live programme offering (a cohort without one is hidden)."""
        join = and_(_P.c.tenant == _E.c.tenant, _P.c.id == _text(_E, "offering_id"),
                    _P.c.kind == ProgrammeOffering.kind, _P.c.deleted.is_(False))
        query = select(*(columns or (_E.c.state, _P.c.state))).select_from(_E.join(_P, join))
        query = query.where(_E.c.kind == Cohort.kind, _E.c.deleted.is_(False))
        return query.where(_E.c.tenant == tenant) if tenant is not None else query

    def _course_select(self, tenant: str) -> Select[Any]:
        join = and_(_P.c.tenant == _E.c.tenant, _P.c.id == _text(_E, "offering_id"),
                    _P.c.kind == ProgrammeOffering.kind, _P.c.deleted.is_(False))
        return (select(_E.c.state, _P.c.state).select_from(_E.outerjoin(_P, join))
                .where(*self._live(tenant, Course.kind)))

    def _order(
        self, keys: dict[str, ColumnElement[Any]], sort: Sequence[SortKey]
    ) -> list[ColumnElement[Any]]:
        """ORDER BY for ``sort`` (unknown keys are a bug: the router checks them), id last."""
        order: list[ColumnElement[Any]] = []
        for key, descending in [*sort, ("id", False)]:
            column = keys[key]
            if self._byte_order:
                column = column.collate("C")
            order.append(column.desc() if descending else column.asc())
        return order

    def _page(
        self, query: Select[Any], order: list[ColumnElement[Any]], page: PageSlice
    ) -> tuple[list[Any], int]:
        with self.engine.connect() as conn:
            total = conn.execute(
                select(func.count()).select_from(query.subquery())
            ).scalar_one()
            if page.offset >= total:
                return [], total
            rows = conn.execute(query.order_by(*order).limit(page.size).offset(page.offset))
            return list(rows), total

    def _one(self, query: Select[Any]) -> Any:
        with self.engine.connect() as conn:
            return conn.execute(query.limit(1)).first()


def _course_pair(row: Any) -> tuple[Course, ProgrammeOffering | None]:
    programme = None if row[1] is None else ProgrammeOffering.model_validate(row[1])
    return Course.model_validate(row[0]), programme
