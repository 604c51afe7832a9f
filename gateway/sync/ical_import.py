"""Use case: import a timetabling system's iCalendar feed into timetable activities.

A run fetches the feed of an ``icalendar`` source (``SourceConfig.base_url``), splits it
into its series and checks it (:mod:`.ical_plan`), then applies it (:mod:`.ical_apply`):
expands the series that changed (:mod:`gateway.adapters.icalendar.expansion`) and writes
one canonical activity per occurrence (:mod:`gateway.mappings.icalendar_in`), keyed by UID
and recurrence id, so a re-import changes only what changed and each change is one event
on the timetable topic:

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
from datetime import datetime
from typing import Any

import httpx

from gateway.adapters.icalendar.codec import MAX_FEED_BYTES, parse_feed
from gateway.adapters.icalendar.fetch import FeedResponse, Validators, fetch_feed
from gateway.bootstrap import Gateway
from gateway.errors import ConfigurationError, ValidationError
from gateway.settings import SourceConfig
from gateway.store.quarantine import Quarantine
from gateway.store.sync_state import SyncStateStore
from gateway.sync.ical_apply import SERIES_KIND, PlanApplier
from gateway.sync.ical_memo import SeriesMemo
from gateway.sync.ical_plan import DAYS_AHEAD, DAYS_BACK, expansion_window, plan_series
from gateway.sync.ical_report import IcalSyncReport
from gateway.sync.run_quarantine import RunQuarantine, by_kind, by_path

__all__ = ["DAYS_AHEAD", "DAYS_BACK", "IcalSyncReport", "expansion_window", "run_ical_sync",
           "state_key"]

log = logging.getLogger(__name__)

#: The quarantine kind of a refused feed (a refused series is :data:`.ical_apply.SERIES_KIND`).
FEED_KIND = "icalendar-feed"


def _identity(kind: str, raw: str, path: str) -> str:
    """A feed row is the source's one feed; a series row is its UID (the path)."""
    return (by_kind if kind == FEED_KIND else by_path)(kind, raw, path)


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
        #: The source's own groups and staff are part of every activity of a series that
        #: names none, but not of the series' text the memo digests: a change of them
        #: makes the run a full one.
        groups = sorted(str(g) for g in source.group_ids)
        staff = sorted(str(s) for s in source.staff_ids)
        self.defaults = hashlib.sha256(f"{groups}|{staff}".encode()).hexdigest()[:16]

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
        PlanApplier(self.gateway, self.source, self.quarantine, self.report,
                    self.batch_size).apply(plan, memo)
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

    # -- the sync state -------------------------------------------------------------------
    def _record(self, started: datetime, feed: dict[str, Any], *, applied: bool) -> None:
        self.states.record(self.source.tenant, state_key(self.source.name), started_at=started,
                           full=self.full and applied,
                           report={**self.report.as_dict(), "feed": feed},
                           now=self.gateway.clock())
