"""Use case: import a timetabling system's iCalendar feed into timetable activities.

A run fetches the feed of an ``icalendar`` source (``SourceConfig.base_url``), splits it
into its series and checks it (:mod:`.ical_plan`), expands the series that changed
(:mod:`gateway.adapters.icalendar.expansion`) and writes one canonical activity per
occurrence (:mod:`gateway.mappings.icalendar_in`), keyed by UID and recurrence id, so a
re-import changes only what changed and each change is one event on the timetable topic:

- **window**: from the start of today (the feed's zone) minus :data:`DAYS_BACK` days to
  the start of today plus :data:`DAYS_AHEAD` days; occurrences are in it by their start;
- **status**: see :func:`~gateway.mappings.icalendar_in.activity_status`; a stored
  activity of the window that left the feed (its occurrence, or its whole UID) becomes
  ``cancelled`` (kept for calendar clients); activities before the window are left alone;
- **bad input**: a feed that is not valid iCalendar (or too large) is quarantined with the
  parser's reason and its raw payload, and nothing else changes; a series with unusable
  values (an id that is not a UUID, no SUMMARY) is quarantined on its own, the rest goes
  on, and its stored activities stay as they are; a full run that applied the feed marks
  handled the feed's rows and those of series it did not refuse again (imported now, or
  gone from the feed: :mod:`.run_quarantine`);
- **conditional runs** (``full=False``) send the last feed's ETag/Last-Modified; a 304, or
  a body byte for byte the last one applied, is nothing to do; otherwise only the series
  whose text (without DTSTAMP) changed, or whose remembered span the window left, are
  expanded and compared (:mod:`.ical_memo`). A full run expands every series and
  compares every stored activity of the source (repairing what another path changed);
- **scale**: one series is parsed and expanded at a time, written in batches of
  ``batch_size``; the stored placements are read in one streamed query (of the due series
  only when they are few), the vanished ones in a second (:mod:`.ical_stored`).

The validators and the digest of the last feed live in the source's sync state
(``SyncStateStore``, key = the source name), under ``feed`` in its report; a refused feed
is remembered by digest there, so polling the same bad bytes does not quarantine them
again. A feed over the size cap is refused unread (quarantined without its payload). An
override moving an occurrence out of the window cancels it until the window reaches it.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime, timedelta
from typing import Any

import httpx

from gateway.adapters.icalendar.codec import MAX_FEED_BYTES, parse_feed
from gateway.adapters.icalendar.expansion import SeriesOccurrences, expand
from gateway.adapters.icalendar.fetch import FeedResponse, Validators, fetch_feed
from gateway.bootstrap import Gateway
from gateway.domain import TimetableActivity
from gateway.errors import ConfigurationError, DomainRuleError, ValidationError
from gateway.mappings.icalendar_in import activity_from, activity_status, source_id
from gateway.settings import SourceConfig
from gateway.store.quarantine import Quarantine
from gateway.store.sync_state import SyncStateStore
from gateway.sync.ical_memo import SeriesMark, SeriesMemo
from gateway.sync.ical_plan import DAYS_AHEAD, DAYS_BACK, SeriesPlan, expansion_window, plan_series
from gateway.sync.ical_report import IcalSyncReport
from gateway.sync.ical_stored import StoredPlacements, cancelled_copies
from gateway.sync.run_quarantine import RunQuarantine, by_kind, by_path

__all__ = ["DAYS_AHEAD", "DAYS_BACK", "IcalSyncReport", "expansion_window", "run_ical_sync",
           "state_key"]

log = logging.getLogger(__name__)

#: How far past the window an expansion looks for the series' next start (the memo's
#: span: a series with none that close needs no expansion while the window moves on).
LOOKAHEAD = timedelta(days=35)
#: The quarantine kinds of a refused feed and of a refused series.
FEED_KIND, SERIES_KIND = "icalendar-feed", "icalendar-series"


def _identity(kind: str, raw: str, path: str) -> str:
    """A feed row is the source's one feed; a series row is its UID (the path)."""
    return (by_kind if kind == FEED_KIND else by_path)(kind, raw, path)


def _series_path(uid: str) -> str:
    return f"/VEVENT[UID={uid[:200]}]"


def state_key(source_name: str) -> str:
    """The sync-state key of a feed's runs: the source's name (a feed is its one resource)."""
    return source_name


def run_ical_sync(
    gateway: Gateway, tenant: str, source_name: str, *, full: bool = True,
    batch_size: int = 500, max_bytes: int = MAX_FEED_BYTES,
    transport: httpx.BaseTransport | None = None,
) -> IcalSyncReport:
    """Import the feed of one ``icalendar`` source once (``gateway sync TENANT SOURCE``).

    Args:
        gateway: the composed gateway (store, engine, settings, clock).
        tenant: the tenant id.
        source_name: the source's ``name`` in ``settings.sources`` (kind ``icalendar``).
        full: fetch unconditionally and expand; False sends the last validators and does
            nothing on a 304 or an unchanged body.
        batch_size: activities per store transaction.
        max_bytes: the feed's size cap.
        transport: another HTTP transport (tests).

    Returns:
        The counts of the run; ``report.line()`` prints them on one line.

    Raises:
        ConfigurationError: no such source, or it is not an ``icalendar`` source.
        UpstreamError: the feed could not be fetched (after retries); nothing changed.
    """
    source = gateway.settings.source(tenant, source_name)
    if source is None:
        raise ConfigurationError(f"no source {source_name!r} configured for tenant {tenant!r}")
    if source.kind != "icalendar":
        raise ConfigurationError(f"source {source_name!r} is a {source.kind} source, not an "
                                 "icalendar feed")
    return _Run(gateway, source, full, batch_size, max_bytes, transport).run()


