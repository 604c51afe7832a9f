"""What one catalogue pull did (counts only), kept in the sync state and printed on a line.

The catalogue pull (:mod:`gateway.sync.ooapi_catalogue`) fills it in as it goes: each
store write adds its :class:`~gateway.store.entities.ApplyResult`, the reader its fetch
count, the quarantine its count; a complete full run adds what it deleted and the
quarantine rows it closed. The scheduler and the CLI print :meth:`CatalogueSyncReport.line`;
the sync state keeps :meth:`CatalogueSyncReport.as_dict` as the run's report.

Counts only: a catalogue holds no personal data, but the report stays in the shape of
the other pulls' reports (:mod:`.enrolment_report`, :mod:`.rostering_report`), so the
frame (:class:`~gateway.sync.pull_run.PullReport`) treats them alike.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from gateway.store.entities import ApplyResult

__all__ = ["CatalogueSyncReport"]


@dataclass
class CatalogueSyncReport:
    """What one run did; ``changed`` in :meth:`line` counts created plus changed."""

    tenant: str
    source: str
    mode: str
    since: str | None = None
    fetched: int = 0
    created: int = 0
    changed: int = 0
    unchanged: int = 0
    quarantined: int = 0
    deleted: int = 0
    events: int = 0
    #: Quarantined items a complete full run no longer met as bad: marked handled.
    quarantine_resolved: int = 0

    def add(self, result: ApplyResult) -> None:
        """Count one store write (upserts or deletions) and its events."""
        self.created += result.created
        self.changed += result.changed
        self.unchanged += result.unchanged
        self.deleted += result.deleted
        self.events += len(result.events)

    def line(self) -> str:
        """The run on one line, for the log and the CLI (ids and counts, nothing else)."""
        window = f" since {self.since}" if self.since else ""
        return (f"{self.tenant}/{self.source} {self.mode}{window}: fetched {self.fetched}, "
                f"changed {self.created + self.changed} ({self.created} new), "
                f"unchanged {self.unchanged}, quarantined {self.quarantined}, "
                f"quarantine resolved {self.quarantine_resolved}, deleted {self.deleted}, "
                f"events {self.events}")

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
