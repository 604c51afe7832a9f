"""What every pull of an OOAPI v5 source does around its own reads, written once.

The catalogue (:mod:`.ooapi_catalogue`), enrolment (:mod:`.ooapi_enrolment`) and
rostering (:mod:`.ooapi_rostering`) pulls differ in what they read, map and delete; the
frame of a run is the same, and lives here so that a fix to it reaches all three:

- :func:`run_locked`: the configured source is looked up, and within a process one run
  of a (resource, source) at a time (a source's resources still run side by side);
- :class:`OoapiPull`: the parts a pull holds, built from a composed gateway; a run's
  window (:class:`PullWindow`: full or incremental, since which day), the client and its
  reader opened with the fetch count kept even when the run fails, deletions in batches,
  and a successful run recorded in the sync state (the next run's starting point);
- :func:`resource_key`: a resource's key in the sync state and the memo;
- :func:`memo_row` and :func:`upsert_remembered`: a batch written, then what its records
  became (never the other way round: a memo row must name a written entity);
- ``OoapiPull._resolve_quarantine``: a complete full run closes the quarantine rows of its
  kinds it did not meet again (:mod:`.run_quarantine`).
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Protocol, Self, TypeVar
from uuid import UUID

from gateway.adapters.ooapi.client import OoapiClient
from gateway.adapters.ooapi.codec import OoapiSchemas, ooapi_schemas
from gateway.adapters.standards import Standards, standards_from_env
from gateway.bootstrap import Gateway
from gateway.domain import Entity
from gateway.domain.base import content_hash
from gateway.errors import ConfigurationError
from gateway.settings import SourceConfig
from gateway.store.entities import ApplyResult, EntityStore
from gateway.store.quarantine import Quarantine
from gateway.store.record_digests import RecordDigest
from gateway.store.sync_state import SyncStateStore
from gateway.sync.pull_memo import PullMemo
from gateway.sync.run_quarantine import RunQuarantine

__all__ = ["OoapiPull", "PullReport", "PullWindow", "gateway_parts", "gateway_standards",
           "memo_row", "resource_key", "run_locked", "upsert_remembered", "utc_now"]

#: The length of a key in the sync state and the memo (their ``source`` columns).
_KEY_LENGTH = 64
_LOCKS: dict[tuple[str, str, str], threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()
_T = TypeVar("_T")


class _Reader(Protocol):
    @property
    def fetched(self) -> int: ...


_R = TypeVar("_R", bound=_Reader)


class PullReport(Protocol):
    """What a pull's report offers the frame: counts it fills in, one line, a dict."""

    fetched: int
    quarantined: int
    quarantine_resolved: int

    def line(self) -> str: ...

    def as_dict(self) -> dict[str, Any]: ...


def utc_now() -> datetime:
    """The default wall clock of a pull (UTC)."""
    return datetime.now(UTC)


def resource_key(source_name: str, resource: str) -> str:
    """The key of a source's ``resource`` pull in the sync state and the memo (apart from
    the catalogue's, which is the source's name); a name too long for the key is cut and
    made unique again with a hash of it."""
    if len(source_name) + 1 + len(resource) <= _KEY_LENGTH:
        return f"{source_name}:{resource}"
    digest = hashlib.sha256(source_name.encode()).hexdigest()[:15]
    return f"{source_name[:_KEY_LENGTH - len(resource) - 17]}:{resource}:{digest}"


def run_locked(gateway: Gateway, tenant: str, source_name: str, resource: str,
               run: Callable[[SourceConfig], _T]) -> _T:
    """Run ``run`` on a configured source, never twice at once for one resource of it.

    Raises:
        ConfigurationError: no such source.
    """
    source = gateway.settings.source(tenant, source_name)
    if source is None:
        raise ConfigurationError(f"no source {source_name!r} configured for tenant {tenant!r}")
    with _LOCKS_GUARD:
        lock = _LOCKS.setdefault((resource, tenant, source_name), threading.Lock())
    with lock:
        return run(source)


def gateway_standards(gateway: Gateway) -> Standards:
    """The standards of ``settings.standards_dir`` (else the environment's)."""
    folder = gateway.settings.standards_dir
    return Standards(folder) if folder else standards_from_env()


def gateway_parts(gateway: Gateway,
                  standards: Standards) -> tuple[Quarantine, SyncStateStore, OoapiSchemas]:
    """A pull's quarantine, sync state and OOAPI v5 schemas, from a composed gateway.

    Raises:
        ConfigurationError: the standards lack OOAPI v5.
    """
    return (Quarantine(gateway.engine, clock=gateway.clock), SyncStateStore(gateway.engine),
            ooapi_schemas(standards))


