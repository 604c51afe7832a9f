"""The weekly changes of a timetable: a lesson moved, a room swapped, a lesson cancelled.

A timetabling system publishes each as an override of one occurrence of a series: a
VEVENT with the series' UID and a RECURRENCE-ID (the occurrence's original start) that
has another DTSTART/DTEND, another LOCATION, or STATUS:CANCELLED. :func:`apply_changes`
picks a day's worth of them at random (seeded) among the lessons of the coming week that
have not changed yet, so each change is exactly one changed occurrence: the oracle
(:class:`Change`) says which (uid, recurrence id) changed how, and what an importer must
then hold for it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from simulators.timetable.school_year import LESSON_MINUTES, PERIODS, SLOTS, ZONE, utc_basic

if TYPE_CHECKING:
    from simulators.timetable.school import TimetableSchool

__all__ = ["Change", "ChangeKind", "Override", "apply_changes"]


class ChangeKind(StrEnum):
    MOVED = "moved"
    ROOM = "room"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class Override:
    """How one occurrence differs from its series (local times)."""

    kind: ChangeKind
    start: datetime
    room: int
    stamp: date  # the day the change was made (DTSTAMP)

    @property
    def cancelled(self) -> bool:
        return self.kind is ChangeKind.CANCELLED


@dataclass(frozen=True, slots=True)
class Change:
    """One changed occurrence, as an importer must see it after the change.

    ``recurrence_id`` is the original start in UTC (``YYYYMMDDTHHMMSSZ``); ``start`` and
    ``end`` are aware (Europe/Amsterdam); ``status`` is the canonical status it now has.
    """

    uid: str
    recurrence_id: str
    kind: ChangeKind
    start: datetime
    end: datetime
    rooms: tuple[str, ...]

    @property
    def status(self) -> str:
        return "cancelled" if self.kind is ChangeKind.CANCELLED else "changed"


def apply_changes(school: TimetableSchool, day: date, share: float) -> list[Change]:
    """Override ``share`` of the lessons of the 7 days from ``day`` (see the module
    docstring); the caller holds the school's lock.

    Raises:
        ValueError: ``share`` is not in [0, 1].
    """
    if not 0 <= share <= 1:
        raise ValueError("share is a fraction of the week's lessons, 0 to 1")
    week = school.week_occurrences(day)
    count = round(share * len(week))
    if share and week and not count:
        count = 1
    rng = random.Random(f"{school.seed}/changes/{day.isoformat()}/{school.version}")
    free = [key for key in week if key not in school.overrides]
    picked = rng.sample(free, min(count, len(free)))
    kinds = [ChangeKind.MOVED, ChangeKind.ROOM, ChangeKind.CANCELLED]
    changes = []
    for n, (index, when) in enumerate(picked):
        series = school.series[index]
        period = SLOTS[series.slot][1]
        original = school.year.at(when, period)
        kind = kinds[n % 3]
        start, room = original, series.room
        if kind is ChangeKind.MOVED:
            start = school.year.at(when, (period + rng.randrange(1, len(PERIODS)))
                                   % len(PERIODS))
        elif kind is ChangeKind.ROOM:
            room = (room + rng.randrange(1, len(school.rooms))) % len(school.rooms)
        school.overrides[index, when] = Override(kind, start, room, day)
        changes.append(Change(
            uid=series.uid, recurrence_id=utc_basic(original), kind=kind,
            start=start.replace(tzinfo=ZONE),
            end=(start + timedelta(minutes=LESSON_MINUTES)).replace(tzinfo=ZONE),
            rooms=(school.rooms[room],)))
    return changes
