"""The memo of a feed import: what each series was when last applied, and for which window.

A day of changes touches a few hundred of a school's 15,000 series, yet expanding and
comparing all of them takes minutes. The import remembers, per (source, UID), the
digest of the series' text (:meth:`~gateway.adapters.icalendar.split.SplitFeed.digest`:
without ``DTSTAMP``, with the calendar's zones) and the span its stored activities are
good for: from the window start it was expanded with to its *quiet* end (the first start
after that window, or a lookahead's end). A series with the same digest whose span still
covers the run's window is skipped: nothing of it can have changed.

The rows live in the catalogue pull's memo table (:mod:`gateway.store.record_digests`),
record ``series/<UID>``, digest = that SHA-256; the one entry of ``entities`` holds the
span instead of entity hashes: ``["window", <from>, <quiet until>]`` (or ``["refused",
...]`` for a series quarantined as unusable: skipped while unchanged, so it is not
quarantined on every poll) and ``["occurrences", <count>, ""]``. The memo is trusted
without asking the store: an activity changed by another path stays so until its series
changes or the next full run. A full run expands every series and compares every stored
activity of the source, not only those of the UIDs the memo knows
(:meth:`~gateway.sync.ical_plan.SeriesPlan.stored_uids`), so it repairs such drift; then
it rewrites the memo.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine

from gateway.store.record_digests import MAX_RECORD_KEY, RecordDigest, RecordDigestStore

__all__ = ["SeriesMark", "SeriesMemo"]

_PREFIX = "series/"


@dataclass(frozen=True, slots=True)
class SeriesMark:
    """A series as last applied."""

    digest: str
    #: The window start it was expanded from, and the end its expansion is good until.
    covers_from: datetime
    covers_until: datetime
    #: Quarantined as unusable (its stored activities were left as they were).
    refused: bool = False
    #: How many occurrences the expansion gave (reported as unchanged when skipped).
    occurrences: int = 0

    def covers(self, digest: str, start: datetime, until: datetime) -> bool:
        """Whether a series with ``digest`` needs no expansion for ``[start, until)``."""
        return digest == self.digest and self.covers_from <= start and until <= \
            self.covers_until


class SeriesMemo:
    """The memo rows of one feed source (one query to read, only differences written).

    Example::

        memo = SeriesMemo(engine, "roc-a", "rooster")
        if memo.marks.get(uid, absent).covers(digest, start, until): ...   # skip
        memo.save({uid: SeriesMark(digest, start, quiet_until)})
    """

    def __init__(self, engine: Engine, tenant: str, source: str,
                 clock: Callable[[], datetime] | None = None) -> None:
        self.tenant, self.source = tenant, source
        self.store = RecordDigestStore(engine, clock) if clock else RecordDigestStore(engine)
        self._rows = self.store.load(tenant, source)
        self.marks: dict[str, SeriesMark] = {}
        for key, row in self._rows.items():
            mark = _mark(row)
            if key.startswith(_PREFIX) and mark is not None:
                self.marks[key[len(_PREFIX):]] = mark

    def save(self, marks: Mapping[str, SeriesMark]) -> None:
        """Make the memo say ``marks`` (the feed's series after a run); others go."""
        rows = {}
        for uid, mark in marks.items():
            key = _PREFIX + uid
            if uid and len(key) <= MAX_RECORD_KEY:
                rows[key] = RecordDigest(key, mark.digest, (
                    ("refused" if mark.refused else "window", mark.covers_from.isoformat(),
                     mark.covers_until.isoformat()),
                    ("occurrences", str(mark.occurrences), "")))
        self.store.save(self.tenant, self.source, rows, previous=self._rows, complete=True)
        self._rows = rows


def _mark(row: RecordDigest) -> SeriesMark | None:
    if len(row.entities) != 2 or row.entities[0][0] not in ("window", "refused") \
            or row.entities[1][0] != "occurrences":
        return None
    (kind, begin, end), (_, count, _) = row.entities
    try:
        return SeriesMark(row.digest, datetime.fromisoformat(begin),
                          datetime.fromisoformat(end), refused=kind == "refused",
                          occurrences=int(count))
    except ValueError:
        return None
