"""The mbo profile's documents as last accepted (gateway.store.mbo_documents).

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mbo_documents",
        sa.Column("tenant", sa.String(63), nullable=False),
        sa.Column("resource", sa.String(20), nullable=False),
        sa.Column("resource_id", sa.String(80), nullable=False),
        sa.Column("entity_id", sa.String(36), nullable=False),
        sa.Column("person_id", sa.String(36), nullable=True),
        sa.Column("parent_ref", sa.String(36), nullable=True),
        sa.Column("document", sa.JSON, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tenant", "resource", "resource_id", name="pk_mbo_documents"),
    )
    op.create_index("ix_mbo_documents_person", "mbo_documents",
                    ["tenant", "resource", "person_id"])
    op.create_index("ix_mbo_documents_parent", "mbo_documents",
                    ["tenant", "resource", "parent_ref"])


def downgrade() -> None:
    op.drop_index("ix_mbo_documents_parent", table_name="mbo_documents")
    op.drop_index("ix_mbo_documents_person", table_name="mbo_documents")
    op.drop_table("mbo_documents")
