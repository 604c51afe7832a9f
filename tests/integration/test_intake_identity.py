"""One applicant, one Person: apply -> forward to the SIS -> the SIS decides -> pull or push.

End to end over loopback HTTP, on SQLite and PostgreSQL (the ``engine`` fixture): the
simulated SIS (:mod:`tests.integration.sis_school`, a school on a real-date catalogue the
gateway pulls first) takes the forwarded application, the school decides in the SIS, and
the SIS's record of the applicant comes back through a pull (the gateway as client) or a
push (the SIS ``PUT`` s to the gateway's mbo profile receiver on its own port). Before the
intake gave applicants their ``personId``, the applicant came back as a second ``Person``
(the SIS's copy under the canonical id of the gateway's id); these tests count persons.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, date, datetime
from uuid import UUID

import httpx
import pytest
from sqlalchemy import Engine

from gateway.adapters.standards import Standards
from gateway.api.app import create_app
from gateway.api.auth.clients import ClientRegistry
from gateway.api.testing import settings_for_tests
from gateway.bootstrap import Gateway, bootstrap
from gateway.domain import Cohort, PersonalData
from gateway.events.publisher import InMemoryEventPublisher
from gateway.mappings.ooapi_v5_mbo_in import canonical_id
from gateway.settings import SourceConfig
from gateway.store.persons import PersonStore
from gateway.store.quarantine import Quarantine
from gateway.sync.intake_applications import IntakeApplications
from gateway.sync.intake_forwarding import IntakeForwarding
from gateway.sync.intake_submission import NewApplicant, Submission, school_today
from gateway.sync.ooapi_enrolment import run_enrolment_sync
from gateway.sync.scheduler import run_sync
from gateway.testing.serving import serve_in_thread
from simulators.ooapi_sis.push import PushReport, push_to
from tests.integration.sis_school import SchoolSis, serving_school

TENANT, SOURCE, FLOW_1_5 = "roc-a", "sis", "nl-test-admin-flow-1-5"
APPLICANT = PersonalData(given_name="Fenna", family_name="Bakker", birth_date=date(2009, 6, 1),
                         email="fenna.bakker@example.org")


@dataclass
class World:
    gateway: Gateway
    sis: SchoolSis
    standards: Standards
    base: str
    secret: str
    cohort: Cohort

    def apply(self, key: str) -> tuple[UUID, UUID]:
        """A new applicant applies through the intake; (application id, person id)."""
        submitted = IntakeApplications(self.gateway).submit(TENANT, "web", key, Submission(
            cohort_id=self.cohort.id, applicant=NewApplicant(APPLICANT)))
        return submitted.application.id, submitted.application.person_id

    def forward(self) -> None:
        report = IntakeForwarding(self.gateway, TENANT, standards=self.standards
                                  ).run_until_idle()
        assert (report.forwarded, report.rejected, report.waiting) == (1, 0, False)

    def push(self, *, students: int, phases: tuple[str, ...],
             received: bool = False) -> PushReport:
        """The SIS pushes to the gateway's mbo profile receiver."""
        report = push_to(self.sis.school, f"{self.base}/ooapi/v5-mbo",
                         f"{self.base}/oauth/token", "sis-push", self.secret, concurrency=2,
                         association_types=("programOfferingAssociation",),
                         students=students, phases=phases, received=received)
        assert report.ok, report.failures[:3]
        return report

    def person_ids(self) -> set[UUID]:
        return {UUID(str(s.state["id"])) for s in self.gateway.store.list(TENANT, "person")}

    def holding_applicant_data(self) -> list[UUID]:
        """The stored persons whose personal data is the applicant's (by e-mail address)."""
        persons = PersonStore(self.gateway.store)
        return [i for i in sorted(self.person_ids())
                if persons.get_personal_data(TENANT, i).email == APPLICANT.email]

    def state(self, ident: UUID) -> str:
        return str(self.gateway.store.get(TENANT, ident).state["state"])


@pytest.fixture
def world(engine: Engine, standards: Standards) -> Iterator[World]:
    with ExitStack() as stack:
        today = school_today(lambda: datetime.now(UTC))  # tokens verify on the real clock
        sis = stack.enter_context(serving_school(standards, students=12, offerings=6, seed=4,
                                                 today=today))
        source = SourceConfig(tenant=TENANT, name=SOURCE, base_url=sis.url,
                              token_url=f"{sis.url}/oauth/token", client_id=sis.client_id,
                              client_secret=sis.secret, page_size=20,
                              resources=("catalogue", "enrolment"))
        gateway = bootstrap(settings_for_tests(standards_dir=standards.root, sources=[source],
                                               token_ttl_seconds=3600),
                            engine=engine, publisher=InMemoryEventPublisher())
        stack.callback(gateway.close)
        secret = ClientRegistry.for_gateway(gateway).register(TENANT, "sis-push", [FLOW_1_5])
        port = stack.enter_context(serve_in_thread(create_app(gateway)))
        run_sync(gateway, TENANT, SOURCE, full=True)  # the cohorts, from this SIS
        cohorts = [Cohort.model_validate(s.state) for s in gateway.store.list(TENANT, "cohort")]
        cohort = next(c for c in cohorts if c.open_for_application(today)
                      and c.source.id in sis.school.upcoming)
        yield World(gateway, sis, standards, f"http://127.0.0.1:{port}", secret, cohort)


