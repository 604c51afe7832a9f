"""A school year's timetable through the iCalendar importer, a day of changes, feed latency.

The issue's school: 10,000 students in the simulated SIS's klassen (~560 klassen of 25), a
year of weekly lessons and exam sessions, 531,676 occurrences, served as one whole-school
feed (10 MiB) by the simulated timetabling system (``running_timetable``, loopback HTTP,
in a thread of this process).

- raw limit (:mod:`bench.timetable_raw`, a child process so its peak RSS is its own): the
  feed fetched with httpx, parsed with ``icalendar`` and expanded with
  ``recurring_ical_events``, over the importer's own window, nothing else.
- (a) import: ``run_ical_sync(gateway, tenant, source, full=True)`` into a fresh
  PostgreSQL database (fetch, checks, expansion, mapping, change detection, store and
  outbox), as occurrences per second and ratio; peak RSS of this process (the simulator
  and its feed are in it); then ``relay.drain()`` to a Tansu broker.
- (b) a day of changes: ``changes_for_day`` (1.5 % of the week's lessons moved, given
  another room or cancelled), then a conditional ``run_ical_sync`` (detect) and
  ``relay.drain()`` (publish); it fails unless the events are exactly the oracle's
  changes, each with the oracle's status, start and rooms.
- (c) the gateway's ``.ics`` feed of one klas (:mod:`bench.timetable_feeds`).

One run of each (the import of half a million occurrences is long enough to time once).
"""

from __future__ import annotations

import json
import resource
import secrets
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select

from bench.catalogue_common import standards
from bench.common import FIXED_NOW, heading, row
from bench.timetable_feeds import measure_feeds
from gateway.bootstrap import Gateway, bootstrap
from gateway.settings import Settings, SourceConfig, TenantConfig
from gateway.store.migrate import upgrade
from gateway.store.tables import outbox
from gateway.sync.ical_import import expansion_window, run_ical_sync
from gateway.testing.postgres import PostgresServer, fresh_database
from gateway.testing.tansu import TansuBroker
from simulators.timetable import Change, TimetableSchool, running_timetable
from simulators.timetable.school_year import ZONE

__all__ = ["run"]

TENANT, SOURCE = "bench-roc", "rooster"
STUDENTS, SEED = 10_000, 2026
#: The day of changes: a Monday with a full week of lessons after it.
DAY = date(2026, 11, 23)


@dataclass(frozen=True)
class RawLimit:
    occurrences: int
    seconds: float
    detail: dict[str, Any]


def raw_limit(url: str) -> RawLimit:
    """Fetch, parse and expand the feed in a child process (see :mod:`bench.timetable_raw`)."""
    start, until = expansion_window(FIXED_NOW, ZONE)
    done = subprocess.run(  # noqa: S603 - our own module, fixed arguments
        [sys.executable, "-m", "bench.timetable_raw", url, start.date().isoformat(),
         until.date().isoformat()], capture_output=True, text=True, check=True)
    detail = json.loads(done.stdout)
    seconds = detail["t_fetch"] + detail["t_parse"] + detail["t_expand"]
    return RawLimit(detail["occurrences"], seconds, detail)


def rss_mib() -> float:
    """The resident set of this process now (Linux ``/proc``), in MiB."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def check_day(gateway: Gateway, after: int, changes: list[Change]) -> None:
    """Fail unless the events after ``after`` are exactly the oracle's changes."""
    events = gateway.event_log.read(TENANT, after=after, limit=len(changes) + 100).events
    assert len(events) == len(changes), f"{len(events)} events for {len(changes)} changes"
    expected = {f"{c.uid}/{c.recurrence_id}": c for c in changes}
    for event in events:
        entity = event.data["entity"]
        change = expected.pop(entity["source"]["id"], None)
        assert change is not None, f"an event for an unchanged occurrence {entity['id']}"
        assert entity["status"] == change.status, (entity["status"], change.kind)
        assert datetime.fromisoformat(entity["start"]) == change.start, (entity["start"], change)
        assert tuple(entity["rooms"]) == change.rooms, (entity["rooms"], change)


def unpublished(gateway: Gateway) -> int:
    with gateway.engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(outbox)
                           .where(outbox.c.published_at.is_(None))) or 0


