"""Timetable index: membership dates and group codes, and a rebuild from the event log.

A person's calendar feed listed every lesson of their groups, whatever the dates of the
membership: a student who joined a klas on 1 February saw its lessons of January. The
membership rows of the index now carry ``valid_from`` / ``valid_until`` (the membership's
first day at 00:00 and the day after its last day at 00:00, Europe/Amsterdam, as UTC).

A group's feed is named after the group's code, which the feed's validators did not
cover: ``timetable_index_groups`` holds each group's code as the index last saw it.

Backfill: the index is a projection of the event log (the ``outbox``, which is kept in
full), so the upgrade empties the membership rows and the projection's cursors; the next
feed request or round of the background loop (``TimetableProjection.catch_up``) replays
each tenant's log from the start and writes every row anew, dates and codes included.
Activity rows are kept: their events are replayed but skipped as already applied, so the
feeds' stamps (and ETags, apart from the new name in them) come out the same. The
replay's cost is one catch-up of the whole log per tenant (thousands of events a second).

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("timetable_index_memberships", sa.Column("valid_from", _TS, nullable=True))
    op.add_column("timetable_index_memberships", sa.Column("valid_until", _TS, nullable=True))
    op.create_table(
        "timetable_index_groups",
        sa.Column("tenant", sa.String(63), nullable=False),
        sa.Column("group_id", sa.String(36), nullable=False),
        sa.Column("code", sa.String(64), nullable=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("tenant", "group_id", name="pk_timetable_index_groups"),
    )
    op.execute("DELETE FROM timetable_index_memberships")
    op.execute("DELETE FROM timetable_index_cursors")


def downgrade() -> None:
    op.drop_table("timetable_index_groups")
    with op.batch_alter_table("timetable_index_memberships") as batch:
        batch.drop_column("valid_until")
        batch.drop_column("valid_from")
