"""What each source record last became, so an unchanged sync skips it (store.record_digests).

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "record_digests",
        sa.Column("tenant", sa.String(63), nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("record", sa.String(320), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("entities", sa.Text, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tenant", "source", "record", name="pk_record_digests"),
    )


def downgrade() -> None:
    op.drop_table("record_digests")
