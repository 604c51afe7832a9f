"""Sync every configured source on its interval, in the background of ``gateway serve``.

Each source with ``interval_seconds > 0`` gets its own thread, so a slow source never
delays another. A run covers the source's resources (for an ``ooapi-v5`` source its
``resources``: catalogue, enrolment, ...; :mod:`gateway.sync.source_resources` holds the
dispatch table) one after the other; each runner holds a lock per source, so within one
process a resource of a source never runs twice at once (across replicas two runs are
safe, only wasteful: the store writes each change once). A resource that fails is logged
with the tenant, the source, the resource and the error class (ids only, no payloads) and
tried again at the next interval, while the source's other resources still run; the last
good sync time of each is kept, so nothing is lost in between.

The mode of a scheduled run, per resource: full ("standlevering", finds deletions) when
the resource has never had a full sync or its last one is older than ``full_every``;
incremental otherwise.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

from gateway.bootstrap import Gateway
from gateway.settings import SourceConfig
from gateway.store.sync_state import SyncStateStore
from gateway.sync.catalogue_report import CatalogueSyncReport
from gateway.sync.source_resources import (
    RUNNERS,
    Runners,
    SourceSyncReport,
    planned,
    run_catalogue_sync,
    sync_resources,
)

__all__ = ["SyncScheduler", "run_sync"]

log = logging.getLogger(__name__)


def run_sync(
    gateway: Gateway, tenant: str, source_name: str, *, full: bool
) -> CatalogueSyncReport:
    """Sync one configured source's catalogue once (the ``catalogue`` resource alone).

    Every resource of a source: :func:`gateway.sync.source_resources.run_source_sync`.

    Args:
        gateway: the composed gateway (store, engine, settings).
        tenant: the tenant id.
        source_name: the source's ``name`` in ``settings.sources``.
        full: a full sync that also finds deletions; otherwise incremental (which falls back
            to full when the source was never synced).

    Returns:
        The counts of the run; ``report.line()`` prints them on one line.

    Raises:
        ConfigurationError: no such source, or the standards folder is not configured.
        UpstreamError: the source failed (after retries); nothing was deleted.
    """
    return run_catalogue_sync(gateway, tenant, source_name, full=full)


class SyncScheduler:
    """Runs each source's sync every ``interval_seconds`` until ``stop`` is set.

    Example::

        stop = threading.Event()
        threads = SyncScheduler(gateway).start(stop)
        ...
        stop.set(); [t.join() for t in threads]

    Args:
        gateway: the composed gateway.
        full_every: a resource's run is full when its last full sync is older than this.
        runners: the dispatch table (source kind -> resource -> runner); tests pass fakes.
    """

    def __init__(
        self,
        gateway: Gateway,
        *,
        full_every: timedelta = timedelta(days=1),
        runners: Runners = RUNNERS,
    ) -> None:
        self.gateway = gateway
        self.full_every = full_every
        self.runners = runners
        self.states = SyncStateStore(gateway.engine)
        #: Resource runs that succeeded, and those that failed.
        self.runs = 0
        self.failures = 0

    def sources(self) -> list[SourceConfig]:
        return [s for s in self.gateway.settings.sources if s.interval_seconds > 0]

    def start(self, stop: threading.Event) -> list[threading.Thread]:
        """Start one daemon thread per scheduled source; returns them for joining."""
        threads = []
        for source in self.sources():
            thread = threading.Thread(
                target=self.run_source, args=(source, stop), daemon=True,
                name=f"sync-{source.tenant}-{source.name}",
            )
            thread.start()
            threads.append(thread)
        return threads

    def run_source(self, source: SourceConfig, stop: threading.Event) -> None:
        """Sync ``source`` now and then every interval until ``stop`` is set."""
        while not stop.is_set():
            self.run_once(source)
            if stop.wait(source.interval_seconds):
                return

    def run_once(self, source: SourceConfig) -> SourceSyncReport:
        """One scheduled run of every resource of ``source``; failures are logged and
        counted per resource, never raised."""
        try:
            plan = [(name, self._full_due(source, name)) for name in
                    planned(source, self.runners)]
        except Exception:  # e.g. the database is away: try again next interval
            self.failures += 1
            log.exception("scheduled sync %s/%s could not start; next try in %ss",
                          source.tenant, source.name, source.interval_seconds)
            return SourceSyncReport(source.tenant, source.name)
        report = sync_resources(self.gateway, source, plan, self.runners)
        self.failures += len(report.failed)
        self.runs += len(report.outcomes) - len(report.failed)
        for line in report.lines():
            log.info("scheduled sync %s", line)
        if report.failed:
            log.error("scheduled sync %s/%s: %s failed; next try in %ss", source.tenant,
                      source.name, ", ".join(report.failed), source.interval_seconds)
        return report

    def _full_due(self, source: SourceConfig, resource: str) -> bool:
        entry = self.runners.get(source.kind, {}).get(resource)
        key = entry.state_key(source.name) if entry is not None else source.name
        state = self.states.get(source.tenant, key)
        if state is None or state.last_full_sync_at is None:
            return True
        now: datetime = self.gateway.clock()
        return now - state.last_full_sync_at >= self.full_every
