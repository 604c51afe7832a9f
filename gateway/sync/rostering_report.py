"""What one rostering pull did, and where it keeps its last run (counts and keys only)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from gateway.domain import Group, Membership, TimetableActivity
from gateway.sync.pull_run import resource_key

__all__ = ["KINDS", "RosteringSyncReport", "state_key"]

#: The canonical kinds a rostering pull writes, in the order the report names them.
KINDS = (Group.kind, Membership.kind, TimetableActivity.kind)
_LABELS = {Group.kind: "groups", Membership.kind: "memberships",
           TimetableActivity.kind: "activities"}


def state_key(source_name: str) -> str:
    """The key of a source's rostering pull in the sync state and the memo (the source's
    catalogue and enrolment pulls have their own)."""
    return resource_key(source_name, "rostering")


def _per_kind() -> dict[str, int]:
    return dict.fromkeys(KINDS, 0)


@dataclass
class RosteringSyncReport:
    """What one run did, per canonical kind (``group``, ``membership``,
    ``timetable-activity``); counts only, no personal data."""

    tenant: str
    source: str
    mode: str
    since: str | None = None
    members_from: str = "members"
    fetched: int = 0
    created: dict[str, int] = field(default_factory=_per_kind)
    changed: dict[str, int] = field(default_factory=_per_kind)
    unchanged: dict[str, int] = field(default_factory=_per_kind)
    deleted: dict[str, int] = field(default_factory=_per_kind)
    quarantined: int = 0
    #: Groups whose members were not read: they ended before ``since`` (incremental runs).
    groups_ended: int = 0
    #: Pages read of the offerings' group and association lists (their groups and staff),
    #: and the lists the SIS does not offer (``groups``, ``associations``).
    relation_pages: int = 0
    relations_not_offered: list[str] = field(default_factory=list)
    events: int = 0
    #: Quarantined items a complete full run no longer met as bad: marked handled.
    quarantine_resolved: int = 0

    def count(self, what: dict[str, int], kind: str, n: int = 1) -> None:
        what[kind] = what.get(kind, 0) + n

    def line(self) -> str:
        window = f" since {self.since}" if self.since else ""
        parts = ", ".join(
            f"{_LABELS[kind]} changed {self.created[kind] + self.changed[kind]} "
            f"({self.created[kind]} new), deleted {self.deleted[kind]}" for kind in KINDS)
        return (f"{self.tenant}/{self.source} rostering {self.mode}{window}: fetched "
                f"{self.fetched}, {parts}, unchanged {sum(self.unchanged.values())}, "
                f"quarantined {self.quarantined}, quarantine resolved "
                f"{self.quarantine_resolved}, events {self.events}")

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
