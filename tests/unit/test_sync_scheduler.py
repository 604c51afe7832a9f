"""The sync scheduler: full or incremental by the stored state, errors survived, one run a time;
each resource of a source through the dispatch table, a failing one not stopping the rest."""

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
from gateway.sync.catalogue_report import CatalogueSyncReport
from gateway.sync.ooapi_catalogue import OoapiCatalogueSync
from gateway.sync.scheduler import SyncScheduler, run_sync
from gateway.sync.source_resources import (
    ICALENDAR_RESOURCE,
    RUNNERS,
    ResourceSync,
    Runners,
    planned,
    run_source_sync,
)

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def source(name: str, interval: int = 60, **more: Any) -> dict[str, Any]:
    return {"tenant": "roc-a", "name": name, "base_url": "http://127.0.0.1:9/ooapi",
            "interval_seconds": interval, **more}


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

    def runners(self) -> Runners:
        """A dispatch table with this fake as the catalogue."""
        return {"ooapi-v5": {"catalogue": ResourceSync(self, lambda name: name)}}


def test_first_run_is_full_then_incremental_then_full_again_after_a_day(
    gateway: Gateway,
) -> None:
    fake = FakeSync(gateway)
    scheduler = SyncScheduler(gateway, runners=fake.runners(), full_every=timedelta(days=1))
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
    scheduler = SyncScheduler(gateway, runners=fake.runners())
    stop = threading.Event()
    fake.stop_after = (3, stop)
    every_moment = SourceConfig(**source("sis", interval=0))
    with caplog.at_level(logging.ERROR, logger="gateway.sync"):
        scheduler.run_source(every_moment, stop)
    assert len(fake.calls) == 3
    assert (scheduler.failures, scheduler.runs) == (2, 1)
    assert [full for _, _, full in fake.calls] == [True, True, True]  # no state until success
    assert "roc-a/sis catalogue failed (RetriableUpstreamError)" in caplog.records[0
                                                                                ].getMessage()


def test_a_crash_does_not_end_the_schedule(gateway: Gateway) -> None:
    calls: list[bool] = []

    def broken(gw: Gateway, tenant: str, name: str, *, full: bool) -> CatalogueSyncReport:
        calls.append(full)
        raise ZeroDivisionError("a bug")

    scheduler = SyncScheduler(gateway, runners={"ooapi-v5": {
        "catalogue": ResourceSync(broken, lambda name: name)}})
    report = scheduler.run_once(scheduler.sources()[0])
    assert report.failed == ["catalogue"] and report.lines() == [
        "roc-a/sis catalogue: failed: ZeroDivisionError"]
    assert scheduler.failures == 1 and calls == [True]


def test_threads_run_each_scheduled_source_and_stop_on_the_event(gateway: Gateway) -> None:
    fake = FakeSync(gateway)
    scheduler = SyncScheduler(gateway, runners=fake.runners())
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

    monkeypatch.setattr(OoapiCatalogueSync, "for_gateway",
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
        "unchanged 4, quarantined 1, quarantine resolved 0, deleted 0, events 5")


class Resource:
    """A resource's runner: records its calls and the state a real run stores, or fails."""

    def __init__(self, gateway: Gateway, name: str, calls: list[tuple[str, bool]],
                 fail: Exception | None = None) -> None:
        self.states = SyncStateStore(gateway.engine)
        self.name, self.calls, self.fail = name, calls, fail

    def key(self, source_name: str) -> str:
        return f"{source_name}:{self.name}"

    def __call__(self, gateway: Gateway, tenant: str, source_name: str, *, full: bool
                 ) -> CatalogueSyncReport:
        self.calls.append((self.name, full))
        if self.fail is not None:
            raise self.fail
        self.states.record(tenant, self.key(source_name), started_at=gateway.clock(),
                           full=full, report={})
        return CatalogueSyncReport(tenant, source_name, f"{self.name} {full}")


def _table(gateway: Gateway, calls: list[tuple[str, bool]],
           fail: dict[str, Exception] | None = None) -> Runners:
    fail = fail or {}
    entries = {}
    for name in ("catalogue", "enrolment"):
        runner = Resource(gateway, name, calls, fail.get(name))
        entries[name] = ResourceSync(runner, runner.key)
    return {"ooapi-v5": entries, "icalendar": {}}


@pytest.fixture
def several(tmp_path: Path) -> Iterator[Gateway]:
    settings = settings_for_tests(sources=[
        source("sis", resources=("enrolment", "rostering", "catalogue")),
        source("feed", kind="icalendar"),
        source("plain")])
    gw = gateway_on_sqlite(tmp_path / "gw.db", settings)
    gw.clock = lambda: NOW
    yield gw
    gw.close()


