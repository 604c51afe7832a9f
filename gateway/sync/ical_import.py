"""Use case: import a timetabling system's iCalendar feed into timetable activities.

A run fetches the feed of an ``icalendar`` source (``SourceConfig.base_url``), checks and
parses it (:mod:`gateway.adapters.icalendar.codec`), expands every series in the window
(:mod:`gateway.adapters.icalendar.expansion`) and writes one canonical activity per
occurrence (:mod:`gateway.mappings.icalendar_in`), keyed by UID and recurrence id, so a
re-import changes only what changed and each change is one event on the timetable topic:

- **window**: from the start of today (the feed's zone) minus :data:`DAYS_BACK` days to
  the start of today plus :data:`DAYS_AHEAD` days; occurrences are in it by their start;
- **status**: see :func:`~gateway.mappings.icalendar_in.activity_status`; a stored
  activity of the window that left the feed becomes ``cancelled`` (kept, so calendar
  clients see it cancelled); activities before the window are left alone;
- **bad input**: a feed that is not valid iCalendar (or too large) is quarantined with the
  parser's reason and its raw payload, and nothing else changes; a series with unusable
  values (an id that is not a UUID, no SUMMARY) is quarantined on its own, the rest goes
  on, and its stored activities stay as they are;
- **conditional runs** (``full=False``) send the last feed's ETag/Last-Modified; a 304, or
  a body byte for byte the last one applied, is nothing to do. A full run fetches and
  expands anyway: the window moves with the days, so new occurrences come into it;
- **scale**: series are expanded one at a time and written in batches of ``batch_size``;
  the stored placements of the source are read in one streamed query, and the ones that
  vanished in a second (:mod:`.ical_stored`).

The validators and the digest of the last feed live in the source's sync state
(``SyncStateStore``, key = the source name), under ``feed`` in its report; a refused feed
is remembered by digest there, so polling the same bad bytes does not quarantine them
again. A feed over the size cap is refused unread (quarantined without its payload).
An override that moves an occurrence out of the window reads as the occurrence leaving
the feed: it is cancelled until the window reaches its new time.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime, time, timedelta, tzinfo
from typing import Any

import httpx

from gateway.adapters.icalendar.codec import MAX_FEED_BYTES, ParsedFeed, parse_feed
from gateway.adapters.icalendar.expansion import SeriesOccurrences, expand
from gateway.adapters.icalendar.fetch import FeedResponse, Validators, fetch_feed
from gateway.bootstrap import Gateway
from gateway.domain import TimetableActivity
from gateway.errors import ConfigurationError, DomainRuleError, ValidationError
from gateway.mappings.icalendar_in import activity_from, activity_status, source_id
from gateway.settings import SourceConfig
from gateway.store.quarantine import Quarantine
from gateway.store.sync_state import SyncStateStore
from gateway.sync.ical_report import IcalSyncReport
from gateway.sync.ical_stored import StoredPlacements, cancelled_copies

__all__ = ["DAYS_AHEAD", "DAYS_BACK", "IcalSyncReport", "expansion_window", "run_ical_sync",
           "state_key"]

log = logging.getLogger(__name__)

#: The expansion window: this many days before the start of today ...
DAYS_BACK = 7
#: ... to this many days after it (a school year and a bit: next year's timetable).
DAYS_AHEAD = 400
#: The quarantine kinds of a refused feed and of a refused series.
FEED_KIND, SERIES_KIND = "icalendar-feed", "icalendar-series"


def state_key(source_name: str) -> str:
    """The sync-state key of a feed's runs: the source's name (a feed is its one resource)."""
    return source_name


def expansion_window(now: datetime, zone: tzinfo, *, days_back: int = DAYS_BACK,
                     days_ahead: int = DAYS_AHEAD) -> tuple[datetime, datetime]:
    """``[start of today - days_back, start of today + days_ahead)`` in ``zone``."""
    today = now.astimezone(zone).date()
    return (datetime.combine(today - timedelta(days=days_back), time(0), zone),
            datetime.combine(today + timedelta(days=days_ahead), time(0), zone))


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
    def __init__(self, gateway: Gateway, source: SourceConfig, full: bool, batch_size: int,
                 max_bytes: int, transport: httpx.BaseTransport | None) -> None:
        self.gateway, self.source, self.full = gateway, source, full
        self.batch_size, self.max_bytes, self.transport = batch_size, max_bytes, transport
        self.states = SyncStateStore(gateway.engine)
        self.quarantine = Quarantine(gateway.engine, clock=gateway.clock)
        self.report = IcalSyncReport(source.tenant, source.name,
                                     "full" if full else "conditional")
        self.batch: list[TimetableActivity] = []

    def run(self) -> IcalSyncReport:
        started: datetime = self.gateway.clock()
        state = self.states.get(self.source.tenant, state_key(self.source.name))
        last: dict[str, Any] = dict(state.last_report.get("feed") or {}) if state else {}
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
        feed = {**response.validators.as_dict(), "sha256": digest}
        if last.get("sha256") == digest and last.get("quarantined"):
            self.report.feed_known_bad = True
            return self.report
        if not self.full and last.get("sha256") == digest:
            self.report.not_modified = True
            self._record(started, {**last, **feed}, applied=False)
            return self.report
        try:
            parsed = parse_feed(body, max_bytes=self.max_bytes)
        except ValidationError as exc:
            self._quarantine_feed(exc, body.decode("utf-8", "replace"))
            self._record(started, {**feed, "quarantined": True}, applied=False)
            return self.report
        self._apply(parsed)
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
        self.report.feed_quarantined = self.quarantine.put(
            tenant=self.source.tenant, source=self.source.name, kind=FEED_KIND,
            reason=exc.message, raw=raw, path=exc.path)
        log.warning("sync %s/%s: feed quarantined as #%s", self.source.tenant,
                    self.source.name, self.report.feed_quarantined)

    # -- applying -------------------------------------------------------------------------
    def _apply(self, parsed: ParsedFeed) -> None:
        tenant, name = self.source.tenant, self.source.name
        start, until = expansion_window(self.gateway.clock(), parsed.zone)
        self.report.window_from, self.report.window_until = start.isoformat(), until.isoformat()
        stored = StoredPlacements.load(self.gateway.engine, tenant, name, since=start)
        refused: set[str] = set()
        for series in expand(parsed, start, until):
            self.report.series += 1
            self.report.all_day_skipped += series.all_day
            try:
                self._add(self._activities(series, stored))
            except DomainRuleError as exc:
                refused.add(series.uid)
                self._quarantine_series(series, exc.message)
        self._flush()
        missing = stored.vanished(start, until, keep_uids=refused)
        for activity in cancelled_copies(self.gateway.engine, tenant, name, missing):
            self.report.cancelled_missing += 1
            self._add([activity])
        self._flush()

    def _activities(self, series: SeriesOccurrences,
                    stored: StoredPlacements) -> list[TimetableActivity]:
        """The series' activities; all or none (a refused series raises)."""
        if series.problem is not None:
            raise DomainRuleError(series.problem)
        out = []
        for occurrence in series.occurrences:
            previous = stored.take(source_id(occurrence.uid, occurrence.recurrence_id))
            out.append(activity_from(self.source.tenant, self.source.name, occurrence,
                                     activity_status(occurrence, previous)))
        self.report.occurrences += len(out)
        return out

    def _quarantine_series(self, series: SeriesOccurrences, reason: str) -> None:
        self.report.series_quarantined += 1
        self.quarantine.put(tenant=self.source.tenant, source=self.source.name,
                            kind=SERIES_KIND, reason=reason, raw=series.raw(),
                            path=f"/VEVENT[UID={series.uid[:200]}]")

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
