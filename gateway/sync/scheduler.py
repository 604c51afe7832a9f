"""Sync every configured source on its interval, in the background of ``gateway serve``.

Each source with ``interval_seconds > 0`` gets its own thread, so a slow source never
delays another; :func:`run_sync` holds a lock per source, so within one process a source
never runs twice at once (across replicas two runs are safe, only wasteful: the store
writes each change once). A run that fails is logged with the tenant, the source and the
error class (ids only, no payloads) and tried again at the next interval; the last good
sync time is kept, so nothing is lost in between.

The mode of a scheduled run: full ("standlevering", finds deletions) when the source has
never had a full sync or its last one is older than ``full_every``; incremental otherwise.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from gateway.bootstrap import Gateway
from gateway.errors import ConfigurationError, GatewayError
from gateway.settings import SourceConfig
from gateway.store.sync_state import SyncStateStore
from gateway.sync.ooapi_catalogue import CatalogueSyncReport, OoapiCatalogueSync

__all__ = ["SyncScheduler", "run_sync"]

log = logging.getLogger(__name__)

_LOCKS: dict[tuple[str, str], threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()


def _source_lock(tenant: str, source: str) -> threading.Lock:
    with _LOCKS_GUARD:
        return _LOCKS.setdefault((tenant, source), threading.Lock())


def run_sync(
    gateway: Gateway, tenant: str, source_name: str, *, full: bool
) -> CatalogueSyncReport:
    """Sync one configured source once (``gateway sync TENANT SOURCE [--full]``).

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
    source = gateway.settings.source(tenant, source_name)
    if source is None:
        raise ConfigurationError(f"no source {source_name!r} configured for tenant {tenant!r}")
    with _source_lock(tenant, source_name):
        return OoapiCatalogueSync.for_gateway(gateway).run(source, full=full)


class SyncScheduler:
    """Runs each source's sync every ``interval_seconds`` until ``stop`` is set.

    Example::

        stop = threading.Event()
        threads = SyncScheduler(gateway).start(stop)
        ...
        stop.set(); [t.join() for t in threads]

    Args:
        gateway: the composed gateway.
        full_every: a scheduled run is full when the last full sync is older than this.
        sync: runs one sync; tests pass a fake.
    """

    def __init__(
        self,
        gateway: Gateway,
        *,
        full_every: timedelta = timedelta(days=1),
        sync: Callable[..., CatalogueSyncReport] = run_sync,
    ) -> None:
        self.gateway = gateway
        self.full_every = full_every
        self.sync = sync
        self.states = SyncStateStore(gateway.engine)
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

    def run_once(self, source: SourceConfig) -> CatalogueSyncReport | None:
        """One scheduled run; errors are logged and counted, never raised."""
        try:
            full = self._full_due(source)
            report = self.sync(self.gateway, source.tenant, source.name, full=full)
        except GatewayError as exc:
            self.failures += 1
            log.error("scheduled sync %s/%s failed (%s): %s; next try in %ss",
                      source.tenant, source.name, type(exc).__name__, exc.message,
                      source.interval_seconds)
            return None
        except Exception:  # a bug must not end the schedule of this source
            self.failures += 1
            log.exception("scheduled sync %s/%s crashed; next try in %ss",
                          source.tenant, source.name, source.interval_seconds)
            return None
        self.runs += 1
        log.info("scheduled sync %s", report.line())
        return report

    def _full_due(self, source: SourceConfig) -> bool:
        state = self.states.get(source.tenant, source.name)
        if state is None or state.last_full_sync_at is None:
            return True
        now: datetime = self.gateway.clock()
        return now - state.last_full_sync_at >= self.full_every
