"""The audit log of reads and erasures of personal data (gateway.store.audit).

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                  autoincrement=True, nullable=False),
        sa.Column("tenant", sa.String(63), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("client_id", sa.String(255), nullable=False),
        sa.Column("issuer", sa.String(255), nullable=False),
        sa.Column("person_id", sa.String(36), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("fields", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_audit_log"),
    )
    op.create_index("ix_audit_log_tenant_person_seq", "audit_log",
                    ["tenant", "person_id", "seq"])
    op.create_index("ix_audit_log_tenant_seq", "audit_log", ["tenant", "seq"])


def downgrade() -> None:
    op.drop_index("ix_audit_log_tenant_seq", table_name="audit_log")
    op.drop_index("ix_audit_log_tenant_person_seq", table_name="audit_log")
    op.drop_table("audit_log")
