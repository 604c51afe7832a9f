"""Reads of the OneRoster collections: filtered, sorted, paged and streamed in the database.

A page is the page's ids (ordered, offset and limited by the database), the number of
matches, then the page's objects by primary key; a CSV export reads one streamed query
per file, in chunks. Nothing loads a whole tenant. The SQL of each collection and of its
fields is in :mod:`.roster_collections`.

Example::

    reads = RosterReads(engine)
    listing = reads.page(USERS, "roc-a", where, sort, Page(100, 0))
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.sql import Select

from gateway.adapters.oneroster.query import Filter, Page, Sort
from gateway.adapters.oneroster.roster_collections import Collection, Row, state_text
from gateway.adapters.oneroster.sql_filter import Column, order_by, where_clause
from gateway.mappings.oneroster_v1p2 import Record
from gateway.store.tables import entities

__all__ = ["Listing", "RosterReads"]

_E = entities
_CHUNK = 1000


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
        query = select(state_text(_E, "valid_from"), state_text(_E, "valid_until")).where(
            _E.c.tenant == tenant, _E.c.kind == "group").distinct()
        with self.engine.connect() as conn:
            return [(date.fromisoformat(a) if a else None, date.fromisoformat(b) if b else None)
                    for a, b in conn.execute(query)]
