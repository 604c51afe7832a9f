"""The timetable as iCalendar (RFC 5545) text, as ``ROSTER_CONVENTIONS`` defines the feeds.

Built by string formatting, not through ``icalendar`` objects: the whole school is some
15,000 VEVENTs and a feed must render in well under a second after each change, so each
series' VEVENT is rendered once and kept (a series never changes; its changed
occurrences are override VEVENTs appended after the series). The tests parse the output
with ``icalendar`` and expand it with ``recurring_ical_events``. Lines are CRLF-ended
and folded at 75 octets; TEXT values are escaped (so ``LOCATION:A0.01\\,A0.02`` reads
as the room codes "A0.01,A0.02").
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from simulators.timetable.changes import Override
from simulators.timetable.school import EXAM_SUBJECTS, SUBJECTS, Exam, Series, TimetableSchool
from simulators.timetable.school_year import LESSON_MINUTES, SLOTS

__all__ = ["VTIMEZONE", "Feed", "FeedRenderer", "escape", "fold"]

_TZ = "TZID=Europe/Amsterdam"
_STAMP = "20260801T000000Z"
VTIMEZONE = (
    "BEGIN:VTIMEZONE\r\nTZID:Europe/Amsterdam\r\nX-LIC-LOCATION:Europe/Amsterdam\r\n"
    "BEGIN:DAYLIGHT\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nTZNAME:CEST\r\n"
    "DTSTART:19700329T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\nEND:DAYLIGHT\r\n"
    "BEGIN:STANDARD\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nTZNAME:CET\r\n"
    "DTSTART:19701025T030000\r\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\nEND:STANDARD\r\n"
    "END:VTIMEZONE\r\n")
_HEAD = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//mbo-gateway//timetable simulator//NL\r\n"
         "CALSCALE:GREGORIAN\r\nMETHOD:PUBLISH\r\n" + VTIMEZONE)
_TAIL = "END:VCALENDAR\r\n"


def escape(text: str) -> str:
    """A TEXT value (RFC 5545 3.3.11): backslash, semicolon, comma and newline escaped."""
    return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\n", "\\n"))


def fold(line: str) -> str:
    """``line`` with CRLF, folded so no physical line passes 75 octets (RFC 5545 3.1)."""
    if len(line) <= 75 and line.isascii():
        return line + "\r\n"
    parts: list[str] = []
    current, size = "", 0
    for char in line:
        width = len(char.encode())
        if size + width > (75 if not parts else 74):
            parts.append(current)
            current, size = "", 0
        current += char
        size += width
    parts.append(current)
    return "\r\n ".join(parts) + "\r\n"


def _local(value: datetime) -> str:
    return value.strftime("%Y%m%dT%H%M%S")


@dataclass(frozen=True)
class Feed:
    """One rendered feed: its bytes, a strong ETag of them, and the school's version."""

    body: bytes
    etag: str
    version: int
    occurrences: int


