"""The last successful sync per (tenant, source), for incremental syncs.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "sync_state",
        sa.Column("tenant", sa.String(63), nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("last_sync_at", _TS, nullable=False),
        sa.Column("last_full_sync_at", _TS, nullable=True),
        sa.Column("last_report", sa.Text, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("tenant", "source", name="pk_sync_state"),
    )


def downgrade() -> None:
    op.drop_table("sync_state")
