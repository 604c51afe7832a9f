"""A text field of an entity's JSON ``state`` as SQL that an expression index can serve.

SQLAlchemy's ``state["person_id"].as_string()`` binds the path as a parameter and wraps
it in a CAST; neither SQLite (which matches an index expression by its text) nor
PostgreSQL can then use an index on the field. :class:`JsonText` renders the path
literally, as migration 0009 indexed it (a membership's ``person_id`` and ``group_id`` are
now read through the columns migration 0010 derives from them, ``person_ref`` and
``group_ref``, which an index can answer alone):

- SQLite: ``CAST(json_extract(state, '$.person_id') AS TEXT)`` (TEXT affinity, so that
  ``= person.id``, a VARCHAR column, may use the index; SQLite refuses an index whose
  column has no affinity for a TEXT comparison);
- PostgreSQL: ``(state ->> 'person_id')``.

Example::

    select(entities.c.id).where(JsonText(entities.c.state, "person_id") == person_id)
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import String, literal_column
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

__all__ = ["JsonText"]

_KEY = re.compile(r"[a-z][a-z_]{0,62}")


class JsonText(FunctionElement[str]):
    """The text of the top-level field ``key`` of the JSON ``column`` (NULL when absent).

    Args:
        column: a JSON column (the entities' ``state``, or an alias's).
        key: the field; lower-case letters and ``_`` only, as it is written into the SQL.

    Raises:
        ValueError: ``key`` is not such a name.
    """

    type = String()
    name = "json_text"
    inherit_cache = True

    def __init__(self, column: ColumnElement[Any], key: str) -> None:
        if not _KEY.fullmatch(key):
            raise ValueError(f"not a JSON field name: {key!r}")
        # the key as a clause too: it is then part of the statement's cache key
        super().__init__(column, literal_column(f"'{key}'"))


def _parts(element: JsonText, compiler: Any, **kw: Any) -> tuple[str, str]:
    column, key = element.clauses.clauses
    return compiler.process(column, **kw), str(key.name).strip("'")


@compiles(JsonText, "sqlite")
def _sqlite(element: JsonText, compiler: Any, **kw: Any) -> str:
    column, key = _parts(element, compiler, **kw)
    return f"CAST(json_extract({column}, '$.{key}') AS TEXT)"


@compiles(JsonText, "postgresql")
def _postgresql(element: JsonText, compiler: Any, **kw: Any) -> str:
    column, key = _parts(element, compiler, **kw)
    return f"({column} ->> '{key}')"
