"""What one iCalendar import did (counts and ids only: no titles, no payloads)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["IcalSyncReport"]


@dataclass
class IcalSyncReport:
    """The counts of one run of :func:`~gateway.sync.ical_import.run_ical_sync`."""

    tenant: str
    source: str
    #: ``full`` (an unconditional GET, always expanded) or ``conditional`` (skipped when
    #: the server answers 304 or the body is the one last applied).
    mode: str
    #: The expansion window, ISO 8601, ``[window_from, window_until)``.
    window_from: str = ""
    window_until: str = ""
    #: Nothing to do: 304 Not Modified, or the same body as the last applied one.
    not_modified: bool = False
    #: The quarantine id of the feed when it was refused as a whole (nothing else changed).
    feed_quarantined: int | None = None
    #: The feed was refused before, byte for byte: not quarantined again.
    feed_known_bad: bool = False
    feed_bytes: int = 0
    #: Series expanded this run.
    series: int = 0
    #: Series skipped: unchanged since their last expansion, which still covers the window
    #: (their remembered occurrences count as ``unchanged``).
    series_unchanged: int = 0
    #: Series (UIDs) that left the feed since the last run.
    series_removed: int = 0
    occurrences: int = 0
    created: int = 0
    changed: int = 0
    unchanged: int = 0
    #: Stored activities in the window that left the feed, now ``cancelled``.
    cancelled_missing: int = 0
    #: Series refused (quarantined one by one); their stored activities are kept as they are.
    series_quarantined: int = 0
    #: All-day occurrences skipped (holidays and notes, not lessons).
    all_day_skipped: int = 0
    events: int = 0
    #: Quarantined feed and series rows a full run no longer met as bad (the feed parses,
    #: the series was imported or left the feed): marked handled.
    quarantine_resolved: int = 0

    def line(self) -> str:
        head = f"{self.tenant}/{self.source} icalendar {self.mode}"
        if self.feed_quarantined is not None:
            return (f"{head}: the feed is not valid iCalendar; quarantined as "
                    f"#{self.feed_quarantined}, nothing changed")
        if self.feed_known_bad:
            return f"{head}: the feed is still the one quarantined before; nothing changed"
        if self.not_modified:
            return f"{head}: feed not modified; nothing to do"
        return (f"{head} [{self.window_from[:10]}, {self.window_until[:10]}): "
                f"{self.series} series expanded ({self.series_unchanged} unchanged skipped, "
                f"{self.series_removed} removed), {self.occurrences} occurrences, changed "
                f"{self.created + self.changed} ({self.created} new), unchanged "
                f"{self.unchanged}, cancelled as missing {self.cancelled_missing}, "
                f"series quarantined {self.series_quarantined}, quarantine resolved "
                f"{self.quarantine_resolved}, all-day skipped {self.all_day_skipped}, "
                f"events {self.events}")

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
