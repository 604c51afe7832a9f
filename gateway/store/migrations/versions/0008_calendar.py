"""Calendar feeds: subscriptions by token hash, and the timetable index with its cursors.

Tables of gateway.store.calendar_subscriptions and gateway.store.timetable_index.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "calendar_subscriptions",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("tenant", sa.String(63), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("target_kind", sa.String(8), nullable=False),
        sa.Column("target_ref", sa.String(128), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("revoked_at", _TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_calendar_subscriptions"),
    )
    op.create_index("ix_calendar_subscriptions_token_hash", "calendar_subscriptions",
                    ["token_hash"], unique=True)
    op.create_index("ix_calendar_subscriptions_tenant_created_at", "calendar_subscriptions",
                    ["tenant", "created_at"])
    op.create_table(
        "timetable_index",
        sa.Column("tenant", sa.String(63), nullable=False),
        sa.Column("activity_id", sa.String(36), nullable=False),
        sa.Column("link_kind", sa.String(8), nullable=False),
        sa.Column("ref", sa.String(128), nullable=False),
        sa.Column("start_at", _TS, nullable=False),
        sa.Column("end_at", _TS, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("removed", sa.Boolean, nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("tenant", "activity_id", "link_kind", "ref",
                                name="pk_timetable_index"),
    )
    op.create_index("ix_timetable_index_tenant_link_kind_ref_seq", "timetable_index",
                    ["tenant", "link_kind", "ref", "seq"])
    op.create_table(
        "timetable_index_memberships",
        sa.Column("tenant", sa.String(63), nullable=False),
        sa.Column("membership_id", sa.String(36), nullable=False),
        sa.Column("person_id", sa.String(36), nullable=False),
        sa.Column("group_id", sa.String(36), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("tenant", "membership_id", "person_id", "group_id",
                                name="pk_timetable_index_memberships"),
    )
    op.create_index("ix_timetable_index_memberships_tenant_person_id",
                    "timetable_index_memberships", ["tenant", "person_id"])
    op.create_table(
        "timetable_index_cursors",
        sa.Column("tenant", sa.String(63), nullable=False),
        sa.Column("cursor", sa.BigInteger, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("tenant", name="pk_timetable_index_cursors"),
    )


def downgrade() -> None:
    op.drop_table("timetable_index_cursors")
    op.drop_index("ix_timetable_index_memberships_tenant_person_id",
                  table_name="timetable_index_memberships")
    op.drop_table("timetable_index_memberships")
    op.drop_index("ix_timetable_index_tenant_link_kind_ref_seq", table_name="timetable_index")
    op.drop_table("timetable_index")
    op.drop_index("ix_calendar_subscriptions_tenant_created_at",
                  table_name="calendar_subscriptions")
    op.drop_index("ix_calendar_subscriptions_token_hash", table_name="calendar_subscriptions")
    op.drop_table("calendar_subscriptions")
