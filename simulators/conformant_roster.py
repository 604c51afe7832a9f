"""Conformant inputs of the ``icalendar`` and ``oneroster-1.2`` suites, made by the gateway.

The fault modes of :mod:`simulators.roster_faults` mutate these; the suites must find
nothing in them. They come from the gateway's own code paths -- a group's calendar feed
served by ``/calendar/{token}.ics`` over real HTTP, fetched before and after a lesson moves,
and the OneRoster 1.2 CSV bundle of :func:`export_bundle` -- so a change there that breaks
a standard shows up as findings on the conformant input.

    with served_gateway(tmp_path) as served:
        feed = served.base + subscribe_group_feed(served.gateway)   # a live feed URL
    fetches = feed_fetches(tmp_path)       # {"01-fetch.ics": ..., "02-fetch.ics": ...}
    bundle = roster_bundle(tmp_path)       # {"manifest.csv": ..., "users.csv": ...}
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

import httpx
from starlette.types import ASGIApp

from gateway.adapters.oneroster.bundle_export import export_bundle
from gateway.api.app import create_app
from gateway.api.routers import oneroster
from gateway.api.testing import TENANT_A, gateway_on_sqlite
from gateway.bootstrap import Gateway
from gateway.domain import Group, Membership, Person, PersonalData, ProgrammeOffering, SourceRef
from gateway.domain.rostering import ActivityKind, ActivityStatus, TimetableActivity
from gateway.mappings.icalendar_out import AMSTERDAM
from gateway.store.calendar_subscriptions import subscribe
from gateway.store.persons import PersonStore
from gateway.store.timetable_index import TargetKind
from gateway.testing.serving import serve_in_thread

__all__ = ["ServedGateway", "feed_fetches", "roster_bundle", "seed_roster", "seed_timetable",
           "served_gateway", "subscribe_group_feed"]

_SIS, _ROOSTER = "sis", "rooster"
KLAS = SourceRef(system=_SIS, id="klas-sd1a")
#: The programme offering the exam belongs to (the canonical id of :func:`seed_roster`'s).
KLAS_COURSE = ProgrammeOffering.create(
    tenant=TENANT_A, source=SourceRef(system=_SIS, id="po-sd"), crebo="25604", leerweg="BOL",
    level=4, location="123X456", valid_from=date(2025, 8, 1), name="Software Developer").id


@dataclass(frozen=True)
class ServedGateway:
    """A gateway on SQLite served by uvicorn on loopback: ``base`` is its root URL."""

    base: str
    gateway: Gateway


@contextmanager
def served_gateway(workdir: Path, wrap: Callable[[ASGIApp], ASGIApp] | None = None
                   ) -> Iterator[ServedGateway]:
    """A fresh gateway (SQLite in ``workdir``) with its OneRoster and calendar routes served.

    Args:
        workdir: a folder for the database.
        wrap: ASGI middleware put around the app (tests use it to serve faults).
    """
    workdir.mkdir(parents=True, exist_ok=True)
    gateway = gateway_on_sqlite(workdir / "conformant-roster.db")
    try:
        app = create_app(gateway)
        if not any(getattr(route, "original_router", None) is oneroster.router
                   for route in app.routes):
            app.include_router(oneroster.router)  # until app.py includes it
        with serve_in_thread(app if wrap is None else wrap(app)) as port:
            yield ServedGateway(f"http://127.0.0.1:{port}", gateway)
    finally:
        gateway.close()


def _next_week(days: int, hour: int, minutes: int = 0) -> datetime:
    day = datetime.now(AMSTERDAM).date() + timedelta(days=7 + days)
    return datetime.combine(day, time(hour, minutes), AMSTERDAM)


def _klas(tenant: str = TENANT_A) -> Group:
    group: Group = Group.create(tenant=tenant, source=KLAS, group_kind="class", code="SD1A",
                                name="Klas SD1A", valid_from=date(2025, 8, 25),
                                valid_until=date(2026, 7, 10))
    return group


def seed_timetable(gateway: Gateway) -> list[TimetableActivity]:
    """A klas with a week of lessons: one with two rooms, a cancelled one, an exam, a long
    title (folded) with a comma and a semicolon (escaped)."""
    klas = _klas()

    def activity(ident: str, day: int, hour: int, **fields: object) -> TimetableActivity:
        values: dict[str, object] = {"title": "Nederlands", "start": _next_week(day, hour),
                                     "end": _next_week(day, hour, 50), "rooms": ("A1.02",),
                                     "group_ids": (klas.id,)}
        values.update(fields)
        made: TimetableActivity = TimetableActivity.create(
            tenant=TENANT_A, source=SourceRef(system=_ROOSTER, id=ident), **values)
        return made

    lessons = [
        activity("les-1", 0, 9),
        activity("les-2", 0, 10, title="Programmeren; databases, deel 2 (practicum in het "
                 "lokaal naast de aula, neem je laptop mee)", rooms=("A1.02", "A1.03")),
        activity("les-3", 1, 9, status=ActivityStatus.CANCELLED),
        activity("exam-1", 2, 13, activity_kind=ActivityKind.EXAM, title="Examen rekenen",
                 rooms=("C0.10",), course_id=KLAS_COURSE),
    ]
    gateway.store.upsert([klas, *lessons])
    return lessons


def subscribe_group_feed(gateway: Gateway) -> str:
    """The path (``/calendar/<token>.ics``) of a new subscription to the klas's feed."""
    issued = subscribe(gateway.engine, TENANT_A, TargetKind.GROUP, str(_klas().id))
    return issued.feed_path


