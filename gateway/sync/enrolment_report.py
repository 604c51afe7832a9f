"""What one enrolment pull did, and where it keeps its last run (counts and keys only)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from gateway.sync.pull_run import resource_key

__all__ = ["EnrolmentSyncReport", "state_key"]


def state_key(source_name: str) -> str:
    """The key of a source's enrolment pull in the sync state (its catalogue has its own)."""
    return resource_key(source_name, "enrolment")


@dataclass
class EnrolmentSyncReport:
    """What one run did (counts only: no personal data)."""

    tenant: str
    source: str
    mode: str
    since: str | None = None
    associations_by: str = "offering"
    fetched: int = 0
    persons_created: int = 0
    persons_changed: int = 0
    persons_unchanged: int = 0
    created: int = 0
    changed: int = 0
    unchanged: int = 0
    quarantined: int = 0
    #: Offerings the gateway does not hold (yet): their associations were not read ...
    offerings_unknown: int = 0
    #: ... and associations (read per person) of such offerings; both are read next run.
    waiting_for_catalogue: int = 0
    deleted: int = 0
    #: Persons the store holds that the SIS no longer lists (full runs; never deleted here).
    persons_not_listed: int = 0
    #: Applications the gateway forwarded whose state the SIS's decision changed ...
    applications_changed: int = 0
    #: ... and those the state machine kept as they were (withdrawn meanwhile, ...).
    applications_refused: int = 0
    events: int = 0
    #: Quarantined items a complete full run no longer met as bad: marked handled.
    quarantine_resolved: int = 0

    def line(self) -> str:
        window = f" since {self.since}" if self.since else ""
        return (f"{self.tenant}/{self.source} enrolment {self.mode}{window}: fetched "
                f"{self.fetched}, persons changed {self.persons_created + self.persons_changed}"
                f" ({self.persons_created} new), associations changed "
                f"{self.created + self.changed} ({self.created} new), unchanged "
                f"{self.persons_unchanged + self.unchanged}, quarantined {self.quarantined}, "
                f"quarantine resolved {self.quarantine_resolved}, waiting for the catalogue "
                f"{self.offerings_unknown} offerings and "
                f"{self.waiting_for_catalogue} associations, deleted "
                f"{self.deleted}, events {self.events}")

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
