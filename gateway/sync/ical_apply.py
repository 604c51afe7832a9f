"""The apply step of an iCalendar import: a checked feed's plan written as activities.

:mod:`.ical_import` fetches the feed and splits it into series (:mod:`.ical_plan`);
:class:`PlanApplier` then does the part that costs: it expands the series that are due
(:func:`~gateway.adapters.icalendar.expansion.expand`, one series at a time), turns each
occurrence into a canonical activity with its status against the stored one
(:mod:`gateway.mappings.icalendar_in`, :mod:`.ical_stored`), writes them in batches of
``batch_size``, cancels the stored activities of the window that left the feed, and
remembers every series (:mod:`.ical_memo`) so that the next run skips what did not change.

A series with unusable values is quarantined on its own (all of its occurrences or none)
and its stored activities stay as they are; a series refused before and unchanged since
is met again as bad, so a full run does not close its quarantine row.
"""

from __future__ import annotations

from datetime import timedelta

from gateway.adapters.icalendar.expansion import SeriesOccurrences, expand
from gateway.bootstrap import Gateway
from gateway.domain import TimetableActivity
from gateway.errors import DomainRuleError, ValidationError
from gateway.mappings.icalendar_in import activity_from, activity_status, source_id
from gateway.settings import SourceConfig
from gateway.sync.ical_memo import SeriesMark, SeriesMemo
from gateway.sync.ical_plan import SeriesPlan
from gateway.sync.ical_report import IcalSyncReport
from gateway.sync.ical_stored import StoredPlacements, cancelled_copies
from gateway.sync.run_quarantine import RunQuarantine

__all__ = ["LOOKAHEAD", "SERIES_KIND", "PlanApplier", "series_path"]

#: How far past the window an expansion looks for the series' next start (the memo's
#: span: a series with none that close needs no expansion while the window moves on).
LOOKAHEAD = timedelta(days=35)
#: The quarantine kind of a refused series (its path names its UID).
SERIES_KIND = "icalendar-series"


def series_path(uid: str) -> str:
    """The quarantine path of a series: its UID, which identifies it across runs."""
    return f"/VEVENT[UID={uid[:200]}]"


class PlanApplier:
    """Applies one run's :class:`~gateway.sync.ical_plan.SeriesPlan` to the store.

    Args:
        gateway: the composed gateway (store, engine, clock).
        source: the ``icalendar`` source; its own groups and staff join every activity
            of a series that names none.
        quarantine: the run's quarantine (series refused now, or met again as bad).
        report: the run's counts, filled in here.
        batch_size: activities per store transaction.
    """

    def __init__(self, gateway: Gateway, source: SourceConfig, quarantine: RunQuarantine,
                 report: IcalSyncReport, batch_size: int) -> None:
        self.gateway, self.source, self.quarantine = gateway, source, quarantine
        self.report, self.batch_size = report, batch_size
        self.batch: list[TimetableActivity] = []
        self.groups = tuple(str(g) for g in source.group_ids)
        self.staff = tuple(str(s) for s in source.staff_ids)

    def apply(self, plan: SeriesPlan, memo: SeriesMemo) -> None:
        """Expand the due series, compare them with their stored activities, cancel what
        left the feed, and remember every series (see :mod:`.ical_memo`)."""
        tenant, name = self.source.tenant, self.source.name
        start, until = plan.start, plan.until
        self.report.window_from, self.report.window_until = start.isoformat(), until.isoformat()
        marks = {uid: memo.marks[uid] for uid in plan.skipped}
        for uid, mark in marks.items():  # refused before and unchanged: still bad
            if mark.refused:
                self.quarantine.meet(SERIES_KIND, path=series_path(uid))
        self.report.series_unchanged, self.report.series_removed = len(plan.skipped), len(
            plan.removed)
        self.report.unchanged += sum(mark.occurrences for mark in marks.values())
        stored = StoredPlacements.load(self.gateway.engine, tenant, name, since=start,
                                       uids=plan.stored_uids(bool(memo.marks)))
        refused: set[str] = set()
        for uid in plan.due:
            try:
                parsed = plan.parsed(uid)
            except ValidationError as exc:  # remembered as valid, refused now: alone
                refused.add(uid)
                self._quarantine_series(SeriesOccurrences(uid), exc.message,
                                        plan.feed.calendar_of(uid).decode())
                continue
            for series in expand(parsed, start, until, lookahead=LOOKAHEAD):
                self.report.series += 1
                self.report.all_day_skipped += series.all_day
                quiet = series.quiet_until or until
                try:
                    activities = self._activities(series, stored)
                except DomainRuleError as exc:
                    refused.add(series.uid)
                    self._quarantine_series(series, exc.message, series.raw())
                    marks[uid] = SeriesMark(plan.digests[uid], start, quiet, refused=True)
                    continue
                self._add(activities)
                marks[uid] = SeriesMark(plan.digests[uid], start, quiet,
                                        occurrences=len(activities))
        self._flush()
        missing = stored.vanished(start, until, keep_uids=refused | set(plan.skipped))
        for activity in cancelled_copies(self.gateway.engine, tenant, name, missing):
            self.report.cancelled_missing += 1
            self._add([activity])
        self._flush()
        memo.save(marks)

    def _activities(self, series: SeriesOccurrences,
                    stored: StoredPlacements) -> list[TimetableActivity]:
        """The series' activities; all or none (a refused series raises)."""
        if series.problem is not None:
            raise DomainRuleError(series.problem)
        out = []
        for occurrence in series.occurrences:
            previous = stored.take(source_id(occurrence.uid, occurrence.recurrence_id))
            out.append(activity_from(self.source.tenant, self.source.name, occurrence,
                                     activity_status(occurrence, previous),
                                     groups=self.groups, staff=self.staff))
        self.report.occurrences += len(out)
        return out

    def _quarantine_series(self, series: SeriesOccurrences, reason: str, raw: str) -> None:
        self.report.series_quarantined += 1
        self.quarantine.put(SERIES_KIND, raw, reason, series_path(series.uid))

    def _add(self, activities: list[TimetableActivity]) -> None:
        self.batch.extend(activities)
        if len(self.batch) >= self.batch_size:
            self._flush()

    def _flush(self) -> None:
        if not self.batch:
            return
        result = self.gateway.store.upsert(self.batch)
        self.batch = []
        self.report.created += result.created
        self.report.changed += result.changed
        self.report.unchanged += result.unchanged
        self.report.events += len(result.events)
