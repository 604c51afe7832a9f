"""The simulated school systems of ``gateway demo``: an SIS, a timetabling system and RIO.

One small school, built in-process and served on 127.0.0.1 so the gateway reaches each
over real HTTP as it would a supplier's product:

- the SIS (:mod:`simulators.ooapi_sis`): its catalogue, students, enrolments and klassen
  over OOAPI v5 behind OAuth2 client credentials;
- the timetabling system (:mod:`simulators.timetable`): the lessons and exams of those
  klassen as one iCalendar feed, ``/school.ics``;
- DUO's RIO (:mod:`simulators.rio_service`): signed SOAP, trusting a demo CA whose client
  certificate the gateway uses.

:class:`DemoWorld` also holds the changes a school makes over a day, so the demo can show
each one travel through the gateway. The changes name ids only, never personal data.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from simulators.ooapi_sis.generator import SisCatalogue
from simulators.ooapi_sis.population import SisSchool
from simulators.ooapi_sis.reference import QUALIFICATIONS
from simulators.ooapi_sis.school_changes import SchoolMutator
from simulators.ooapi_sis.server import running_sis
from simulators.rio_service import SimulatedRio, SimulatorConfig, create_app
from simulators.rio_service.certificates import TestCA
from simulators.timetable import Change, SchoolYear, TimetableSchool, running_timetable
from simulators.timetable.school_year import ZONE

__all__ = ["DEMO_OIN", "TIMETABLE_CHANGES", "DemoWorld", "change_timetable", "demo_term",
           "running_world"]

DEMO_OIN = "00000001999999999000"
#: Lessons changed per timetable change: one moved, one in another room, one cancelled.
TIMETABLE_CHANGES = 3


def demo_term(today: date) -> SchoolYear:
    """A ten-week teaching period around ``today``: the week before this one, seven more
    weeks of lessons, then two exam weeks (no holidays). A timetabling system often
    publishes one period at a time; a short one keeps the demo's first import quick and
    gives it lessons to change whatever the date."""
    first = today - timedelta(days=today.weekday() + 7)
    return SchoolYear(
        first_day=first, last_day=first + timedelta(weeks=10, days=-3), holidays=(),
        exam_weeks=(first + timedelta(weeks=8), first + timedelta(weeks=9)),
        extra_days=(first + timedelta(weeks=2, days=5), first + timedelta(weeks=5, days=5)))


@dataclass
class DemoWorld:
    """The running simulated systems and the handles to change them."""

    school: SisSchool
    timetable: TimetableSchool
    sis_url: str
    sis_client: tuple[str, str]
    timetable_url: str
    rio_url: str
    rio_cert: Path
    rio_key: Path

    @property
    def catalogue(self) -> SisCatalogue:
        return self.school.catalogue

    @property
    def feed_url(self) -> str:
        """The whole school's iCalendar feed (what the gateway's ``icalendar`` source reads)."""
        return f"{self.timetable_url}/school.ics"

    def catalogue_changes(self, count: int) -> list[str]:
        """A programme or offering changes (descriptions name ids only)."""
        return self.catalogue.mutate(count)

    def enrolment_changes(self, count: int) -> list[str]:
        """A student leaves, an application is decided or a keuzedeel confirmed."""
        with self.school.lock:
            return SchoolMutator(self.school).enrolments(count)

    def timetable_changes(self, now: datetime | None = None) -> list[Change]:
        """A lesson of the coming days moves, one gets another room, one is cancelled
        (:func:`change_timetable` of today in Europe/Amsterdam)."""
        return change_timetable(self.timetable,
                                (now or datetime.now(ZONE)).astimezone(ZONE).date())


def change_timetable(timetable: TimetableSchool, today: date) -> list[Change]:
    """Change :data:`TIMETABLE_CHANGES` lessons of the first week from ``today`` that has
    lessons (a week of exams has none); an empty list means the period has no lessons left.
    """
    for offset in range(0, 9 * 7, 7):
        day = today + timedelta(days=offset)
        week = timetable.week_occurrences(day)
        if week:
            return timetable.changes_for_day(day, share=min(1.0, TIMETABLE_CHANGES / len(week)))
    return []


@contextmanager
def _simulated_rio(root: Path) -> Iterator[tuple[str, Path, Path]]:
    """DUO's RIO, simulated: trusts a demo CA whose client certificate the gateway uses."""
    from gateway.adapters.standards import standards_from_env
    from gateway.testing.serving import serve_in_thread

    ca = TestCA.create("mbo-gateway demo CA")
    client = ca.issue("ROC Midden (demo)", oin=DEMO_OIN)
    cert, key = client.write(root, "rio-client")
    rio = SimulatedRio(SimulatorConfig(
        standards_from_env(), trusted=(ca.certificate,),
        known_crebos=frozenset(q.crebo for q in QUALIFICATIONS),
    ))
    with serve_in_thread(create_app(rio)) as port:
        yield f"http://127.0.0.1:{port}", cert, key


@contextmanager
def running_world(root: Path, *, offerings: int, students: int) -> Iterator[DemoWorld]:
    """Build the school and serve its three systems on 127.0.0.1 until the block ends.

    Args:
        root: the demo's folder (the RIO client certificate is written there).
        offerings: programme offerings in the catalogue (running cohorts are added).
        students: students of the school; klassen of 25 make the timetable.

    Raises:
        ConfigurationError: ``GATEWAY_STANDARDS_DIR`` does not name the standards folder.
    """
    school = SisSchool(SisCatalogue(offerings, seed=2026), students=students, class_size=25)
    timetable = TimetableSchool(sis=school, year=demo_term(datetime.now(ZONE).date()))
    client = ("gateway", secrets.token_urlsafe(24))
    with ExitStack() as stack:
        sis_url = stack.enter_context(running_sis(
            school.catalogue, client_id=client[0], client_secret=client[1], school=school))
        timetable_url = stack.enter_context(running_timetable(timetable))
        rio_url, cert, key = stack.enter_context(_simulated_rio(root))
        yield DemoWorld(school, timetable, sis_url, client, timetable_url, rio_url, cert, key)
