"""A ``RECURRENCE-ID;RANGE=THISANDFUTURE`` override imported over real loopback HTTP.

Into SQLite and PostgreSQL. "From 19 October on, Dutch is at 10:00 in B2.01": each
occurrence from then on is one event with status ``changed``, keyed by its ORIGINAL start
(the activity ids do not change), at 10:00 local on both sides of 25 October; a
conditional run expands the series again because its digest changed, and nothing else.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine

from gateway.bootstrap import Gateway
from gateway.domain.ids import entity_id
from gateway.sync.ical_import import run_ical_sync
from tests.ical_feeds import feed, vevent
from tests.integration.ical_host import FeedHost, serving_feed
from tests.integration.ical_runs import counted_expansions, feed_gateway

TENANT, SOURCE = "roc-a", "rooster"
AMS = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2026, 10, 1, 7, 0, tzinfo=UTC)

# Mondays 09:00 from 12 October, six weeks, 2 November dropped, a Saturday make-up on the
# 17th at 10:00: 12, 17, 19, 26 October, 9 and 16 November.
DUTCH = vevent("les-ned-1a", "20261012T090000", "20261012T103000",
               rrule="FREQ=WEEKLY;COUNT=6", exdates=["20261102T090000"],
               rdates=["20261017T100000"])
DUTCH_IDS = ["20261012T070000Z", "20261017T080000Z", "20261019T070000Z",
             "20261026T080000Z", "20261109T080000Z", "20261116T080000Z"]
MATHS = vevent("les-rek-1a", "20261013T130000", "20261013T140000",
               rrule="FREQ=WEEKLY;COUNT=4", location="B1.10", summary="Rekenen")


def from_here_on(recurrence_id: str, start: str, end: str, **options: Any) -> str:
    text = vevent("les-ned-1a", start, end, recurrence_id=recurrence_id, sequence=1,
                  **options)
    return text.replace("RECURRENCE-ID;", "RECURRENCE-ID;RANGE=THISANDFUTURE;")


def activity_id(recurrence_id: str) -> str:
    return str(entity_id(TENANT, SOURCE, "timetable-activity",
                         f"les-ned-1a/{recurrence_id}"))


@pytest.fixture
def host() -> Iterator[FeedHost]:
    with serving_feed() as served:
        served.publish(feed(DUTCH, MATHS))
        yield served


@pytest.fixture
def gw(engine: Engine, host: FeedHost) -> Iterator[Gateway]:
    gateway = feed_gateway(engine, host.url, tenant=TENANT, source=SOURCE, now=NOW)
    yield gateway
    gateway.close()


@pytest.fixture
def expanded(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The UIDs the importer expands, in order."""
    return counted_expansions(monkeypatch)


def changes(gateway: Gateway, after: int) -> list[tuple[str, str, str, list[str], str]]:
    """(subject, local start, local end, rooms, status) of each event after ``after``."""
    out = []
    for event in gateway.event_log.read(TENANT, after=after, limit=10_000).events:
        entity = event.data["entity"]
        out.append((event.subject, local(entity["start"]), local(entity["end"])[11:],
                    entity["rooms"], entity["status"]))
    return out


def local(text: str) -> str:
    return datetime.fromisoformat(text).astimezone(AMS).strftime("%Y-%m-%d %H:%M")


def test_from_this_week_on_each_later_lesson_is_one_changed_event(
        gw: Gateway, host: FeedHost, expanded: list[str]) -> None:
    first = run_ical_sync(gw, TENANT, SOURCE, full=False)
    assert (first.series_quarantined, first.created) == (0, 6 + 4)
    expanded.clear()
    head = gw.event_log.head(TENANT)
    host.publish(feed(DUTCH, MATHS, from_here_on("20261019T090000", "20261019T100000",
                                                 "20261019T113000", location="B2.01")))
    report = run_ical_sync(gw, TENANT, SOURCE, full=False)
    assert expanded == ["les-ned-1a"]  # the digest changed; maths is left alone
    assert (report.series_quarantined, report.series_unchanged) == (0, 1)
    assert changes(gw, head) == [
        (activity_id(DUTCH_IDS[2]), "2026-10-19 10:00", "11:30", ["B2.01"], "changed"),
        (activity_id(DUTCH_IDS[3]), "2026-10-26 10:00", "11:30", ["B2.01"], "changed"),
        (activity_id(DUTCH_IDS[4]), "2026-11-09 10:00", "11:30", ["B2.01"], "changed"),
        (activity_id(DUTCH_IDS[5]), "2026-11-16 10:00", "11:30", ["B2.01"], "changed")]
    assert (report.changed, report.created, report.events) == (4, 0, 4)
    # the same feed again, conditionally and in full: nothing
    head = gw.event_log.head(TENANT)
    assert run_ical_sync(gw, TENANT, SOURCE, full=False).events == 0
    assert run_ical_sync(gw, TENANT, SOURCE, full=True).events == 0
    assert gw.event_log.head(TENANT) == head


def test_a_later_range_takes_over_and_a_cancelled_one_ends_the_series(
        gw: Gateway, host: FeedHost) -> None:
    run_ical_sync(gw, TENANT, SOURCE)
    moved = from_here_on("20261019T090000", "20261019T100000", "20261019T113000",
                         location="B2.01")
    host.publish(feed(DUTCH, MATHS, moved))
    run_ical_sync(gw, TENANT, SOURCE, full=False)
    head = gw.event_log.head(TENANT)
    back = from_here_on("20261109T090000", "20261109T090000", "20261109T103000",
                        location="C0.01")
    host.publish(feed(DUTCH, MATHS, back, moved))
    run_ical_sync(gw, TENANT, SOURCE, full=False)
    assert changes(gw, head) == [
        (activity_id(DUTCH_IDS[4]), "2026-11-09 09:00", "10:30", ["C0.01"], "changed"),
        (activity_id(DUTCH_IDS[5]), "2026-11-16 09:00", "10:30", ["C0.01"], "changed")]
    head = gw.event_log.head(TENANT)
    stop = from_here_on("20261026T090000", "20261026T100000", "20261026T113000",
                        location="B2.01", status="CANCELLED")
    host.publish(feed(DUTCH, MATHS, stop, moved))  # from 26 October on: no more Dutch
    run_ical_sync(gw, TENANT, SOURCE, full=False)
    assert [(subject, status) for subject, *_, status in changes(gw, head)] == [
        (activity_id(DUTCH_IDS[3]), "cancelled"), (activity_id(DUTCH_IDS[4]), "cancelled"),
        (activity_id(DUTCH_IDS[5]), "cancelled")]
