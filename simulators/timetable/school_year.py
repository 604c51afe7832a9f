"""The school year 2026-2027 of the simulated timetable: teaching days, holidays, periods.

A year of weekly lessons is only realistic with the breaks a Dutch school has, and only a
good test of an importer when it crosses both daylight-saving changes (25 October 2026
and 28 March 2027, Europe/Amsterdam). The holidays are modelled on region midden's
(autumn, Christmas, spring, Easter, May, Ascension, Whit Monday); the two exam weeks hold
exam sessions and no lessons. Everything is local (naive) time in :data:`ZONE`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

__all__ = ["LESSON_MINUTES", "PERIODS", "SLOTS", "ZONE", "SchoolYear", "utc_basic"]

ZONE = ZoneInfo("Europe/Amsterdam")
#: The start of each lesson period of a day; lessons last :data:`LESSON_MINUTES`.
PERIODS = (time(8, 0), time(9, 0), time(10, 0), time(11, 0), time(13, 0), time(14, 0),
           time(15, 0), time(16, 0))
LESSON_MINUTES = 50
#: (weekday 0-4, period index) of every lesson slot of a week.
SLOTS = tuple((day, period) for day in range(5) for period in range(len(PERIODS)))


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def utc_basic(local: datetime) -> str:
    """A local (naive, :data:`ZONE`) time as the UTC basic format of recurrence ids."""
    return local.replace(tzinfo=ZONE).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


@dataclass(frozen=True)
class SchoolYear:
    """Which days have lessons, exams or extra lessons (defaults: 2026-2027)."""

    first_day: date = date(2026, 8, 31)
    last_day: date = date(2027, 7, 9)
    holidays: tuple[tuple[date, date], ...] = (
        (date(2026, 10, 17), date(2026, 10, 25)),   # herfstvakantie
        (date(2026, 12, 19), date(2027, 1, 3)),     # kerstvakantie
        (date(2027, 2, 20), date(2027, 2, 28)),     # voorjaarsvakantie
        (date(2027, 3, 26), date(2027, 3, 29)),     # Goede Vrijdag - Tweede Paasdag
        (date(2027, 4, 24), date(2027, 5, 7)),      # meivakantie, Bevrijdingsdag, Hemelvaart
        (date(2027, 5, 17), date(2027, 5, 17)),     # Tweede Pinksterdag
    )
    exam_weeks: tuple[date, ...] = (date(2027, 1, 18), date(2027, 6, 21))
    #: Saturdays with make-up lessons (RDATEs of some series).
    extra_days: tuple[date, ...] = (date(2026, 11, 28), date(2027, 3, 13))
    until_utc: str = field(init=False, default="")

    def __post_init__(self) -> None:
        end = datetime.combine(self.last_day, time(23, 59, 59))
        object.__setattr__(self, "until_utc", utc_basic(end))

    @cached_property
    def closed(self) -> frozenset[date]:
        """Weekdays without lessons: holidays and exam weeks."""
        days = [d for first, last in self.holidays for d in _days(first, last)]
        days += [d for monday in self.exam_weeks for d in _days(monday, monday
                                                                 + timedelta(days=4))]
        return frozenset(days)

    @cached_property
    def weekdays(self) -> tuple[tuple[date, ...], ...]:
        """Per weekday (0-4), every date of that weekday in the year, closed or not."""
        every = _days(self.first_day, self.last_day)
        return tuple(tuple(d for d in every if d.weekday() == wd) for wd in range(5))

    @cached_property
    def lesson_days(self) -> tuple[tuple[date, ...], ...]:
        """Per weekday, the dates with lessons."""
        return tuple(tuple(d for d in days if d not in self.closed) for days in self.weekdays)

    @cached_property
    def excluded(self) -> tuple[tuple[date, ...], ...]:
        """Per weekday, the dates a weekly series skips (its EXDATEs)."""
        return tuple(tuple(d for d in days if d in self.closed) for days in self.weekdays)

    def exam_days(self) -> list[date]:
        return [monday + timedelta(days=n) for monday in self.exam_weeks for n in range(5)]

    @staticmethod
    def at(day: date, period: int) -> datetime:
        """The local start of ``period`` on ``day``."""
        return datetime.combine(day, PERIODS[period])