class FeedRenderer:
    """Renders the whole school's feed or one klas's, caching series and the last feed."""

    def __init__(self, school: TimetableSchool) -> None:
        self.school = school
        self._series: dict[int, str] = {}
        self._feeds: dict[int | None, Feed] = {}

    def feed(self, group: int | None = None) -> Feed:
        """The feed of klas ``group`` (an index into ``school.group_ids``), or of the school."""
        school = self.school
        with school.lock:
            cached = self._feeds.get(group)
            if cached is not None and cached.version == school.version:
                return cached
            indexes = range(len(school.series)) if group is None else school.by_group[group]
            wanted = set(indexes) if group is not None else None
            parts = [_HEAD]
            parts += [self._series_text(i) for i in indexes]
            parts += [self._override_text(school.series[i], day, override)
                      for (i, day), override in sorted(school.overrides.items())
                      if wanted is None or i in wanted]
            exams = [e for e in school.exams if group is None or e.group == group]
            parts += [self._exam_text(e) for e in exams]
            parts.append(_TAIL)
            body = "".join(parts).encode()
            occurrences = sum(len(school.dates_of(school.series[i])) for i in indexes) \
                + len(exams)
            feed = Feed(body, f'"{hashlib.blake2b(body, digest_size=12).hexdigest()}"',
                        school.version, occurrences)
            self._feeds[group] = feed
            return feed

    def _common(self, series: Series, room: int) -> str:
        school = self.school
        return (fold(f"SUMMARY:{escape(SUBJECTS[series.course])}")
                + fold(f"LOCATION:{escape(school.rooms[room])}") + "CATEGORIES:LESSON\r\n"
                + fold(f"X-MBO-GROUP-ID:{school.group_ids[series.group]}")
                + fold(f"X-MBO-STAFF-ID:{school.staff_ids[series.staff]}")
                + fold(f"X-MBO-COURSE-ID:{school.course_ids[series.course]}"))

    def _series_text(self, index: int) -> str:
        text = self._series.get(index)
        if text is None:
            series = self.school.series[index]
            year = self.school.year
            weekday, period = SLOTS[series.slot]
            start = year.at(year.weekdays[weekday][0], period)
            lines = [f"UID:{series.uid}", f"DTSTAMP:{_STAMP}", f"DTSTART;{_TZ}:{_local(start)}",
                     f"DTEND;{_TZ}:{_local(start + timedelta(minutes=LESSON_MINUTES))}",
                     f"RRULE:FREQ=WEEKLY;UNTIL={year.until_utc}"]
            skipped = [_local(year.at(d, period)) for d in year.excluded[weekday]]
            if skipped:
                lines.append(f"EXDATE;{_TZ}:{','.join(skipped)}")
            if series.extra:
                lines.append(f"RDATE;{_TZ}:{_local(year.at(series.extra, period))}")
            text = ("BEGIN:VEVENT\r\n" + "".join(map(fold, lines))
                    + self._common(series, series.room) + "END:VEVENT\r\n")
            self._series[index] = text
        return text

    def _override_text(self, series: Series, day: date, override: Override) -> str:
        original = self.school.year.at(day, SLOTS[series.slot][1])
        end = override.start + timedelta(minutes=LESSON_MINUTES)
        lines = [f"UID:{series.uid}", f"RECURRENCE-ID;{_TZ}:{_local(original)}",
                 f"DTSTAMP:{override.stamp.strftime('%Y%m%d')}T060000Z", "SEQUENCE:1",
                 f"DTSTART;{_TZ}:{_local(override.start)}", f"DTEND;{_TZ}:{_local(end)}"]
        if override.cancelled:
            lines.append("STATUS:CANCELLED")
        return ("BEGIN:VEVENT\r\n" + "".join(map(fold, lines))
                + self._common(series, override.room) + "END:VEVENT\r\n")

    def _exam_text(self, exam: Exam) -> str:
        school = self.school
        end = exam.start + timedelta(minutes=exam.minutes)
        rooms = ",".join(school.rooms[r] for r in exam.rooms)
        subject = EXAM_SUBJECTS[exam.course - len(SUBJECTS)]
        lines = [f"UID:{exam.offering_id}@{school.domain}", f"DTSTAMP:{_STAMP}",
                 f"DTSTART;{_TZ}:{_local(exam.start)}", f"DTEND;{_TZ}:{_local(end)}",
                 f"SUMMARY:{escape(subject)} examen", f"LOCATION:{escape(rooms)}",
                 "CATEGORIES:EXAM", f"X-MBO-GROUP-ID:{school.group_ids[exam.group]}",
                 *(f"X-MBO-STAFF-ID:{school.staff_ids[s]}" for s in dict.fromkeys(exam.staff)),
                 f"X-MBO-COURSE-ID:{school.course_ids[exam.course]}"]
        return "BEGIN:VEVENT\r\n" + "".join(map(fold, lines)) + "END:VEVENT\r\n"
