"""Valid canonical entities for tests, with the fields a test cares about overridable."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

from gateway.domain import (
    Application,
    Cohort,
    Course,
    Enrolment,
    Entity,
    Group,
    Membership,
    Participation,
    Person,
    ProgrammeOffering,
    Qualification,
    SourceRef,
    TimetableActivity,
)

SOURCE = "test-sis"


def src(ident: str, system: str = SOURCE) -> SourceRef:
    return SourceRef(system=system, id=ident)


def offering(tenant: str = "roc-a", ident: str = "o1", **over: Any) -> ProgrammeOffering:
    fields: dict[str, Any] = {
        "crebo": "25604", "leerweg": "BOL", "level": 4, "location": "123X456",
        "valid_from": date(2026, 8, 1), "name": "Software developer",
    }
    fields.update(over)
    return ProgrammeOffering.create(tenant=tenant, source=src(ident), **fields)


def cohort(tenant: str = "roc-a", ident: str = "c1", offering_id: UUID | None = None,
           **over: Any) -> Cohort:
    fields: dict[str, Any] = {
        "offering_id": offering_id or offering(tenant).id, "code": "2026-BOL",
        "status": "open", "application_start": date(2026, 1, 1),
        "application_end": date(2026, 8, 15), "start_date": date(2026, 9, 1),
    }
    fields.update(over)
    return Cohort.create(tenant=tenant, source=src(ident), **fields)


def one_of_each(tenant: str = "roc-a") -> list[Entity]:
    """A valid entity of every kind in ENTITY_TYPES."""
    off = offering(tenant)
    coh = cohort(tenant, offering_id=off.id)
    person = Person.create(tenant=tenant, source=src("p1"), eck_id="https://ketenid.nl/abc")
    group = Group.create(tenant=tenant, source=src("g1"), group_kind="class", code="SD4A",
                         name="Software developer 4A")
    start = datetime(2026, 10, 26, 8, 30, tzinfo=UTC)
    return [
        Qualification.create(tenant=tenant, source=src("q1"), crebo="25604",
                             name="Software developer", level=4),
        off,
        coh,
        Course.create(tenant=tenant, source=src("k1"), course_kind="keuzedeel", code="K0080",
                      name="Verdieping software", study_load_hours=240),
        person,
        Application.create(tenant=tenant, source=src("a1"), person_id=person.id,
                           cohort_id=coh.id, submitted_on=date(2026, 3, 1)),
        Enrolment.create(tenant=tenant, source=src("e1"), person_id=person.id,
                         offering_id=off.id, cohort_id=coh.id, start_date=date(2026, 9, 1)),
        Participation.create(tenant=tenant, source=src("pa1"), person_id=person.id,
                             offering_id=off.id, offering_kind="component"),
        group,
        Membership.create(tenant=tenant, source=src("m1"), group_id=group.id,
                          person_id=person.id),
        TimetableActivity.create(tenant=tenant, source=src("t1"), title="Programmeren",
                                 start=start, end=start + timedelta(hours=1, minutes=30),
                                 rooms=("A1.04",), group_ids=(group.id,)),
    ]
