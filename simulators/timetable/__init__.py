"""A simulated timetabling system: a school year of lessons served as iCalendar feeds.

- :class:`TimetableSchool` (:mod:`.school`): klassen and staff of the simulated SIS,
  rooms, courses, weekly lesson series and exam sessions of 2026-2027 (:mod:`.school_year`),
  deterministic for (students, seed); ``changes_for_day(day)`` applies a day's changes
  (:mod:`.changes`) and returns the oracle of what changed;
- :class:`FeedRenderer` (:mod:`.ics`): the feeds as RFC 5545 text;
- :func:`create_timetable_app` / :func:`running_timetable` (:mod:`.app`, :mod:`.server`):
  the feeds over HTTP with ETag / Last-Modified and 304;
- :func:`push_to` (:mod:`.push`): the exam sessions as component offerings, ``PUT`` to a
  receiver of the mbo profile;
- ``python -m simulators.timetable --port 8082 --students 10000 [--changes-every 60]``.
"""

from simulators.timetable.app import create_timetable_app
from simulators.timetable.changes import Change, ChangeKind
from simulators.timetable.ics import FeedRenderer
from simulators.timetable.push import exam_document, push_to
from simulators.timetable.school import TimetableSchool
from simulators.timetable.school_year import SchoolYear
from simulators.timetable.server import running_timetable

__all__ = ["Change", "ChangeKind", "FeedRenderer", "SchoolYear", "TimetableSchool",
           "create_timetable_app", "exam_document", "push_to", "running_timetable"]