def run(server: PostgresServer, n: int = 20_000, *, students: int = STUDENTS,
        feeds: bool = True) -> None:
    """The size is the issue's (see the module docstring); ``n`` does not change it.
    ``feeds=False`` leaves out (c) (its index catch-up of the whole year is long)."""
    del n
    official = standards()
    school = TimetableSchool(students, seed=SEED)
    with running_timetable(school) as base, TansuBroker() as broker, \
            fresh_database(server, prefix="bench") as url:
        feed_url = f"{base}/school.ics"
        settings = Settings(
            database_url=url, token_secret=secrets.token_hex(32), standards_dir=official.root,
            kafka_bootstrap_servers=broker.bootstrap_servers, topic_prefix="bench-timetable",
            tenants=[TenantConfig(id=TENANT, name="ROC Midden (bench)")],
            sources=[SourceConfig(tenant=TENANT, name=SOURCE, kind="icalendar",
                                  base_url=feed_url, interval_seconds=0,
                                  timeout_seconds=300)])
        gateway = bootstrap(settings, clock=lambda: FIXED_NOW)
        try:
            upgrade(gateway.engine)
            relay = gateway.relay
            assert relay is not None, "no relay: Kafka is not configured"
            raw = raw_limit(feed_url)
            heading(f"timetable: simulated timetabling system (iCalendar, loopback HTTP) -> "
                    f"PostgreSQL -> Tansu; {students:,} students, "
                    f"{len(school.group_ids):,} klassen, {len(school.series):,} series + "
                    f"{len(school.exams):,} exams = {school.occurrences():,} occurrences, "
                    f"{raw.detail['bytes'] / 2**20:.1f} MiB feed")
            before = rss_mib()
            started = time.perf_counter()
            report = run_ical_sync(gateway, TENANT, SOURCE, full=True)
            t_import = time.perf_counter() - started
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            assert report.occurrences == raw.occurrences == school.occurrences(), report.line()
            assert report.events == report.created == report.occurrences, report.line()
            assert report.series_quarantined == 0 and report.feed_quarantined is None
            started = time.perf_counter()
            published = relay.drain()
            t_publish = time.perf_counter() - started
            assert published == report.events and unpublished(gateway) == 0
            d = raw.detail
            limit = row("raw: fetch + parse + expand (limit)", raw.occurrences, raw.seconds,
                        "occ/s", extra=f"fetch {d['t_fetch']:.1f} s, parse {d['t_parse']:.1f}"
                                       f" s, expand {d['t_expand']:.1f} s; peak RSS "
                                       f"{d['peak_rss_mib']:,.0f} MiB (child process)")
            row("gateway: import (HTTP -> store + outbox)", report.occurrences, t_import,
                "occ/s", limit=limit, extra=f"peak RSS {peak:,.0f} MiB (was {before:,.0f} "
                                            "MiB before; simulator included)")
            row("gateway: relay the year to the broker (info)", published, t_publish,
                "events/s")
            print(f"  import: {report.line()}")
            day(gateway, school, limit)
            if feeds:
                measure_feeds(gateway, school, TENANT, SOURCE)
        finally:
            gateway.close()


def day(gateway: Gateway, school: TimetableSchool, limit: float) -> None:
    """(b): a day of changes, detected by a conditional re-import and published."""
    relay = gateway.relay
    assert relay is not None
    after = gateway.event_log.head(TENANT)
    changes = school.changes_for_day(DAY)
    started = time.perf_counter()
    report = run_ical_sync(gateway, TENANT, SOURCE, full=False)
    t_detect = time.perf_counter() - started
    started = time.perf_counter()
    published = relay.drain()
    t_publish = time.perf_counter() - started
    check_day(gateway, after, changes)
    assert published == len(changes) and unpublished(gateway) == 0, published
    kinds = ", ".join(f"{k} {sum(c.kind == k for c in changes)}"
                      for k in ("moved", "room", "cancelled"))
    print(f"  day of changes ({DAY}): {len(changes)} changes ({kinds}) = "
          f"{len(changes) / school.occurrences():.3%} of the year; events asserted equal "
          "to the oracle")
    row("gateway: detect (conditional re-import)", report.occurrences, t_detect, "occ/s",
        limit=limit, extra=f"{t_detect:.1f} s for {report.events} events")
    print(f"  {'gateway: publish the day':<44} {t_publish * 1000:>10.0f} ms       "
          f"({published} events); detect + publish {t_detect + t_publish:.1f} s", flush=True)
