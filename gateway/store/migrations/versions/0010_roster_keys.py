"""Columns the database derives for the OneRoster reads: a membership's person and group,
and the familyName sort key.

On PostgreSQL ``entities.state`` is ``json`` (text): every ``state ->> 'person_id'``
parses the whole document, and an index on that expression cannot answer a query alone
(an expression index is never index-only), so counting the users (persons with a
membership) read every membership's JSON, and sorting users by familyName read every
person's ``person_data`` JSON. The database now derives these values from the JSON
itself on every insert and update, so every write path (the entity store, the person
store, erasure, a raw UPDATE) keeps them right without knowing of them, and the
migration fills them for existing rows:

- ``entities.person_ref`` / ``entities.group_ref``: the ``person_id`` / ``group_id``
  field of the state (memberships; NULL where there is none), indexed after (tenant,
  kind), so that "has this person a membership" is an index-only read. They replace
  migration 0009's two expression indexes (dropped here, restored on downgrade).
- ``person_data.family_name_key``: the OneRoster ``familyName`` sort key,
  ``lower(trim(prefix || ' ' || name))`` (``COLLATE "C"`` on PostgreSQL), indexed after
  (person_id, tenant), so that the join to the sort key reads that small index instead
  of the personal data (person_id first: SQLite, which prefers the primary key, is kept
  off it by ``+tenant``; see ``gateway.adapters.oneroster.index_hints``). It stays in
  ``person_data`` (never in an event or a log).

The expressions are written as the reads of 0009 wrote them, so the values are the same.
PostgreSQL: generated columns (``STORED``; the tables are rewritten once). SQLite can
add only ``VIRTUAL`` generated columns, and (3.40) never reads one from an index, so
there they are plain columns that triggers set after each insert and each update of the
JSON. ``tests/integration/test_oneroster_indexes.py`` checks the plans,
``tests/integration/test_migration_0010.py`` the upgrade with data, the write paths and
the downgrade.

Revision ID: 0010
Revises: 0009
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def _json(dialect: str, column: str, *path: str) -> str:
    """The text at ``path`` of the JSON ``column``, as 0009 and the reads write it."""
    if dialect == "postgresql":
        head = "".join(f" -> '{p}'" for p in path[:-1])
        return f"({column}{head} ->> '{path[-1]}')"
    return f"CAST(json_extract({column}, '$.{'.'.join(path)}') AS TEXT)"


def _family_key(dialect: str, row: str = "") -> str:
    prefix = _json(dialect, f"{row}data", "personalData", "family_name_prefix")
    family = _json(dialect, f"{row}data", "personalData", "family_name")
    return f"lower(trim(coalesce({prefix} || ' ', '') || coalesce({family}, '')))"


def _columns(dialect: str, row: str = "") -> dict[str, tuple[str, str, str]]:
    """column -> (table, SQL type, expression); ``row``: ``"NEW."`` in a trigger."""
    key_type = 'VARCHAR COLLATE "C"' if dialect == "postgresql" else "VARCHAR"
    return {
        "person_ref": ("entities", "VARCHAR", _json(dialect, f"{row}state", "person_id")),
        "group_ref": ("entities", "VARCHAR", _json(dialect, f"{row}state", "group_id")),
        "family_name_key": ("person_data", key_type, _family_key(dialect, row)),
    }


_INDEXES = {
    "ix_entities_tenant_kind_person_ref": ("entities", "tenant, kind, person_ref"),
    "ix_entities_tenant_kind_group_ref": ("entities", "tenant, kind, group_ref"),
    "ix_person_data_family_name_key": ("person_data", "person_id, tenant, family_name_key"),
}
#: Migration 0009's expression indexes, which the columns replace.
_OLD = {"ix_entities_tenant_kind_person_id": "person_id",
        "ix_entities_tenant_kind_group_id": "group_id"}


def _sqlite_triggers() -> dict[str, tuple[str, str, str, str]]:
    """trigger -> (table, event, WHEN, SET clause): each recomputes NEW's columns. A new
    entity without either field (most kinds) keeps its NULLs without a second write."""
    new = _columns("sqlite", "NEW.")
    refs = ", ".join(f"{c} = {new[c][2]}" for c in ("person_ref", "group_ref"))
    linked = f"{new['person_ref'][2]} IS NOT NULL OR {new['group_ref'][2]} IS NOT NULL"
    key = f"family_name_key = {new['family_name_key'][2]}"
    return {"tr_entities_refs_insert": ("entities", "INSERT", linked, refs),
            "tr_entities_refs_update": ("entities", "UPDATE OF state", "1", refs),
            "tr_person_data_key_insert": ("person_data", "INSERT", "1", key),
            "tr_person_data_key_update": ("person_data", "UPDATE OF data", "1", key)}


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    for column, (table, sql_type, expression) in _columns(dialect).items():
        if dialect == "postgresql":
            op.execute(f"ALTER TABLE {table} ADD COLUMN {column} {sql_type} "
                       f"GENERATED ALWAYS AS ({expression}) STORED")
        else:
            op.execute(f"ALTER TABLE {table} ADD COLUMN {column} {sql_type}")
            op.execute(f"UPDATE {table} SET {column} = {expression}")  # noqa: S608 - constants
    if dialect != "postgresql":
        for name, (table, event, when, assignments) in _sqlite_triggers().items():
            op.execute(f"CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW "  # noqa: S608 - constants
                       f"WHEN {when} BEGIN UPDATE {table} SET {assignments} "
                       "WHERE rowid = NEW.rowid; END")
    for name, (table, columns) in _INDEXES.items():
        op.execute(f"CREATE INDEX {name} ON {table} ({columns})")
    for name in _OLD:
        op.execute(f"DROP INDEX {name}")
    if dialect == "postgresql":
        # statistics of the new columns now, not at autovacuum's; but none of an empty
        # table, which would record "no rows" (a fresh database: the planner then sizes
        # the tables by their pages until autovacuum analyzes the first load)
        op.execute("DO $$ BEGIN "
                   "IF EXISTS (SELECT FROM entities) THEN ANALYZE entities; END IF; "
                   "IF EXISTS (SELECT FROM person_data) THEN ANALYZE person_data; END IF; "
                   "END $$")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for name, key in _OLD.items():
        op.execute(f"CREATE INDEX {name} ON entities "
                   f"(tenant, kind, {_json(dialect, 'state', key)})")
    for name in _INDEXES:
        op.execute(f"DROP INDEX {name}")
    if dialect != "postgresql":
        for name in _sqlite_triggers():
            op.execute(f"DROP TRIGGER {name}")
    for column, (table, _, _) in _columns(dialect).items():
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
