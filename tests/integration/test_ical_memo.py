"""A re-import costs what changed: the per-series memo of the iCalendar import.

Over real loopback HTTP into SQLite and PostgreSQL. The expansion is counted by wrapping
the importer's ``expand`` (one call per series expanded): a series the memo vouches for
must not reach it, and its stored activities must stay as they are.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import Engine

from gateway.bootstrap import Gateway
from gateway.domain import TimetableActivity
from gateway.domain.ids import entity_id
from gateway.store.quarantine import Quarantine
from gateway.sync.ical_import import run_ical_sync
from gateway.sync.ical_memo import SeriesMemo
from tests.ical_feeds import feed, vevent
from tests.integration.ical_host import FeedHost, serving_feed
from tests.integration.ical_runs import counted_expansions, feed_gateway

TENANT, SOURCE = "roc-a", "rooster"
NOW = datetime(2026, 10, 1, 7, 0, tzinfo=UTC)

DUTCH = vevent("les-ned-1a", "20261012T090000", "20261012T103000",
               rrule="FREQ=WEEKLY;COUNT=6")
DUTCH_IDS = ["20261012T070000Z", "20261019T070000Z", "20261026T080000Z",
             "20261102T080000Z", "20261109T080000Z", "20261116T080000Z"]
MATHS = vevent("les-rek-1a", "20261013T130000", "20261013T140000",
               rrule="FREQ=WEEKLY;COUNT=4", location="B1.10")
EXAM = vevent("exam-rek-2f", "20261120T090000", "20261120T110000", categories="EXAM",
              summary="Rekenen 2F")
#: Weekly without end: the window's moving end keeps bringing new lessons in.
MENTOR = vevent("mentoruur-1a", "20261014T150000", "20261014T160000", rrule="FREQ=WEEKLY",
                summary="Mentoruur")
BASE = (DUTCH, MATHS, EXAM, MENTOR)


def activity_id(uid: str, recurrence_id: str) -> str:
    return str(entity_id(TENANT, SOURCE, "timetable-activity", f"{uid}/{recurrence_id}"))


def restamped(body: bytes) -> bytes:
    """The same feed exported again: only DTSTAMP differs."""
    return body.replace(b"DTSTAMP:20260901T080000Z", b"DTSTAMP:20261001T065959Z")


@pytest.fixture
def host() -> Iterator[FeedHost]:
    with serving_feed() as served:
        served.publish(feed(*BASE))
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


def stored(gateway: Gateway) -> dict[str, tuple[int, str]]:
    return {e.state["id"]: (e.version, e.state["status"])
            for e in gateway.store.list(TENANT, "timetable-activity", source_system=SOURCE)}


def test_a_changed_series_alone_is_expanded(gw: Gateway, host: FeedHost,
                                            expanded: list[str]) -> None:
    first = run_ical_sync(gw, TENANT, SOURCE, full=False)
    assert sorted(expanded) == sorted(["les-ned-1a", "les-rek-1a", "exam-rek-2f",
                                       "mentoruur-1a"])
    assert first.series == 4
    expanded.clear()
    before = stored(gw)
    moved = vevent("les-ned-1a", "20261019T130000", "20261019T143000",
                   recurrence_id="20261019T090000", sequence=1)
    host.publish(restamped(feed(*BASE, moved)))
    head = gw.event_log.head(TENANT)
    report = run_ical_sync(gw, TENANT, SOURCE, full=False)
    assert expanded == ["les-ned-1a"]
    assert (report.series, report.series_unchanged, report.occurrences) == (1, 3, 6)
    events = gw.event_log.read(TENANT, after=head).events
    assert [e.subject for e in events] == [activity_id("les-ned-1a", DUTCH_IDS[1])]
    after = stored(gw)
    assert {k: v for k, v in after.items() if v != before[k]} == {
        activity_id("les-ned-1a", DUTCH_IDS[1]): (2, "changed")}


def test_a_new_dtstamp_alone_expands_nothing_and_emits_nothing(
        gw: Gateway, host: FeedHost, expanded: list[str]) -> None:
    run_ical_sync(gw, TENANT, SOURCE)
    expanded.clear()
    before, head = stored(gw), gw.event_log.head(TENANT)
    host.publish(restamped(feed(*BASE)))
    report = run_ical_sync(gw, TENANT, SOURCE, full=False)
    assert not report.not_modified  # other bytes: read, split and compared by series
    assert expanded == []
    assert (report.series, report.series_unchanged, report.events) == (0, 4, 0)
    assert report.unchanged == len(before)
    assert gw.event_log.head(TENANT) == head and stored(gw) == before


def test_a_uid_that_left_the_feed_cancels_its_occurrences(
        gw: Gateway, host: FeedHost, expanded: list[str]) -> None:
    run_ical_sync(gw, TENANT, SOURCE)
    expanded.clear()
    host.publish(feed(MATHS, EXAM, MENTOR))
    head = gw.event_log.head(TENANT)
    report = run_ical_sync(gw, TENANT, SOURCE, full=False)
    assert expanded == [] and report.series_removed == 1
    gone = {activity_id("les-ned-1a", r) for r in DUTCH_IDS}
    events = gw.event_log.read(TENANT, after=head).events
    assert {e.subject for e in events} == gone and len(events) == 6
    assert {e.data["entity"]["status"] for e in events} == {"cancelled"}
    assert report.cancelled_missing == 6
    assert run_ical_sync(gw, TENANT, SOURCE, full=False).events == 0
    host.publish(feed(*BASE))  # back: expanded again, scheduled again
    head = gw.event_log.head(TENANT)
    run_ical_sync(gw, TENANT, SOURCE, full=False)
    assert expanded == ["les-ned-1a"]
    assert {e.data["entity"]["status"] for e in gw.event_log.read(
        TENANT, after=head).events} == {"scheduled"}


def test_a_full_run_expands_every_series(gw: Gateway, host: FeedHost,
                                         expanded: list[str]) -> None:
    run_ical_sync(gw, TENANT, SOURCE)
    expanded.clear()
    host.publish(restamped(feed(*BASE)))
    report = run_ical_sync(gw, TENANT, SOURCE, full=True)
    assert len(expanded) == 4 and report.series == 4 and report.series_unchanged == 0
    assert report.events == 0


def test_a_series_is_expanded_again_when_the_window_reaches_its_next_lesson(
        gw: Gateway, host: FeedHost, expanded: list[str]) -> None:
    run_ical_sync(gw, TENANT, SOURCE)
    expanded.clear()
    host.publish(restamped(feed(*BASE)))
    gw.clock = lambda: NOW + timedelta(days=1)  # the window's end passed no lesson yet
    assert run_ical_sync(gw, TENANT, SOURCE, full=False).events == 0
    assert expanded == []
    gw.clock = lambda: NOW + timedelta(days=8)  # now it passed a Wednesday: one new lesson
    host.publish(feed(*BASE))
    report = run_ical_sync(gw, TENANT, SOURCE, full=False)
    assert expanded == ["mentoruur-1a"]  # the others end long before the window does
    assert report.created == 1 and report.events == 1


def test_an_unchanged_refused_series_is_not_quarantined_again(
        gw: Gateway, host: FeedHost, expanded: list[str]) -> None:
    bad_maths = MATHS.replace("X-MBO-GROUP-ID:", "X-MBO-GROUP-ID:klas-1a,")
    host.publish(feed(DUTCH, bad_maths, EXAM, MENTOR))
    assert run_ical_sync(gw, TENANT, SOURCE).series_quarantined == 1
    expanded.clear()
    host.publish(restamped(feed(DUTCH, bad_maths, EXAM, MENTOR)))
    report = run_ical_sync(gw, TENANT, SOURCE, full=False)
    assert (expanded, report.series_quarantined) == ([], 0)
    assert len(Quarantine(gw.engine).list(TENANT)) == 1
    host.publish(feed(*BASE))  # fixed: expanded and stored
    report = run_ical_sync(gw, TENANT, SOURCE, full=False)
    assert expanded == ["les-rek-1a"] and report.created == 4


def test_a_broken_changed_series_still_refuses_the_whole_feed(
        gw: Gateway, host: FeedHost, expanded: list[str]) -> None:
    run_ical_sync(gw, TENANT, SOURCE)
    expanded.clear()
    before, head = stored(gw), gw.event_log.head(TENANT)
    broken = vevent("les-ned-1a", "2026XXX", "20261012T103000", zone=None)
    host.publish(feed(broken, MATHS, EXAM))  # MENTOR gone too: nothing may happen
    report = run_ical_sync(gw, TENANT, SOURCE, full=False)
    assert report.feed_quarantined is not None and expanded == []
    [record] = Quarantine(gw.engine).list(TENANT)
    assert record.kind == "icalendar-feed" and "2026XXX" in record.reason
    assert gw.event_log.head(TENANT) == head and stored(gw) == before


def test_the_stored_placements_of_some_series_only(gw: Gateway, host: FeedHost) -> None:
    from gateway.sync.ical_stored import StoredPlacements

    upper = DUTCH.replace("UID:les-ned-1a", "UID:LES-NED-1A")
    nested = DUTCH.replace("UID:les-ned-1a", "UID:les-ned-1a/extra")
    host.publish(feed(*BASE, upper, nested))
    run_ical_sync(gw, TENANT, SOURCE)
    since = datetime(2026, 10, 1, tzinfo=UTC)
    stored = StoredPlacements.load(gw.engine, TENANT, SOURCE, since=since,
                                   uids=["les-ned-1a", "exam-rek-2f"])
    assert len(stored) == 7  # not the other case's, not the longer UID's
    assert stored.take(f"les-ned-1a/{DUTCH_IDS[0]}") is not None
    assert stored.take(f"LES-NED-1A/{DUTCH_IDS[0]}") is None
    window = (since, datetime(2027, 1, 1, tzinfo=UTC))
    assert stored.vanished(*window) == sorted(
        ["exam-rek-2f/20261120T080000Z", *(f"les-ned-1a/{r}" for r in DUTCH_IDS[1:])])


def test_a_full_run_repairs_what_the_memo_does_not_see(
        gw: Gateway, host: FeedHost, monkeypatch: pytest.MonkeyPatch) -> None:
    host.publish(feed(DUTCH, MATHS, MENTOR))
    run_ical_sync(gw, TENANT, SOURCE)
    # the exam is added, and the run stops after writing it, before saving the memo
    host.publish(feed(*BASE))

    def stopped(*_: Any) -> None:
        raise OSError("the process stopped")

    with monkeypatch.context() as patch:
        patch.setattr(SeriesMemo, "save", stopped)
        with pytest.raises(OSError, match="stopped"):
            run_ical_sync(gw, TENANT, SOURCE, full=False)
    exam = activity_id("exam-rek-2f", "20261120T080000Z")
    assert stored(gw)[exam] == (1, "scheduled")
    # another path moves one lesson to another room and deletes another
    roomed, deleted = activity_id("les-ned-1a", DUTCH_IDS[1]), activity_id("les-rek-1a",
                                                                            "20261020T110000Z")
    state = gw.store.get(TENANT, UUID(roomed)).state
    gw.store.upsert([TimetableActivity.model_validate({**state, "rooms": ["Z9.99"]})])
    gw.store.delete(TENANT, [UUID(deleted)])
    host.publish(feed(DUTCH, MATHS, MENTOR))  # and the exam leaves the feed again
    head = gw.event_log.head(TENANT)
    assert run_ical_sync(gw, TENANT, SOURCE, full=False).events == 0  # the memo is trusted
    report = run_ical_sync(gw, TENANT, SOURCE, full=True)
    events = {e.subject: e.data["entity"] for e in gw.event_log.read(TENANT, after=head).events}
    assert set(events) == {roomed, deleted, exam} and report.events == 3
    assert events[exam]["status"] == "cancelled" and report.cancelled_missing == 1
    assert events[roomed]["rooms"] == ["A1.02"]  # "changed": not what clients last saw
    assert events[deleted]["status"] == "scheduled"
    head = gw.event_log.head(TENANT)
    assert run_ical_sync(gw, TENANT, SOURCE, full=True).events == 0
    assert gw.event_log.head(TENANT) == head
