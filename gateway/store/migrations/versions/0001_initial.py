"""The foundation's tables: entities, outbox, relay lanes, quarantine, clients, person data.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_BigSerial = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_TS = sa.DateTime(timezone=True)
_LANES = 16  # gateway.store.tables.RELAY_LANES at the time of this migration


def upgrade() -> None:
    op.create_table(
        "entities",
        sa.Column("tenant", sa.String(63), nullable=False),
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("source_system", sa.String(64), nullable=False),
        sa.Column("source_id", sa.String(256), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("state", sa.JSON, nullable=False),
        sa.Column("deleted", sa.Boolean, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("tenant", "id", name="pk_entities"),
    )
    op.create_index("ix_entities_tenant_kind", "entities", ["tenant", "kind", "source_system"])
    op.create_table(
        "outbox",
        sa.Column("seq", _BigSerial, primary_key=True, autoincrement=True),
        sa.Column("tenant", sa.String(63), nullable=False),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("topic", sa.String(255), nullable=False),
        sa.Column("lane", sa.Integer, nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("type", sa.String(200), nullable=False),
        sa.Column("source", sa.String(255), nullable=False),
        sa.Column("subject", sa.String(255), nullable=False),
        sa.Column("entity_version", sa.Integer, nullable=False),
        sa.Column("dataschema", sa.String(255), nullable=False),
        sa.Column("time", _TS, nullable=False),
        sa.Column("data", sa.Text, nullable=False),
        sa.Column("published_at", _TS, nullable=True),
    )
    op.create_index("ix_outbox_tenant_seq", "outbox", ["tenant", "seq"])
    op.create_index(
        "ix_outbox_unpublished", "outbox", ["lane", "seq"],
        postgresql_where=sa.text("published_at IS NULL"),
        sqlite_where=sa.text("published_at IS NULL"),
    )
    lanes = op.create_table(
        "relay_lanes", sa.Column("lane", sa.Integer, primary_key=True, autoincrement=False)
    )
    op.bulk_insert(lanes, [{"lane": n} for n in range(_LANES)])
    op.create_table(
        "quarantine",
        sa.Column("id", _BigSerial, primary_key=True, autoincrement=True),
        sa.Column("tenant", sa.String(63), nullable=False),
        sa.Column("source", sa.String(255), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("path", sa.String(1000), nullable=False),
        sa.Column("raw", sa.Text, nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("replayed_at", _TS, nullable=True),
    )
    op.create_index("ix_quarantine_tenant_created", "quarantine", ["tenant", "created_at"])
    op.create_table(
        "oauth_clients",
        sa.Column("client_id", sa.String(128), primary_key=True),
        sa.Column("tenant", sa.String(63), nullable=False),
        sa.Column("secret_hash", sa.String(255), nullable=False),
        sa.Column("scopes", sa.Text, nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("disabled", sa.Boolean, nullable=False),
    )
    op.create_index("ix_oauth_clients_tenant", "oauth_clients", ["tenant"])
    op.create_table(
        "person_data",
        sa.Column("tenant", sa.String(63), nullable=False),
        sa.Column("person_id", sa.String(36), nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("tenant", "person_id", name="pk_person_data"),
    )


def downgrade() -> None:
    for table in ("person_data", "oauth_clients", "quarantine", "relay_lanes", "outbox",
                  "entities"):
        op.drop_table(table)