@pytest.mark.parametrize(("decision", "sis_state", "application", "enrolment"), [
    ("accept", "associated", "accepted", "enrolled"),
    ("reject", "denied", "rejected", "rejected"),  # pending -> denied: no longer refused
])
def test_a_forwarded_applicant_pulled_back_is_the_same_person(
    world: World, decision: str, sis_state: str, application: str, enrolment: str,
) -> None:
    app_id, person_id = world.apply("key-1")
    world.forward()
    sent = world.sis.school.received.association(str(app_id))
    assert sent is not None
    assert canonical_id(TENANT, "person", sent[1]) == person_id  # the SIS knows our person

    first = run_enrolment_sync(world.gateway, TENANT, SOURCE, full=True)
    assert (first.persons_created, first.applications_changed) == (
        world.sis.school.persons, 1)  # the applicant was already there: not created again
    assert (world.state(app_id), world.state(canonical_id(TENANT, "enrolment", app_id))) == (
        "in_review", "in_review")

    world.sis.mutate(**{decision: str(app_id)})
    decided = world.sis.school.received.association(str(app_id))
    assert decided is not None and decided[0]["state"] == sis_state
    again = run_enrolment_sync(world.gateway, TENANT, SOURCE, full=True)
    assert (again.quarantined, again.applications_changed, again.persons_created) == (0, 1, 0)
    assert Quarantine(world.gateway.engine).list(TENANT) == []

    sis_persons = {canonical_id(TENANT, "person", world.sis.school.person_id(n))
                   for n in range(world.sis.school.persons)}
    assert world.person_ids() == sis_persons | {person_id}  # one Person per human
    assert world.holding_applicant_data() == [person_id]
    stored = world.gateway.store.get(TENANT, canonical_id(TENANT, "enrolment", app_id)).state
    assert (stored["person_id"], stored["application_id"]) == (str(person_id), str(app_id))
    assert (world.state(app_id), stored["state"]) == (application, enrolment)


def test_a_forwarded_applicant_pushed_back_by_the_sis_is_the_same_person(
    world: World,
) -> None:
    app_id, person_id = world.apply("key-2")
    world.forward()
    world.sis.mutate(accept=str(app_id))
    staff = [world.sis.school.person_id(n)
             for n in range(world.sis.school.students, world.sis.school.persons)]
    report = world.push(students=0, phases=("persons", "associations"), received=True)
    assert report.by_phase == {"persons": len(staff) + 1, "associations": 1}

    assert world.person_ids() == {canonical_id(TENANT, "person", p) for p in staff} | {
        person_id}
    assert world.holding_applicant_data() == [person_id]
    pushed = world.gateway.store.get(TENANT, canonical_id(TENANT, "enrolment", app_id)).state
    assert (pushed["person_id"], pushed["application_id"], pushed["state"]) == (
        str(person_id), str(app_id), "enrolled")
    sent = world.sis.school.received.association(str(app_id))
    assert sent is not None
    with httpx.Client(base_url=world.base, timeout=30) as http:
        token = http.post("/oauth/token", data={"grant_type": "client_credentials"},
                          auth=("sis-push", world.secret)).json()["access_token"]
        reply = http.get(f"/ooapi/v5-mbo/persons/{sent[1]}",
                         headers={"Authorization": f"Bearer {token}"})
    assert reply.status_code == 200 and reply.json()["mail"] == APPLICANT.email

    # the pushed enrolment's event reaches the application through the forwarding loop
    assert world.state(app_id) == "received"
    followed = IntakeForwarding(world.gateway, TENANT, standards=world.standards
                                ).run_until_idle()
    assert (followed.decided, followed.forwarded) == (1, 0)
    assert world.state(app_id) == "accepted"

    pulled = run_enrolment_sync(world.gateway, TENANT, SOURCE, full=True)
    assert pulled.quarantined == 0
    assert pulled.persons_created == world.sis.school.students  # staff and applicant known
    assert world.holding_applicant_data() == [person_id]
    assert world.state(app_id) == "accepted"


def test_a_person_pushed_then_pulled_is_one_person(world: World) -> None:
    world.push(students=3, phases=("persons",))
    school = world.sis.school
    pushed = [*range(3), *range(school.students, school.persons)]
    assert world.person_ids() == {canonical_id(TENANT, "person", school.person_id(n))
                                  for n in pushed}
    report = run_enrolment_sync(world.gateway, TENANT, SOURCE, full=True)
    assert report.persons_created == school.persons - len(pushed)
    assert world.person_ids() == {canonical_id(TENANT, "person", school.person_id(n))
                                  for n in range(school.persons)}
