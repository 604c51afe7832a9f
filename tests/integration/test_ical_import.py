"""Importing a timetabling system's iCalendar feed over real loopback HTTP.

Into SQLite and PostgreSQL (the ``engine`` fixture). The feed host (:mod:`.ical_host`)
runs in uvicorn; what the store must hold is written down from the feed's own definition
(dates counted by hand from its RRULE, RDATE and EXDATE), not from the importer.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine

from gateway.bootstrap import Gateway, bootstrap
from gateway.domain.ids import entity_id
from gateway.errors import ConfigurationError, UpstreamError
from gateway.events.outbox import OutboxEvent
from gateway.settings import Settings
from gateway.store.quarantine import Quarantine
from gateway.sync.ical_import import run_ical_sync
from tests.ical_feeds import feed, vevent
from tests.integration.ical_host import FeedHost, serving_feed

TENANT, SOURCE = "roc-a", "rooster"
AMS = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2026, 10, 1, 7, 0, tzinfo=UTC)
UPSERTED = "nl.mbo.timetable.timetable-activity.upserted.v1"

# Mondays 09:00 from 12 October, six weeks, 2 November dropped, a Saturday make-up on the
# 17th: 12, 17, 19, 26 October, 9 and 16 November (the clocks go back on 25 October).
DUTCH = vevent("les-ned-1a", "20261012T090000", "20261012T103000",
               rrule="FREQ=WEEKLY;COUNT=6", exdates=["20261102T090000"],
               rdates=["20261017T100000"])
DUTCH_IDS = ["20261012T070000Z", "20261017T080000Z", "20261019T070000Z",
             "20261026T080000Z", "20261109T080000Z", "20261116T080000Z"]
MATHS = vevent("les-rek-1a", "20261013T130000", "20261013T140000",
               rrule="FREQ=WEEKLY;COUNT=4", location="B1.10")
EXAM = vevent("exam-rek-2f", "20261120T090000", "20261120T110000", categories="EXAM",
              summary="Rekenen 2F")
HOLIDAY = vevent("herfstvakantie", "20261019", "20261024", categories=None)
BASE = (DUTCH, MATHS, EXAM, HOLIDAY)
TOTAL = 6 + 4 + 1


def activity_id(uid: str, recurrence_id: str) -> str:
    return str(entity_id(TENANT, SOURCE, "timetable-activity", f"{uid}/{recurrence_id}"))


def override(recurrence_id: str, start: str, end: str, **options: Any) -> str:
    return vevent("les-ned-1a", start, end, recurrence_id=recurrence_id, sequence=1,
                  **options)


@pytest.fixture
def host() -> Iterator[FeedHost]:
    with serving_feed() as served:
        served.publish(feed(*BASE))
        yield served


@pytest.fixture
def gw(engine: Engine, host: FeedHost) -> Iterator[Gateway]:
    settings = Settings(
        token_secret=secrets.token_hex(32), tenants=[{"id": TENANT, "name": "ROC A"}],
        sources=[{"tenant": TENANT, "name": SOURCE, "kind": "icalendar", "base_url": host.url,
                  "timeout_seconds": 10},
                 {"tenant": TENANT, "name": "sis", "base_url": "http://127.0.0.1:9/"}],
    )
    gateway = bootstrap(settings, engine=engine, clock=lambda: NOW)
    yield gateway
    gateway.close()


def new_events(gateway: Gateway, after: int) -> list[OutboxEvent]:
    return gateway.event_log.read(TENANT, after=after, limit=10_000).events


def stored(gateway: Gateway) -> dict[str, tuple[int, dict[str, Any]]]:
    return {e.state["id"]: (e.version, e.state)
            for e in gateway.store.list(TENANT, "timetable-activity", source_system=SOURCE)}


def local(text: str) -> str:
    return datetime.fromisoformat(text).astimezone(AMS).strftime("%Y-%m-%d %H:%M")


def test_the_first_import_writes_one_activity_per_occurrence(gw: Gateway) -> None:
    report = run_ical_sync(gw, TENANT, SOURCE)
    assert (report.series, report.occurrences, report.created, report.events) == (
        4, TOTAL, TOTAL, TOTAL)
    assert report.all_day_skipped == 1 and report.series_quarantined == 0
    events = new_events(gw, 0)
    assert len(events) == TOTAL
    assert {e.type for e in events} == {UPSERTED}
    assert all(e.topic.endswith(f".{TENANT}.timetable") for e in events)
    states = stored(gw)
    assert len(states) == TOTAL
    assert {s["status"] for _, s in states.values()} == {"scheduled"}
    dutch = [states[activity_id("les-ned-1a", r)][1] for r in DUTCH_IDS]
    assert [local(s["start"]) for s in dutch] == [
        "2026-10-12 09:00", "2026-10-17 10:00", "2026-10-19 09:00", "2026-10-26 09:00",
        "2026-11-09 09:00", "2026-11-16 09:00"]
    exam = states[activity_id("exam-rek-2f", "20261120T080000Z")][1]
    assert (exam["activity_kind"], exam["title"]) == ("exam", "Rekenen 2F")
    assert report.line().endswith(f"events {TOTAL}")


def test_a_reimport_of_the_same_feed_emits_nothing(gw: Gateway) -> None:
    run_ical_sync(gw, TENANT, SOURCE)
    head = gw.event_log.head(TENANT)
    before = stored(gw)
    report = run_ical_sync(gw, TENANT, SOURCE, full=True)
    assert (report.unchanged, report.created, report.changed, report.events) == (
        TOTAL, 0, 0, 0)
    assert gw.event_log.head(TENANT) == head
    assert stored(gw) == before


def test_a_move_a_room_change_and_a_cancellation_are_one_event_each_in_order(
        gw: Gateway, host: FeedHost) -> None:
    run_ical_sync(gw, TENANT, SOURCE)
    moved, roomed = activity_id("les-ned-1a", DUTCH_IDS[2]), activity_id("les-ned-1a",
                                                                           DUTCH_IDS[3])
    cancelled = activity_id("les-ned-1a", DUTCH_IDS[4])
    steps = [
        ([override("20261019T090000", "20261019T130000", "20261019T143000")], moved),
        ([override("20261026T090000", "20261026T090000", "20261026T103000",
                   location="B2.01")], roomed),
        ([override("20261109T090000", "20261109T090000", "20261109T103000",
                   status="CANCELLED")], cancelled),
        # the moved lesson moves to another room too: a second change of the same one
        ([override("20261019T090000", "20261019T130000", "20261019T143000",
                   location="C0.01")], moved),
    ]
    overrides: dict[str, str] = {}
    for changes, expected in steps:
        for text in changes:
            overrides[text.split("RECURRENCE-ID")[1][:40]] = text
        host.publish(feed(*BASE, *overrides.values()))
        head = gw.event_log.head(TENANT)
        report = run_ical_sync(gw, TENANT, SOURCE)
        events = new_events(gw, head)
        assert [e.subject for e in events] == [expected], report.line()
        assert report.changed == 1 and report.unchanged == TOTAL - 1
    states = stored(gw)
    assert states[moved][0] == 3 and states[roomed][0] == 2 and states[cancelled][0] == 2
    assert (local(states[moved][1]["start"]), states[moved][1]["rooms"],
            states[moved][1]["status"]) == ("2026-10-19 13:00", ["C0.01"], "changed")
    assert (states[roomed][1]["rooms"], states[roomed][1]["status"]) == (["B2.01"], "changed")
    assert states[cancelled][1]["status"] == "cancelled"
    history = [e for e in new_events(gw, 0) if e.subject == moved]
    assert [e.entity_version for e in history] == [1, 2, 3]
    assert [e.data["entity"]["status"] for e in history] == ["scheduled", "changed", "changed"]
    assert set(history[1].data["changedFields"]) == {"start", "end", "status"}
    assert history[2].data["changedFields"] == ["rooms"]
    # and the same feed once more: nothing
    head = gw.event_log.head(TENANT)
    assert run_ical_sync(gw, TENANT, SOURCE).events == 0
    assert gw.event_log.head(TENANT) == head


def test_an_occurrence_that_leaves_the_feed_is_cancelled_once(
        gw: Gateway, host: FeedHost) -> None:
    run_ical_sync(gw, TENANT, SOURCE)
    host.publish(feed(DUTCH, MATHS, HOLIDAY))  # the exam is gone
    head = gw.event_log.head(TENANT)
    report = run_ical_sync(gw, TENANT, SOURCE)
    exam = activity_id("exam-rek-2f", "20261120T080000Z")
    events = new_events(gw, head)
    assert [(e.subject, e.data["entity"]["status"]) for e in events] == [(exam, "cancelled")]
    assert report.cancelled_missing == 1
    assert run_ical_sync(gw, TENANT, SOURCE).events == 0  # already cancelled
    host.publish(feed(*BASE))  # and back: scheduled again, one event
    head = gw.event_log.head(TENANT)
    run_ical_sync(gw, TENANT, SOURCE)
    assert [(e.subject, e.data["entity"]["status"]) for e in new_events(gw, head)] == [
        (exam, "scheduled")]


@pytest.mark.parametrize(("body", "reason"), [
    (b"<html><body>Rooster tijdelijk niet beschikbaar</body></html>",
     "Content line could not be parsed"),
    (feed(DUTCH, vevent("x", "2026XXX", "20261020T120000", zone=None)), "Expected"),
    (feed(DUTCH.replace("TZID=Europe/Amsterdam", "TZID=Europe/Atlantis")),
     "unknown time zone 'Europe/Atlantis'"),
])
def test_an_invalid_feed_is_quarantined_and_nothing_else_changes(
        gw: Gateway, host: FeedHost, body: bytes, reason: str) -> None:
    run_ical_sync(gw, TENANT, SOURCE)
    head, before = gw.event_log.head(TENANT), stored(gw)
    host.publish(body)
    report = run_ical_sync(gw, TENANT, SOURCE)
    assert report.feed_quarantined is not None
    assert "quarantined" in report.line()
    [record] = Quarantine(gw.engine).list(TENANT)
    assert (record.id, record.source, record.kind) == (report.feed_quarantined, SOURCE,
                                                      "icalendar-feed")
    assert reason in record.reason
    assert record.raw == body.decode()
    assert gw.event_log.head(TENANT) == head
    assert stored(gw) == before
    again = run_ical_sync(gw, TENANT, SOURCE)  # the same bad feed: not quarantined twice
    assert again.feed_known_bad and len(Quarantine(gw.engine).list(TENANT)) == 1
    host.publish(feed(*BASE))  # fixed: applies, and nothing had changed
    fixed = run_ical_sync(gw, TENANT, SOURCE, full=False)
    assert (fixed.unchanged, fixed.events) == (TOTAL, 0)


def test_a_series_with_bad_ids_is_quarantined_alone_and_its_activities_stay(
        gw: Gateway, host: FeedHost) -> None:
    run_ical_sync(gw, TENANT, SOURCE)
    before = stored(gw)
    bad_maths = MATHS.replace("X-MBO-GROUP-ID:", "X-MBO-GROUP-ID:klas-1a,")
    host.publish(feed(DUTCH, bad_maths, EXAM, HOLIDAY))
    head = gw.event_log.head(TENANT)
    report = run_ical_sync(gw, TENANT, SOURCE)
    assert (report.series_quarantined, report.occurrences, report.events) == (1, 7, 0)
    assert report.cancelled_missing == 0
    [record] = Quarantine(gw.engine).list(TENANT)
    assert record.kind == "icalendar-series"
    assert "UID les-rek-1a: X-MBO-GROUP-ID 'klas-1a' is not a UUID" in record.reason
    assert "UID:les-rek-1a" in record.raw and "BEGIN:VEVENT" in record.raw
    assert gw.event_log.head(TENANT) == head
    assert stored(gw) == before


def test_a_conditional_run_of_an_unchanged_feed_is_a_304(
        gw: Gateway, host: FeedHost) -> None:
    run_ical_sync(gw, TENANT, SOURCE)
    assert host.log[-1] == (None, 200)
    head = gw.event_log.head(TENANT)
    report = run_ical_sync(gw, TENANT, SOURCE, full=False)
    assert host.log[-1] == (host.etag, 304)
    assert report.not_modified and report.events == 0 and report.series == 0
    assert "not modified" in report.line()
    assert gw.event_log.head(TENANT) == head
    etag = host.etag
    host.publish(feed(DUTCH, MATHS, HOLIDAY))
    changed = run_ical_sync(gw, TENANT, SOURCE, full=False)
    assert host.log[-1] == (etag, 200)
    assert changed.cancelled_missing == 1 and not changed.not_modified
    assert run_ical_sync(gw, TENANT, SOURCE, full=True).events == 0
    assert host.log[-1] == (None, 200)  # a full run asks unconditionally


def test_a_host_without_validators_is_compared_by_digest(
        gw: Gateway, host: FeedHost) -> None:
    host.conditional = False
    run_ical_sync(gw, TENANT, SOURCE)
    report = run_ical_sync(gw, TENANT, SOURCE, full=False)
    assert host.log[-1] == (None, 200)
    assert report.not_modified and report.occurrences == 0


def test_a_briefly_unavailable_host_is_retried(gw: Gateway, host: FeedHost) -> None:
    host.failures = [503, 429]
    report = run_ical_sync(gw, TENANT, SOURCE)
    assert [status for _, status in host.log] == [503, 429, 200]
    assert report.created == TOTAL


def test_only_icalendar_sources_are_imported(gw: Gateway) -> None:
    with pytest.raises(ConfigurationError, match="not an icalendar feed"):
        run_ical_sync(gw, TENANT, "sis")
    with pytest.raises(ConfigurationError, match="no source"):
        run_ical_sync(gw, TENANT, "elsewhere")


def test_the_stored_placements_of_a_source_in_one_read(gw: Gateway) -> None:
    from gateway.sync.ical_stored import StoredPlacements

    run_ical_sync(gw, TENANT, SOURCE)
    since = datetime(2026, 10, 15, tzinfo=AMS)  # from 13 Oct on (a margin): 12 Oct is out
    stored = StoredPlacements.load(gw.engine, TENANT, SOURCE, since=since)
    assert len(stored) == TOTAL - 1
    placement = stored.take(f"les-ned-1a/{DUTCH_IDS[3]}")
    assert placement is not None
    assert placement.start == datetime(2026, 10, 26, 9, tzinfo=AMS)
    assert placement.end == datetime(2026, 10, 26, 10, 30, tzinfo=AMS)
    assert (placement.rooms, placement.status.value) == (("A1.02",), "scheduled")
    assert stored.take(f"les-ned-1a/{DUTCH_IDS[3]}") is None  # taken once
    window = (since, datetime(2026, 11, 1, tzinfo=AMS))
    assert stored.vanished(*window) == [
        f"les-ned-1a/{DUTCH_IDS[1]}", f"les-ned-1a/{DUTCH_IDS[2]}",
        "les-rek-1a/20261020T110000Z", "les-rek-1a/20261027T120000Z"]
    assert stored.vanished(*window, keep_uids={"les-rek-1a"}) == [
        f"les-ned-1a/{DUTCH_IDS[1]}", f"les-ned-1a/{DUTCH_IDS[2]}"]


def test_the_feed_validators_and_counts_are_kept_in_the_sync_state(
        gw: Gateway, host: FeedHost) -> None:
    from gateway.store.sync_state import SyncStateStore
    from gateway.sync.ical_import import state_key

    states = SyncStateStore(gw.engine)
    run_ical_sync(gw, TENANT, SOURCE, full=True)
    state = states.get(TENANT, state_key(SOURCE))
    assert state is not None and state.last_full_sync_at == NOW
    assert state.last_report["feed"]["etag"] == host.etag
    assert state.last_report["feed"]["last_modified"] == "Sun, 22 Nov 2026 08:00:00 GMT"
    assert state.last_report["created"] == TOTAL
    later = datetime(2026, 10, 1, 8, 0, tzinfo=UTC)
    gw.clock = lambda: later
    run_ical_sync(gw, TENANT, SOURCE, full=False)  # a 304: not a full run
    state = states.get(TENANT, state_key(SOURCE))
    assert state is not None
    assert (state.last_sync_at, state.last_full_sync_at) == (later, NOW)
    assert state.last_report["not_modified"] and state.last_report["feed"]["etag"] == host.etag


# -- quarantine rows closed by a full run that applied the feed ----------------------------

BAD_MATHS = MATHS.replace("X-MBO-GROUP-ID:", "X-MBO-GROUP-ID:klas-1a,")


def open_ids(gateway: Gateway) -> set[int]:
    return {r.id for r in Quarantine(gateway.engine).list(TENANT)}


def test_a_fixed_series_closes_its_quarantine_row_on_a_full_run_only(
        gw: Gateway, host: FeedHost) -> None:
    quarantine = Quarantine(gw.engine)
    host.publish(feed(DUTCH, BAD_MATHS, EXAM, HOLIDAY))
    assert run_ical_sync(gw, TENANT, SOURCE).series_quarantined == 1
    (held,) = quarantine.list(TENANT)
    others = {quarantine.put(tenant=TENANT, source=SOURCE, kind="ProgramOffering",
                             reason="r", raw="{}"),
              quarantine.put(tenant=TENANT, source="sis", kind="icalendar-series",
                             reason="r", raw="{}", path="/VEVENT[UID=les-rek-1a]")}

    host.publish(feed(*BASE))  # the timetabler fixed the series
    conditional = run_ical_sync(gw, TENANT, SOURCE, full=False)
    assert (conditional.created, conditional.quarantine_resolved) == (4, 0)
    assert open_ids(gw) == {held.id, *others}

    host.failures = [503] * 10  # the host fails the full run's fetch, retries and all
    with pytest.raises(UpstreamError):
        run_ical_sync(gw, TENANT, SOURCE, full=True)
    assert open_ids(gw) == {held.id, *others}

    host.failures = []
    report = run_ical_sync(gw, TENANT, SOURCE, full=True)
    assert (report.series_quarantined, report.quarantine_resolved) == (0, 1)
    assert "quarantine resolved 1" in report.line()
    assert report.as_dict()["quarantine_resolved"] == 1
    assert open_ids(gw) == others
    handled = {r.id for r in quarantine.list(TENANT, include_replayed=True)
               if r.replayed_at is not None}
    assert handled == {held.id}


def test_a_series_still_bad_stays_open_once_and_one_that_left_the_feed_closes(
        gw: Gateway, host: FeedHost) -> None:
    host.publish(feed(DUTCH, BAD_MATHS, EXAM, HOLIDAY))
    run_ical_sync(gw, TENANT, SOURCE)
    (held,) = Quarantine(gw.engine).list(TENANT)
    again = run_ical_sync(gw, TENANT, SOURCE, full=True)
    assert (again.series_quarantined, again.quarantine_resolved) == (1, 0)
    assert open_ids(gw) == {held.id}  # met again: open, and not kept twice

    host.publish(feed(DUTCH, EXAM, HOLIDAY))  # the series left the feed
    gone = run_ical_sync(gw, TENANT, SOURCE, full=True)
    assert gone.quarantine_resolved == 1 and open_ids(gw) == set()


def test_a_feed_that_parses_again_closes_the_feed_row(gw: Gateway, host: FeedHost) -> None:
    host.publish(b"<html><body>Rooster tijdelijk niet beschikbaar</body></html>")
    report = run_ical_sync(gw, TENANT, SOURCE)
    assert report.feed_quarantined is not None
    known = run_ical_sync(gw, TENANT, SOURCE, full=True)  # still the bad feed
    assert known.feed_known_bad and open_ids(gw) == {report.feed_quarantined}

    host.publish(feed(*BASE))
    fixed = run_ical_sync(gw, TENANT, SOURCE, full=True)
    assert (fixed.created, fixed.quarantine_resolved) == (TOTAL, 1)
    assert open_ids(gw) == set()
