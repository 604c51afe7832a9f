"""Conditional requests of the calendar feeds: RFC 9110 13.2.2 and the feed's Last-Modified."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from gateway.api.conditional import http_date, not_modified, parse_http_date
from gateway.api.routers.calendar import last_modified
from gateway.store.timetable_index import FeedStamp

NOW = datetime(2026, 3, 10, 12, 0, 30, tzinfo=UTC)  # 13:00:30 in Amsterdam
CHANGED = datetime(2026, 3, 10, 9, 15, 7, 500_000, tzinfo=UTC)
TAG = 'W/"abc"'


def _asks(if_none_match: list[str] | None = None, if_modified_since: list[str] | None = None,
          modified: datetime | None = CHANGED) -> bool:
    return not_modified(if_none_match=if_none_match or [], if_modified_since=if_modified_since
                        or [], etag=TAG, last_modified=modified, now=NOW)


@pytest.mark.parametrize("value", ["Tue, 10 Mar 2026 09:15:07 GMT",
                                   "Tuesday, 10-Mar-26 09:15:07 GMT",
                                   "Tue Mar 10 09:15:07 2026"])
def test_the_three_http_date_forms_are_read(value: str) -> None:
    assert parse_http_date(value) == CHANGED.replace(microsecond=0)


@pytest.mark.parametrize("value", ["", "yesterday", "Tue, 10 Mar 2026 09:15:07 +0100",
                                   "Tue, 10 Mar 2026 09:15:07 GMT, Tue, 10 Mar 2026 09:15:07 GMT",
                                   "2026-03-10T09:15:07Z"])
def test_anything_else_is_no_http_date(value: str) -> None:
    assert parse_http_date(value) is None


def test_an_http_date_is_written_in_imf_fixdate_whole_seconds() -> None:
    assert http_date(CHANGED) == "Tue, 10 Mar 2026 09:15:07 GMT"


def test_if_modified_since_is_not_modified_at_or_after_the_last_change() -> None:
    assert _asks(if_modified_since=["Tue, 10 Mar 2026 09:15:07 GMT"])  # same second
    assert _asks(if_modified_since=["Tue, 10 Mar 2026 10:00:00 GMT"])
    assert not _asks(if_modified_since=["Tue, 10 Mar 2026 09:15:06 GMT"])


def test_a_bad_a_doubled_or_a_future_if_modified_since_is_ignored() -> None:
    assert not _asks(if_modified_since=["soon"])
    assert not _asks(if_modified_since=["Tue, 10 Mar 2026 10:00:00 GMT"] * 2)
    assert not _asks(if_modified_since=["Wed, 11 Mar 2026 10:00:00 GMT"])  # after NOW
    assert not _asks(if_modified_since=["Tue, 10 Mar 2026 10:00:00 GMT"], modified=None)


def test_if_none_match_decides_alone_when_present() -> None:
    later = ["Tue, 10 Mar 2026 10:00:00 GMT"]
    assert not _asks(if_none_match=['"other"'], if_modified_since=later)
    assert _asks(if_none_match=['"other"', TAG], if_modified_since=["soon"])  # two lines
    assert _asks(if_none_match=['"abc"'])  # weak comparison
    assert not _asks(if_none_match=[""], if_modified_since=later)


def test_last_modified_is_the_newest_change_or_the_windows_last_move() -> None:
    assert last_modified(FeedStamp(9, CHANGED, None), NOW) == CHANGED.replace(microsecond=0)
    yesterday = FeedStamp(9, CHANGED - timedelta(days=1), None)
    midnight = datetime(2026, 3, 9, 23, 0, tzinfo=UTC)  # 00:00 in Amsterdam
    assert last_modified(yesterday, NOW) == midnight
    assert last_modified(FeedStamp(0, None, None), NOW) == midnight


def test_a_change_less_than_a_second_old_or_ahead_of_the_clock_gives_no_last_modified() -> None:
    assert last_modified(FeedStamp(9, NOW - timedelta(milliseconds=300), None), NOW) is None
    assert last_modified(FeedStamp(9, NOW + timedelta(minutes=2), None), NOW) is None
    assert last_modified(FeedStamp(9, NOW - timedelta(seconds=1), None), NOW) is not None
    just_after_midnight = datetime(2026, 3, 9, 23, 0, 0, 400_000, tzinfo=UTC)
    assert last_modified(FeedStamp(0, None, None), just_after_midnight) is None
