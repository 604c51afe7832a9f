"""A timetabling system that exports one feed per klas (or per teacher) and writes no
``X-MBO-*`` ids: the source names the feed's groups and staff, and every lesson that names
none of its own is for them. Real loopback HTTP, SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import Engine

from gateway.bootstrap import Gateway
from gateway.domain.rostering import TimetableActivity
from gateway.mappings.ooapi_v5_mbo_in import canonical_id
from gateway.settings import SourceConfig
from gateway.sync.ical_import import run_ical_sync
from tests.ical_feeds import GROUP, STAFF, feed, vevent
from tests.integration.ical_host import FeedHost, serving_feed
from tests.integration.ical_runs import feed_gateway

TENANT, SOURCE = "roc-a", "klas-1a"
NOW = datetime(2026, 10, 1, 7, 0, tzinfo=UTC)
KLAS, OTHER_KLAS, TEACHER = (str(uuid.uuid4()) for _ in range(3))
# four Tuesdays without ids of their own, one exam that names its own group and teacher
BARE = vevent("les-rek-1a", "20261013T130000", "20261013T140000", rrule="FREQ=WEEKLY;COUNT=4",
              groups=(), staff=())
OWN = vevent("exam-rek-2f", "20261120T090000", "20261120T110000", categories="EXAM")


@pytest.fixture
def host() -> Iterator[FeedHost]:
    with serving_feed() as served:
        served.publish(feed(BARE, OWN))
        yield served


def _gateway(engine: Engine, host: FeedHost, **ids: Any) -> Gateway:
    return feed_gateway(engine, host.url, tenant=TENANT, source=SOURCE, now=NOW, **ids)


def _activities(gateway: Gateway) -> dict[str, TimetableActivity]:
    out = {}
    for stored in gateway.store.list(TENANT, TimetableActivity.kind):
        activity = stored.entity()
        assert isinstance(activity, TimetableActivity)
        out[activity.source.id] = activity
    return out


def test_lessons_without_ids_are_for_the_feeds_groups_and_staff(
    engine: Engine, host: FeedHost,
) -> None:
    gateway = _gateway(engine, host, group_ids=[KLAS], staff_ids=[TEACHER])
    try:
        report = run_ical_sync(gateway, TENANT, SOURCE, full=True)
    finally:
        gateway.close()
    assert report.occurrences == 5, report.line()
    activities = _activities(gateway)
    bare = [a for key, a in activities.items() if key.startswith("les-rek-1a/")]
    own = [a for key, a in activities.items() if key.startswith("exam-rek-2f/")]
    assert len(bare) == 4 and len(own) == 1
    assert {a.group_ids for a in bare} == {(canonical_id(TENANT, "group", KLAS),)}
    assert {a.staff_ids for a in bare} == {(canonical_id(TENANT, "person", TEACHER),)}
    assert own[0].group_ids == (canonical_id(TENANT, "group", GROUP),)  # its own stay
    assert own[0].staff_ids == (canonical_id(TENANT, "person", STAFF),)


def test_a_new_group_of_the_feed_reaches_every_lesson_on_the_next_run(
    engine: Engine, host: FeedHost,
) -> None:
    """The feed did not change, but its source's groups did: the memo of unchanged series
    must not keep the old groups, so the next (conditional) run is a full one."""
    first = _gateway(engine, host, group_ids=[KLAS])
    try:
        run_ical_sync(first, TENANT, SOURCE, full=True)
        quiet = run_ical_sync(first, TENANT, SOURCE, full=False)
        assert quiet.events == 0 and quiet.not_modified, quiet.line()
    finally:
        first.close()
    moved = _gateway(engine, host, group_ids=[OTHER_KLAS])
    try:
        report = run_ical_sync(moved, TENANT, SOURCE, full=False)
        again = run_ical_sync(moved, TENANT, SOURCE, full=False)
    finally:
        moved.close()
    assert report.mode == "full" and report.events == 4, report.line()
    assert again.events == 0 and again.not_modified, again.line()
    bare = [a for key, a in _activities(moved).items() if key.startswith("les-rek-1a/")]
    assert {a.group_ids for a in bare} == {(canonical_id(TENANT, "group", OTHER_KLAS),)}


def test_only_a_feed_has_groups_and_staff_of_its_own() -> None:
    with pytest.raises(ValidationError, match="for icalendar sources"):
        SourceConfig(tenant=TENANT, name="sis", base_url="http://127.0.0.1:9/",
                     group_ids=[KLAS])
