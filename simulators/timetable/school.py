"""The simulated timetable of a school: klassen, staff, rooms, courses, lesson series, exams.

The klassen and staff are the simulated SIS's (:class:`~simulators.ooapi_sis.SisSchool`,
klassen of 25): a klas in a feed carries the SIS's OOAPI ``groupId`` and a lesson its
teacher's ``personId``, so the gateway sees one group whether the SIS pushed it, the
gateway pulled it or a feed names it. Example::

    school = TimetableSchool(students=10_000, seed=7)
    school.occurrences()              # 534,583 lessons and exam sessions in the year
    changes = school.changes_for_day(date(2026, 11, 23))

Each klas has :data:`LESSONS_PER_WEEK` weekly series in the 40 slots of a week: a run of
free slots starts at a different slot per klas, so every slot holds as many klassen as
any other, and each slot gives its klassen distinct rooms and teachers (permutations per
slot). Some series get a make-up lesson on a Saturday (RDATE). Each klas sits
:data:`EXAMS_PER_GROUP` exam sessions in the exam weeks. Weekly changes are overrides
(:mod:`.changes`); ``version`` goes up with each day of them.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from simulators.ooapi_sis.generator import SisCatalogue
from simulators.ooapi_sis.numbered_ids import NumberedIds
from simulators.ooapi_sis.population import SisSchool
from simulators.timetable.changes import Change, Override, apply_changes
from simulators.timetable.school_year import SLOTS, SchoolYear

__all__ = ["EXAMS_PER_GROUP", "LESSONS_PER_WEEK", "Exam", "Series", "TimetableSchool"]

LESSONS_PER_WEEK = 26
EXAMS_PER_GROUP = 4
SUBJECTS = ("Nederlands", "Engels", "Rekenen", "Burgerschap", "Loopbaan", "Keuzedeel",
            "Beroepspraktijk", "Vaktheorie", "Praktijkles", "Projectwerk", "Studieloopbaan",
            "Digitale vaardigheden", "Bedrijfskunde", "Vakdidactiek")
EXAM_SUBJECTS = ("Rekenen 2F", "Nederlands 2F", "Engels A2", "Beroepsexamen")
#: The catalogue date of the SIS school: its running cohorts are those of 2026-2027.
SIS_TODAY = date(2026, 8, 15)


@dataclass(frozen=True, slots=True)
class Series:
    """One weekly lesson series of one klas."""

    uid: str
    group: int
    slot: int
    room: int
    staff: int
    course: int
    extra: date | None  # a make-up lesson (RDATE)


@dataclass(frozen=True, slots=True)
class Exam:
    """One exam session of one klas (a component offering in the mbo profile)."""

    offering_id: str
    group: int
    course: int
    start: datetime  # local
    minutes: int
    rooms: tuple[int, int]
    staff: tuple[int, int]


class TimetableSchool:
    """The timetable of the SIS school of ``students`` (see the module docstring).

    Args:
        students: students of the school (klassen of 25 come from the SIS's cohorts).
        seed: makes everything reproducible; the same seed gives the SIS its ids.
        sis: the SIS school to take klassen and staff from; default one built from
            ``students`` and ``seed`` (a catalogue of one programme offering per 50
            students, ``SisCatalogue(students // 50)``, and klassen of 25).
        year: the school year.
    """

    domain = "rooster.roc-midden.example.nl"

    def __init__(self, students: int = 10_000, *, seed: int = 7, sis: SisSchool | None = None,
                 year: SchoolYear | None = None) -> None:
        if sis is None:
            catalogue = SisCatalogue(max(1, students // 50), seed=seed, today=SIS_TODAY)
            sis = SisSchool(catalogue, students=students, class_size=25)
        self.sis = sis
        self.seed = sis.seed
        self.year = year or SchoolYear()
        self.lock = threading.RLock()
        self.group_ids = [sis.group_ids.encode(n) for n in range(len(sis.groups))]
        self.staff_ids = [sis.person_id(sis.students + n) for n in range(sis.staff)]
        if not self.group_ids:
            raise ValueError("the SIS school has no klassen")
        self.rooms = [f"{'ABCDEFGH'[n // 120 % 8]}{n // 30 % 4}.{n % 30 + 1:02d}"
                      for n in range(len(self.group_ids) + 20)]
        courses = NumberedIds(self.seed, "timetable-course")
        self.course_ids = [courses.encode(n) for n in range(len(SUBJECTS) + len(EXAM_SUBJECTS))]
        self.series: list[Series] = []
        self.exams: list[Exam] = []
        self.by_group: list[list[int]] = [[] for _ in self.group_ids]
        self.overrides: dict[tuple[int, date], Override] = {}
        self.version = 0
        self.modified = datetime.now(UTC).replace(microsecond=0)
        self._build()

    def _build(self) -> None:
        rng = random.Random(f"{self.seed}/timetable")
        lessons = NumberedIds(self.seed, "lesson-series")
        groups, staff = len(self.group_ids), len(self.staff_ids)
        rooms = [rng.sample(range(len(self.rooms)), len(self.rooms)) for _ in SLOTS]
        teachers = [rng.sample(range(staff), staff) for _ in SLOTS]
        taken = [0] * len(SLOTS)
        for group in range(groups):
            first = group * len(SLOTS) // groups
            for n in range(min(LESSONS_PER_WEEK, len(SLOTS))):
                slot = (first + n) % len(SLOTS)
                k, taken[slot] = taken[slot], taken[slot] + 1
                extra = rng.choice(self.year.extra_days) if rng.random() < 0.03 else None
                self.by_group[group].append(len(self.series))
                self.series.append(Series(
                    uid=f"{lessons.encode(len(self.series))}@{self.domain}", group=group,
                    slot=slot, room=rooms[slot][k % len(self.rooms)],
                    staff=teachers[slot][k % staff], course=(group + n) % len(SUBJECTS),
                    extra=extra))
        self._build_exams(rng)

    def _build_exams(self, rng: random.Random) -> None:
        offerings = NumberedIds(self.seed, "exam-offering")
        days = self.year.exam_days()
        sessions = [(day, hour) for day in days for hour in (9, 13)]
        seated = dict.fromkeys(sessions, 0)  # exams per session: each gets its own rooms
        staff = len(self.staff_ids)
        for group in range(len(self.group_ids)):
            for n in range(EXAMS_PER_GROUP):
                half = sessions[:10] if n < EXAMS_PER_GROUP // 2 else sessions[10:]
                day, hour = half[(group + 3 * n + rng.randrange(2)) % len(half)]
                k, seated[day, hour] = seated[day, hour], seated[day, hour] + 1
                room = 2 * k % (len(self.rooms) - 1)
                self.exams.append(Exam(
                    offering_id=offerings.encode(len(self.exams)), group=group,
                    course=len(SUBJECTS) + n % len(EXAM_SUBJECTS),
                    start=datetime(day.year, day.month, day.day, hour),
                    minutes=120 if n % 2 else 90, rooms=(room, room + 1),
                    staff=(2 * k % staff, (2 * k + 1) % staff)))

    # -- counting -------------------------------------------------------------------------
    def dates_of(self, series: Series) -> list[date]:
        """The dates a series has a lesson on (its rule's dates and its RDATE)."""
        days = list(self.year.lesson_days[SLOTS[series.slot][0]])
        return days + [series.extra] if series.extra else days

    def occurrences(self) -> int:
        """Lessons and exam sessions in the year (a cancelled one still counts: the feed
        holds it, with STATUS:CANCELLED)."""
        per_day = [len(d) for d in self.year.lesson_days]
        return (sum(per_day[SLOTS[s.slot][0]] + (s.extra is not None) for s in self.series)
                + len(self.exams))

    def week_occurrences(self, monday: date) -> list[tuple[int, date]]:
        """(series index, date) of every rule occurrence in the 7 days from ``monday``."""
        days = {monday + timedelta(days=n) for n in range(7)} - self.year.closed
        return [(i, d) for d in sorted(days) if d.weekday() < 5
                for i, s in enumerate(self.series) if SLOTS[s.slot][0] == d.weekday()]

    # -- changes --------------------------------------------------------------------------
    def changes_for_day(self, day: date, share: float = 0.015) -> list[Change]:
        """Apply a day's changes to the timetable: ``share`` of the lessons of the 7 days
        from ``day`` are moved, get another room or are cancelled (a third each).

        Returns:
            What changed, by (uid, recurrence id): the oracle of tests and benchmarks.
        """
        with self.lock:
            changes = apply_changes(self, day, share)
            self.version += 1
            self.modified = max(self.modified + timedelta(seconds=1),
                                datetime.now(UTC).replace(microsecond=0))
            return changes