def feed_fetches(workdir: Path) -> dict[str, bytes]:
    """Two fetches of the klas's feed from the served gateway, a lesson moved in between
    (its SEQUENCE rises from 0 to 1)."""
    with served_gateway(workdir) as served:
        lessons = seed_timetable(served.gateway)
        url = served.base + subscribe_group_feed(served.gateway)
        with httpx.Client(timeout=30) as client:
            first = client.get(url)
            moved = lessons[0].model_copy(update={"rooms": ("B2.01",)})
            served.gateway.store.upsert([moved])
            second = client.get(url)
    for reply in (first, second):
        if reply.status_code != 200:
            raise RuntimeError(f"the gateway's feed answered {reply.status_code}")
    return {"01-fetch.ics": first.content, "02-fetch.ics": second.content}


def seed_roster(gateway: Gateway) -> None:
    """A klas of two students and a teacher, and a lesgroep of a programme offering."""
    persons = PersonStore(gateway.store)
    people = {"anna": PersonalData(given_name="Anna", family_name="Bakker"),
              "bram": PersonalData(given_name="Bram", family_name_prefix="de",
                                   family_name="Vries"),
              "carla": PersonalData(given_name="Carla", family_name="Smit")}
    ids = {}
    for key, data in people.items():
        person = Person.create(tenant=TENANT_A, source=SourceRef(system=_SIS, id=key))
        persons.upsert(person, data)
        ids[key] = person.id
    offering = ProgrammeOffering.create(
        tenant=TENANT_A, source=SourceRef(system=_SIS, id="po-sd"), crebo="25604",
        leerweg="BOL", level=4, location="123X456", valid_from=date(2025, 8, 1),
        name="Software Developer")
    klas = _klas()
    lesgroep = Group.create(tenant=TENANT_A, source=SourceRef(system=_SIS, id="les-prog"),
                            group_kind="teaching_group", code="PROG-1", name="Programmeren 1",
                            offering_id=offering.id, valid_from=date(2025, 9, 1),
                            valid_until=date(2026, 1, 31))

    def member(key: str, group: Group, person: str, **fields: object) -> Membership:
        made: Membership = Membership.create(
            tenant=TENANT_A, source=SourceRef(system=_SIS, id=key), group_id=group.id,
            person_id=ids[person], **fields)
        return made

    gateway.store.upsert([offering, klas, lesgroep,
                          member("m1", klas, "anna", start_date=date(2025, 8, 25)),
                          member("m2", klas, "bram"), member("m3", klas, "carla", role="teacher"),
                          member("m4", lesgroep, "anna"), member("m5", lesgroep, "carla",
                                                                 role="teacher")])


def roster_bundle(workdir: Path) -> dict[str, bytes]:
    """The gateway's bulk OneRoster 1.2 CSV bundle of :func:`seed_roster`, by file name."""
    workdir.mkdir(parents=True, exist_ok=True)
    gateway = gateway_on_sqlite(workdir / "conformant-bundle.db")
    try:
        seed_roster(gateway)
        buffer = io.BytesIO()
        export_bundle(gateway, TENANT_A, buffer, client_id="cli:conformance",
                      issuer="fault-proof")
    finally:
        gateway.close()
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as archive:
        return {name: archive.read(name) for name in archive.namelist()}