def test_the_table_wires_catalogue_enrolment_and_rostering_of_an_ooapi_source() -> None:
    assert list(RUNNERS["ooapi-v5"]) == ["catalogue", "enrolment", "rostering"]
    assert RUNNERS["ooapi-v5"]["rostering"].state_key("sis") == "sis:rostering"
    assert list(RUNNERS["icalendar"]) == [ICALENDAR_RESOURCE]
    assert RUNNERS["ooapi-v5"]["enrolment"].state_key("sis") == "sis:enrolment"
    assert RUNNERS["ooapi-v5"]["catalogue"].state_key("sis") == "sis"


def test_each_resource_runs_in_table_order_with_its_own_full_decision(
    several: Gateway,
) -> None:
    calls: list[tuple[str, bool]] = []
    scheduler = SyncScheduler(several, runners=_table(several, calls))
    sis = SourceConfig(**source("sis", resources=("enrolment", "catalogue")))
    SyncStateStore(several.engine).record("roc-a", "sis:catalogue", started_at=NOW,
                                          full=True, report={})
    report = scheduler.run_once(sis)
    assert calls == [("catalogue", False), ("enrolment", True)]  # catalogue first
    assert report.failed == [] and report.lines() == [
        "roc-a/sis catalogue False: fetched 0, changed 0 (0 new), unchanged 0, "
        "quarantined 0, quarantine resolved 0, deleted 0, events 0",
        "roc-a/sis enrolment True: fetched 0, changed 0 (0 new), unchanged 0, "
        "quarantined 0, quarantine resolved 0, deleted 0, events 0"]
    assert scheduler.runs == 2


def test_a_failing_resource_does_not_stop_the_others(
    several: Gateway, caplog: pytest.LogCaptureFixture,
) -> None:
    calls: list[tuple[str, bool]] = []
    table = _table(several, calls, {"catalogue": RetriableUpstreamError("GET /programs: 503")})
    scheduler = SyncScheduler(several, runners=table)
    (sis,) = [s for s in scheduler.sources() if s.name == "sis"]
    with caplog.at_level(logging.ERROR, logger="gateway.sync"):
        report = scheduler.run_once(sis)
    assert calls == [("catalogue", True), ("enrolment", True)]
    assert report.failed == ["catalogue", "rostering"]  # rostering: not wired yet
    lines = report.lines()
    assert lines[0] == ("roc-a/sis catalogue: failed: RetriableUpstreamError: "
                        "GET /programs: 503")
    assert lines[1].startswith("roc-a/sis enrolment True: ")
    assert lines[2] == ("roc-a/sis rostering: failed: ConfigurationError: no runner for "
                        "resource 'rostering' of ooapi-v5 sources yet")
    assert (scheduler.runs, scheduler.failures) == (1, 2)
    assert any("catalogue, rostering failed" in r.getMessage() for r in caplog.records)


def test_an_icalendar_source_plans_its_feed(several: Gateway) -> None:
    feed = next(s for s in several.settings.sources if s.name == "feed")
    assert planned(feed) == ["calendar"]
    report = SyncScheduler(several, runners=_table(several, [])).run_once(feed)
    assert report.failed == ["calendar"]  # the lead wires gateway.sync.ical_import
    plain = next(s for s in several.settings.sources if s.name == "plain")
    assert planned(plain) == ["catalogue"]  # the default resources


def test_run_source_sync_runs_what_is_asked_and_refuses_the_unknown(several: Gateway) -> None:
    calls: list[tuple[str, bool]] = []
    table = _table(several, calls)
    report = run_source_sync(several, "roc-a", "sis", full=True, resources=["enrolment"],
                             runners=table)
    assert calls == [("enrolment", True)] and report.report("enrolment") is not None
    assert report.report("catalogue") is None
    calls.clear()
    run_source_sync(several, "roc-a", "sis", full=False, runners=table)
    assert calls == [("catalogue", False), ("enrolment", False)]  # the source's own
    with pytest.raises(ConfigurationError, match="has no resource bogus; it has: "
                                                 "catalogue, enrolment"):
        run_source_sync(several, "roc-a", "sis", full=True, resources=["bogus"],
                        runners=table)
    with pytest.raises(ConfigurationError, match="no source 'nope'"):
        run_source_sync(several, "roc-a", "nope", full=True, runners=table)


def test_a_run_that_cannot_start_is_counted_and_tried_again(several: Gateway) -> None:
    calls: list[tuple[str, bool]] = []

    def unreadable(source_name: str) -> str:
        raise OSError("the database is away")

    table = _table(several, calls)
    broken = {"ooapi-v5": {**table["ooapi-v5"], "catalogue": ResourceSync(
        table["ooapi-v5"]["catalogue"].run, unreadable)}}
    scheduler = SyncScheduler(several, runners=broken)
    sis = SourceConfig(**source("sis", resources=("catalogue", "enrolment")))
    report = scheduler.run_once(sis)
    assert (report.outcomes, calls, scheduler.failures) == ([], [], 1)
    assert scheduler.run_once(SourceConfig(**source("sis", resources=("enrolment",)))
                              ).failed == []  # the next run goes on
