"""The intake: idempotency keys, forwarding cursor and outcomes, motivations.

Tables of gateway.store.idempotency, gateway.store.intake_forwarding and
gateway.store.motivations.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "idempotency_keys",
        sa.Column("tenant", sa.String(63), nullable=False),
        sa.Column("client_id", sa.String(128), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("response_status", sa.Integer, nullable=True),
        sa.Column("response_headers", sa.JSON, nullable=True),
        sa.Column("response_body", sa.Text, nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("locked_until", _TS, nullable=False),
        sa.Column("expires_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("tenant", "client_id", "key", name="pk_idempotency_keys"),
    )
    op.create_index("ix_idempotency_keys_expires_at", "idempotency_keys", ["expires_at"])
    op.create_table(
        "intake_forwarding_cursors",
        sa.Column("tenant", sa.String(63), nullable=False),
        sa.Column("cursor", sa.BigInteger, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("tenant", name="pk_intake_forwarding_cursors"),
    )
    op.create_table(
        "intake_forwarding",
        sa.Column("tenant", sa.String(63), nullable=False),
        sa.Column("application_id", sa.String(36), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("entity_version", sa.Integer, nullable=False),
        sa.Column("target", sa.String(64), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("tenant", "application_id", name="pk_intake_forwarding"),
    )
    op.create_table(
        "application_motivations",
        sa.Column("tenant", sa.String(63), nullable=False),
        sa.Column("application_id", sa.String(36), nullable=False),
        sa.Column("person_id", sa.String(36), nullable=False),
        sa.Column("motivation", sa.Text, nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("tenant", "application_id", name="pk_application_motivations"),
    )
    op.create_index("ix_application_motivations_person", "application_motivations",
                    ["tenant", "person_id"])


def downgrade() -> None:
    op.drop_index("ix_application_motivations_person", table_name="application_motivations")
    op.drop_table("application_motivations")
    op.drop_table("intake_forwarding")
    op.drop_table("intake_forwarding_cursors")
    op.drop_index("ix_idempotency_keys_expires_at", table_name="idempotency_keys")
    op.drop_table("idempotency_keys")