class _Run:
    #: What a feed state recorded before sources had groups and staff of their own holds.
    _NO_DEFAULTS = hashlib.sha256(b"[]|[]").hexdigest()[:16]

    def __init__(self, gateway: Gateway, source: SourceConfig, full: bool, batch_size: int,
                 max_bytes: int, transport: httpx.BaseTransport | None) -> None:
        self.gateway, self.source, self.full = gateway, source, full
        self.batch_size, self.max_bytes, self.transport = batch_size, max_bytes, transport
        self.states = SyncStateStore(gateway.engine)
        self.quarantine = RunQuarantine(Quarantine(gateway.engine, clock=gateway.clock),
                                        source.tenant, source.name, (FEED_KIND, SERIES_KIND),
                                        identity=_identity)
        self.report = IcalSyncReport(source.tenant, source.name,
                                     "full" if full else "conditional")
        self.batch: list[TimetableActivity] = []
        self.groups = tuple(str(g) for g in source.group_ids)
        self.staff = tuple(str(s) for s in source.staff_ids)
        #: The source's own groups and staff are part of every activity of a series that
        #: names none, but not of the series' text the memo digests: a change of them
        #: makes the run a full one.
        self.defaults = hashlib.sha256(
            f"{sorted(self.groups)}|{sorted(self.staff)}".encode()).hexdigest()[:16]

    def run(self) -> IcalSyncReport:
        started: datetime = self.gateway.clock()
        state = self.states.get(self.source.tenant, state_key(self.source.name))
        last: dict[str, Any] = dict(state.last_report.get("feed") or {}) if state else {}
        if last and last.get("defaults", self._NO_DEFAULTS) != self.defaults:
            self.full = True
            self.report.mode = "full"
        response = self._fetch(last)
        if response is None:
            return self.report
        if response.not_modified:
            self.report.not_modified = True
            self._record(started, last, applied=False)
            return self.report
        body = response.body or b""
        self.report.feed_bytes = len(body)
        digest = hashlib.sha256(body).hexdigest()
        feed = {**response.validators.as_dict(), "sha256": digest, "defaults": self.defaults}
        if last.get("sha256") == digest and last.get("quarantined"):
            self.report.feed_known_bad = True
            return self.report
        if not self.full and last.get("sha256") == digest:
            self.report.not_modified = True
            self._record(started, {**last, **feed}, applied=False)
            return self.report
        memo = SeriesMemo(self.gateway.engine, self.source.tenant, self.source.name,
                          self.gateway.clock)
        try:
            if len(body) > self.max_bytes:
                parse_feed(body, max_bytes=self.max_bytes)  # refused with the size
            plan = plan_series(body, memo.marks, lambda zone: expansion_window(
                self.gateway.clock(), zone), full=self.full)
        except ValidationError as exc:
            self._quarantine_feed(exc, body.decode("utf-8", "replace"))
            self._record(started, {**feed, "quarantined": True}, applied=False)
            return self.report
        del body, response
        self._apply(plan, memo)
        if self.full:  # every series seen: what was not refused again is handled
            self.report.quarantine_resolved = self.quarantine.close_unmet()
        self._record(started, feed, applied=True)
        log.info("sync %s", self.report.line())
        return self.report

    # -- fetching -------------------------------------------------------------------------
    def _fetch(self, last: dict[str, Any]) -> FeedResponse | None:
        validators = None if self.full or last.get("quarantined") else \
            Validators.from_dict(last)
        try:
            return fetch_feed(self.source.base_url, validators=validators,
                              timeout=self.source.timeout_seconds, max_bytes=self.max_bytes,
                              transport=self.transport)
        except ValidationError as exc:  # larger than the cap: refused unread
            self._quarantine_feed(exc, "")
            return None

    def _quarantine_feed(self, exc: ValidationError, raw: str) -> None:
        self.report.feed_quarantined = self.quarantine.put(FEED_KIND, raw, exc.message,
                                                           exc.path)
        log.warning("sync %s/%s: feed quarantined as #%s", self.source.tenant,
                    self.source.name, self.report.feed_quarantined)

    # -- applying -------------------------------------------------------------------------
    def _apply(self, plan: SeriesPlan, memo: SeriesMemo) -> None:
        """Expand the due series, compare them with their stored activities, cancel what
        left the feed, and remember every series (see :mod:`.ical_memo`)."""
        tenant, name = self.source.tenant, self.source.name
        start, until = plan.start, plan.until
        self.report.window_from, self.report.window_until = start.isoformat(), until.isoformat()
        marks = {uid: memo.marks[uid] for uid in plan.skipped}
        for uid, mark in marks.items():  # refused before and unchanged: still bad
            if mark.refused:
                self.quarantine.meet(SERIES_KIND, path=_series_path(uid))
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
        self.quarantine.put(SERIES_KIND, raw, reason, _series_path(series.uid))

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

    def _record(self, started: datetime, feed: dict[str, Any], *, applied: bool) -> None:
        self.states.record(self.source.tenant, state_key(self.source.name), started_at=started,
                           full=self.full and applied,
                           report={**self.report.as_dict(), "feed": feed},
                           now=self.gateway.clock())
