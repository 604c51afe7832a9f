"""A column that SQLite must not look up through an index (``+column``), as SQL.

SQLite plans without table statistics unless someone runs ANALYZE, and then prefers a
unique index that finds one row to a covering one that finds it with the needed columns
too: the users' join to ``person_data`` took the primary key (tenant, person_id) and read
every person's row (personal data and all) for the familyName sort key, instead of
migration 0010's index (person_id, tenant, family_name_key), which holds the key. SQLite's
documented way to rule an index out is a unary ``+`` on a term's column
(https://sqlite.org/optoverview.html#disqualifying_where_clause_terms_using_unary_): on
``tenant``, the first column of the primary key, it leaves that index. PostgreSQL (no
unary plus on text) gets the column as it is; it plans with statistics.

Example::

    join = and_(unindexed(person_data.c.tenant) == person.c.tenant,
                person_data.c.person_id == person.c.id)
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

__all__ = ["unindexed"]


class _Unindexed(FunctionElement[Any]):
    name = "unindexed"
    inherit_cache = True


@compiles(_Unindexed)
def _plain(element: _Unindexed, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(element.clauses, **kw))


@compiles(_Unindexed, "sqlite")
def _sqlite(element: _Unindexed, compiler: Any, **kw: Any) -> str:
    return f"+{compiler.process(element.clauses, **kw)}"


def unindexed(column: ColumnElement[Any]) -> ColumnElement[Any]:
    """``column`` in a comparison that SQLite may not serve from an index.

    Args:
        column: the column of the table to look up (not of the outer query).

    Returns:
        ``+column`` on SQLite, ``column`` elsewhere, of the column's type.
    """
    element = _Unindexed(column)
    element.type = column.type
    return element
