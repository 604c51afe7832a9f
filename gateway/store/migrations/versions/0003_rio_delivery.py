"""RIO delivery: a cursor per tenant and the outcome per offering (gateway.store.rio_state).

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "rio_delivery_cursors",
        sa.Column("tenant", sa.String(63), nullable=False),
        sa.Column("cursor", sa.BigInteger, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("tenant", name="pk_rio_delivery_cursors"),
    )
    op.create_table(
        "rio_offerings",
        sa.Column("tenant", sa.String(63), nullable=False),
        sa.Column("offering_id", sa.String(36), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("entity_version", sa.Integer, nullable=False),
        sa.Column("held", sa.Boolean, nullable=False),
        sa.Column("cohort_codes", sa.JSON, nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("tenant", "offering_id", name="pk_rio_offerings"),
    )


def downgrade() -> None:
    op.drop_table("rio_offerings")
    op.drop_table("rio_delivery_cursors")