def memo_row(key: str, digest: str, produced: list[Entity]) -> RecordDigest:
    """What the record ``key`` with ``digest`` became: its entities and their hashes."""
    return RecordDigest(key, digest, tuple(
        (e.kind, str(e.id), content_hash(e.snapshot())) for e in produced))


def upsert_remembered(store: EntityStore, memo: PullMemo, batch: list[Entity],
                      rows: list[RecordDigest]) -> ApplyResult:
    """Write ``batch`` in one transaction, then the memo ``rows`` of its records."""
    result = store.upsert(batch)
    memo.remember(rows)
    return result


@dataclass(frozen=True)
class PullWindow:
    """What a run covers: all (``full``) or what changed since the day of the last run."""

    started: datetime
    full: bool
    since: date | None

    @property
    def mode(self) -> str:
        return "full" if self.full else "incremental"

    @property
    def since_text(self) -> str | None:
        return self.since.isoformat() if self.since else None


class OoapiPull:
    """The frame of a pull (see the module docstring); a use case subclasses it.

    Args:
        store: the entity store (events go to the outbox with each write).
        quarantine: where bad items go, with their raw payload.
        states: the last successful run per (tenant, key).
        schemas: the official OOAPI v5 schemas.
        client_factory: builds the client of a source; tests may pass another transport.
        clock: the wall clock (UTC).
        batch_size: entities per store transaction.
    """

    def __init__(self, store: EntityStore, quarantine: Quarantine, states: SyncStateStore,
                 schemas: OoapiSchemas, *, client_factory: Callable[[SourceConfig], OoapiClient],
                 clock: Callable[[], datetime], batch_size: int) -> None:
        self.store = store
        self.quarantine = quarantine
        self.states = states
        self.schemas = schemas
        self.client_factory = client_factory
        self.clock = clock
        self.batch_size = batch_size

    @classmethod
    def for_gateway(cls, gateway: Gateway, **options: Any) -> Self:
        """Built from a composed gateway; the schemas come from ``settings.standards_dir``.

        Args:
            gateway: the composed gateway (store, engine, settings, clock).
            **options: the constructor's keyword arguments (``batch_size``, ...).

        Raises:
            ConfigurationError: no standards folder is configured or it lacks OOAPI v5.
        """
        standards = gateway_standards(gateway)
        return cls(*cls._gateway_args(gateway, standards, options), clock=gateway.clock,
                   **options)

    @classmethod
    def _gateway_args(cls, gateway: Gateway, standards: Standards,
                      options: dict[str, Any]) -> tuple[Any, ...]:
        """The constructor's positional arguments, built in the order they are passed; a
        use case adds its own parts (and may default keyword ``options``)."""
        return (gateway.store, *gateway_parts(gateway, standards))

    def _window(self, source: SourceConfig, key: str, *, full: bool) -> PullWindow:
        """Full when asked, or when ``key`` never ran; else since the last run's day."""
        started = self.clock()
        state = self.states.get(source.tenant, key)
        full = full or state is None
        since = None if full or state is None else state.last_sync_at.date()
        return PullWindow(started, full, since)

    @contextmanager
    def _reading(self, source: SourceConfig, reader: Callable[[OoapiClient], _R],
                 report: PullReport, quarantine: RunQuarantine | None = None) -> Iterator[_R]:
        """The source's reader over an open client; its counts reach ``report`` even
        when the run fails."""
        with self.client_factory(source) as client:
            opened = reader(client)
            try:
                yield opened
            finally:
                report.fetched = opened.fetched
                if quarantine is not None:
                    report.quarantined = quarantine.count

    def _deleted(self, tenant: str, ids: list[UUID]) -> Iterator[ApplyResult]:
        """Delete ``ids`` (a tombstone event each), ``batch_size`` per transaction."""
        for start in range(0, len(ids), self.batch_size):
            yield self.store.delete(tenant, ids[start:start + self.batch_size])

    def _resolve_quarantine(self, quarantine: RunQuarantine, report: PullReport) -> None:
        """At the end of a complete full run (never an incremental or failed one: they did
        not see everything), mark handled the open rows of the run's kinds it did not meet
        again as bad: fixed at the source and stored, or gone from it."""
        report.quarantine_resolved = quarantine.close_unmet()

    def _recorded(self, source: SourceConfig, key: str, window: PullWindow,
                  report: PullReport) -> None:
        """Record a successful run: the next incremental one starts from it."""
        self.states.record(source.tenant, key, started_at=window.started, full=window.full,
                           report=report.as_dict(), now=self.clock())
        logging.getLogger(type(self).__module__).info("sync %s", report.line())
