"""The sync scheduler: full or incremental by the stored state, errors survived, one run a time."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from gateway.api.testing import gateway_on_sqlite, settings_for_tests
from gateway.bootstrap import Gateway
from gateway.errors import ConfigurationError, RetriableUpstreamError
from gateway.settings import SourceConfig
from gateway.store.sync_state import SyncStateStore
from gateway.sync import scheduler as scheduler_module
from gateway.sync.ooapi_catalogue import CatalogueSyncReport
from gateway.sync.scheduler import SyncScheduler, run_sync

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def source(name: str, interval: int = 60) -> dict[str, Any]:
    return {"tenant": "roc-a", "name": name, "base_url": "http://127.0.0.1:9/ooapi",
            "interval_seconds": interval}


@pytest.fixture
def gateway(tmp_path: Path) -> Iterator[Gateway]:
    settings = settings_for_tests(sources=[source("sis"), source("manual", interval=0)])
    gw = gateway_on_sqlite(tmp_path / "gw.db", settings)
    gw.clock = lambda: NOW
    yield gw
    gw.close()


class FakeSync:
    """Stands in for run_sync: records each call and the state a real run would store."""

    def __init__(self, gateway: Gateway, failures: int = 0) -> None:
        self.states = SyncStateStore(gateway.engine)
        self.calls: list[tuple[str, str, bool]] = []
        self.failures = failures
        self.stop_after: tuple[int, threading.Event] | None = None

    def __call__(self, gateway: Gateway, tenant: str, name: str, *, full: bool
                 ) -> CatalogueSyncReport:
        self.calls.append((tenant, name, full))
        if self.stop_after and len(self.calls) >= self.stop_after[0]:
            self.stop_after[1].set()
        if self.failures:
            self.failures -= 1
            raise RetriableUpstreamError("GET /programs: HTTP 503 Service Unavailable")
        self.states.record(tenant, name, started_at=gateway.clock(), full=full, report={})
        return CatalogueSyncReport(tenant, name, "full" if full else "incremental")


def test_first_run_is_full_then_incremental_then_full_again_after_a_day(
    gateway: Gateway,
) -> None:
    fake = FakeSync(gateway)
    scheduler = SyncScheduler(gateway, sync=fake, full_every=timedelta(days=1))
    (sis,) = scheduler.sources()
    scheduler.run_once(sis)
    gateway.clock = lambda: NOW + timedelta(hours=1)
    scheduler.run_once(sis)
    gateway.clock = lambda: NOW + timedelta(days=1)
    scheduler.run_once(sis)
    assert [full for _, _, full in fake.calls] == [True, False, True]
    assert scheduler.runs == 3


def test_sources_without_an_interval_are_not_scheduled(gateway: Gateway) -> None:
    names = [s.name for s in SyncScheduler(gateway).sources()]
    assert names == ["sis"]


def test_a_failing_run_is_logged_with_ids_and_retried_next_interval(
    gateway: Gateway, caplog: pytest.LogCaptureFixture
) -> None:
    fake = FakeSync(gateway, failures=2)
    scheduler = SyncScheduler(gateway, sync=fake)
    stop = threading.Event()
    fake.stop_after = (3, stop)
    every_moment = SourceConfig(**source("sis", interval=0))
    with caplog.at_level(logging.ERROR, logger="gateway.sync.scheduler"):
        scheduler.run_source(every_moment, stop)
    assert len(fake.calls) == 3
    assert (scheduler.failures, scheduler.runs) == (2, 1)
    assert [full for _, _, full in fake.calls] == [True, True, True]  # no state until success
    assert "roc-a/sis failed (RetriableUpstreamError)" in caplog.records[0].getMessage()


def test_a_crash_does_not_end_the_schedule(gateway: Gateway) -> None:
    calls: list[bool] = []

    def broken(gw: Gateway, tenant: str, name: str, *, full: bool) -> CatalogueSyncReport:
        calls.append(full)
        raise ZeroDivisionError("a bug")

    scheduler = SyncScheduler(gateway, sync=broken)
    assert scheduler.run_once(scheduler.sources()[0]) is None
    assert scheduler.failures == 1 and calls == [True]


def test_threads_run_each_scheduled_source_and_stop_on_the_event(gateway: Gateway) -> None:
    fake = FakeSync(gateway)
    scheduler = SyncScheduler(gateway, sync=fake)
    stop = threading.Event()
    fake.stop_after = (1, stop)
    threads = scheduler.start(stop)
    assert [t.name for t in threads] == ["sync-roc-a-sis"]
    for thread in threads:
        thread.join(timeout=30)
        assert not thread.is_alive()
    assert fake.calls == [("roc-a", "sis", True)]


def test_run_sync_refuses_an_unknown_source(gateway: Gateway) -> None:
    with pytest.raises(ConfigurationError, match="no source 'nope'"):
        run_sync(gateway, "roc-a", "nope", full=True)


def test_runs_of_one_source_never_overlap(
    gateway: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    running, overlaps, entered = [0], [0], threading.Semaphore(0)
    release = threading.Event()

    class Blocking:
        def run(self, src: SourceConfig, *, full: bool) -> CatalogueSyncReport:
            running[0] += 1
            overlaps[0] = max(overlaps[0], running[0])
            entered.release()
            release.wait(timeout=30)
            running[0] -= 1
            return CatalogueSyncReport(src.tenant, src.name, "full")

    monkeypatch.setattr(scheduler_module.OoapiCatalogueSync, "for_gateway",
                        classmethod(lambda cls, gw: Blocking()))
    threads = [threading.Thread(target=run_sync, args=(gateway, "roc-a", "sis"),
                                kwargs={"full": True}) for _ in range(2)]
    for thread in threads:
        thread.start()
    assert entered.acquire(timeout=30)  # one run is inside
    assert not entered.acquire(timeout=0.2)  # the other waits for the lock
    release.set()
    assert entered.acquire(timeout=30)  # ... and enters once the first is done
    for thread in threads:
        thread.join(timeout=30)
    assert overlaps[0] == 1


def test_report_prints_on_one_line() -> None:
    report = CatalogueSyncReport("roc-a", "sis", "incremental", since="2026-03-01",
                                 fetched=10, created=2, changed=3, unchanged=4,
                                 quarantined=1, deleted=0, events=5)
    assert report.line() == (
        "roc-a/sis incremental since 2026-03-01: fetched 10, changed 5 (2 new), "
        "unchanged 4, quarantined 1, deleted 0, events 5")
