"""Indexes for the OneRoster reads: entities of a kind in id order, memberships by person/group.

A OneRoster page sorts by sourcedId and must know a person's memberships; without these,
every users request parsed the JSON ``state`` of each of the tenant's memberships. The
JSON expressions are written exactly as ``gateway.adapters.oneroster.json_fields``
renders them in queries (SQLite matches an index expression by its text; the ``CAST``
gives it TEXT affinity, so it compares with a VARCHAR id; PostgreSQL's ``->>`` on
``json`` is immutable). ``tests/integration/test_oneroster_indexes.py`` checks with
EXPLAIN that both databases use them.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

#: Index name -> the membership JSON field it holds.
_JSON_INDEXES = {"ix_entities_tenant_kind_person_id": "person_id",
                 "ix_entities_tenant_kind_group_id": "group_id"}


def _json_text(dialect: str, key: str) -> str:
    if dialect == "postgresql":
        return f"(state ->> '{key}')"
    return f"CAST(json_extract(state, '$.{key}') AS TEXT)"


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.create_index("ix_entities_tenant_kind_id", "entities", ["tenant", "kind", "id"])
    for name, key in _JSON_INDEXES.items():
        op.create_index(name, "entities", ["tenant", "kind", sa.text(_json_text(dialect, key))])
    if dialect == "postgresql":  # statistics of the new expressions now, not at autovacuum's
        op.execute("ANALYZE entities")


def downgrade() -> None:
    for name in _JSON_INDEXES:
        op.drop_index(name, table_name="entities")
    op.drop_index("ix_entities_tenant_kind_id", table_name="entities")
