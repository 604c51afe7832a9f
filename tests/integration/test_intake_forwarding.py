"""Forwarding applications to the simulated SIS (mbo profile) over loopback, both databases.

The gateway is the SIS's client here: applications go out as ``PUT /associations/{id}``,
the school decides in the SIS, and the decision comes back as a state change.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
from jsonschema import Draft202012Validator
from sqlalchemy import Engine, select

from gateway.adapters.ooapi.association_sink import AssociationSink
from gateway.adapters.ooapi.client import OoapiClient
from gateway.adapters.standards import Standards
from gateway.api.testing import settings_for_tests
from gateway.bootstrap import Gateway, bootstrap
from gateway.domain import Cohort, Person, PersonalData, SourceRef
from gateway.domain.enrolment import EnrolmentState
from gateway.events.publisher import InMemoryEventPublisher
from gateway.events.schemas import event_schemas
from gateway.events.types import DEADLETTER_TYPE
from gateway.mappings.ooapi_v5_mbo_in import canonical_id
from gateway.settings import SourceConfig
from gateway.store.intake_forwarding import ForwardingState, ForwardingStatus
from gateway.store.persons import PersonStore
from gateway.store.quarantine import Quarantine
from gateway.store.tables import quarantine
from gateway.sync.dlq_replay import NotReplayable, replay
from gateway.sync.intake_applications import IntakeApplications
from gateway.sync.intake_forwarding import IntakeForwarding, start_intake_forwarding
from gateway.sync.intake_submission import NewApplicant, Submission, school_today
from gateway.testing import free_port
from simulators.ooapi_sis.generator import SisCatalogue
from simulators.ooapi_sis.population import SisSchool
from simulators.ooapi_sis.population_writes import profile_check
from simulators.ooapi_sis.server import running_sis
from tests import factories

CLIENT, SECRET = "gateway", "sis-secret-for-tests"
APPLICANT = PersonalData(given_name="Fenna", family_name="Bakker", birth_date=date(2009, 6, 1),
                         email="fenna.bakker@example.org")
SECRETS = ("Fenna", "Bakker", "fenna.bakker@example.org", "2009-06-01")


@dataclass
class Setup:
    gateway: Gateway
    standards: Standards
    sis: str
    school: SisSchool
    cohort: Cohort
    intake: IntakeApplications

    def forwarding(self, **options: Any) -> IntakeForwarding:
        return IntakeForwarding(self.gateway, "roc-a", standards=self.standards, **options)

    def association(self, ident: UUID) -> dict[str, Any]:
        with OoapiClient.for_source(self.source()) as client:
            document: dict[str, Any] = client.get(f"/associations/{ident}")
        return document

    def source(self) -> SourceConfig:
        return self.gateway.settings.sources[0]

    def apply(self, *, person: UUID | None = None) -> UUID:
        applicant = None if person else NewApplicant(APPLICANT)
        submitted = self.intake.submit("roc-a", "client", str(uuid4()), Submission(
            cohort_id=self.cohort.id, person_id=person, applicant=applicant))
        return submitted.application.id

    def decide(self, ident: UUID, accept: bool) -> None:
        source = self.source()
        token = httpx.post(f"{self.sis}/oauth/token", data={"grant_type": "client_credentials"},
                           auth=(CLIENT, SECRET), timeout=10).json()["access_token"]
        reply = httpx.post(f"{self.sis}/_simulator/mutate",
                           params={"accept" if accept else "reject": str(ident)},
                           headers={"Authorization": f"Bearer {token}"}, timeout=10)
        assert reply.status_code == 200, (source.name, reply.text)


@pytest.fixture
def setup(engine: Engine, standards: Standards) -> Iterator[Setup]:
    catalogue = SisCatalogue(4, seed=11)
    school = SisSchool(catalogue, students=30)
    with running_sis(catalogue, client_id=CLIENT, client_secret=SECRET, school=school,
                     check=profile_check(standards)) as base:
        source = SourceConfig(tenant="roc-a", name="sis", base_url=base,
                              token_url=f"{base}/oauth/token", client_id=CLIENT,
                              client_secret=SECRET)
        gateway = bootstrap(settings_for_tests(sources=[source]), engine=engine,
                            publisher=InMemoryEventPublisher())
        today = school_today(gateway.clock)
        offering = factories.offering()
        cohort = factories.cohort(offering_id=offering.id,
                                  application_start=today - timedelta(days=30),
                                  application_end=today + timedelta(days=30),
                                  start_date=today + timedelta(days=60))
        # the cohort came from this SIS: its source id is the SIS's program offering id
        cohort = Cohort.model_validate({**cohort.snapshot(), "source": {
            "system": "sis", "id": school.upcoming[0]}, "id": cohort.id})
        gateway.store.upsert([offering, cohort])
        yield Setup(gateway, standards, base, school, cohort, IntakeApplications(gateway))


def _sis_person(setup: Setup, system: str) -> Person:
    """A student the SIS knows, as the gateway holds it after a pull or a push."""
    sis_id = setup.school.person_of(0)["personId"]
    person: Person = Person.create(tenant="roc-a", source=SourceRef(system=system, id=sis_id))
    PersonStore(setup.gateway.store).upsert(person, PersonalData(given_name="Known"))
    return person


@pytest.mark.parametrize("system", ["sis", "ooapi-v5-mbo"])  # its source name; the profile
def test_new_and_known_applicants_reach_the_sis_as_pending_associations(
    setup: Setup, system: str,
) -> None:
    known = _sis_person(setup, system)
    new_id, known_id = setup.apply(), setup.apply(person=known.id)
    report = setup.forwarding().run_until_idle()
    assert (report.forwarded, report.rejected, report.waiting) == (2, 0, False)
    for ident in (new_id, known_id):
        sis = setup.association(ident)
        assert (sis["associationId"], sis["state"], sis["associationType"], sis["role"]) == (
            str(ident), "pending", "programOfferingAssociation", "student")
        assert sis["offering"] == setup.school.upcoming[0]
        record = ForwardingState(setup.gateway.engine).get("roc-a", ident)
        assert record is not None and record.status is ForwardingStatus.FORWARDED
        assert record.target == "sis"
    assert setup.association(known_id)["person"] == known.source.id  # the SIS's own id
    new_person = setup.association(new_id)["person"]
    assert setup.school.person(new_person)["givenName"] == "Fenna"  # sent expanded
    again = setup.forwarding().run_until_idle()
    assert (again.events, again.forwarded) == (0, 0)


def test_a_withdrawal_cancels_the_association(setup: Setup) -> None:
    ident = setup.apply()
    setup.forwarding().run_until_idle()
    setup.intake.withdraw("roc-a", ident)
    report = setup.forwarding().run_until_idle()
    assert report.forwarded == 1
    assert setup.association(ident)["state"] == "canceled"
    record = ForwardingState(setup.gateway.engine).get("roc-a", ident)
    assert record is not None and record.entity_version == 2


@pytest.mark.parametrize(("accept", "state"), [(True, EnrolmentState.ACCEPTED),
                                               (False, EnrolmentState.REJECTED)])
def test_the_schools_decision_comes_back_as_a_state_change(
    setup: Setup, accept: bool, state: EnrolmentState,
) -> None:
    ident = setup.apply()
    setup.forwarding().run_until_idle()
    setup.decide(ident, accept)
    decided = setup.association(ident)["state"]
    assert decided == ("associated" if accept else "denied")
    change = setup.intake.apply_association_state("roc-a", ident, decided)
    assert change.after.state is state
    report = setup.forwarding().run_until_idle()
    assert (report.events, report.skipped, report.forwarded) == (1, 1, 0)  # not echoed


def test_a_refusal_is_dead_lettered_without_personal_data(setup: Setup) -> None:
    gateway = setup.gateway
    unknown = Cohort.model_validate({**setup.cohort.snapshot(), "code": "GHOST", "source": {
        "system": "sis", "id": str(uuid4())}, "id": str(uuid4())})
    gateway.store.upsert([unknown])
    applicant = setup.intake.submit("roc-a", "client", "ghost", Submission(
        cohort_id=unknown.id, applicant=NewApplicant(APPLICANT))).application.id
    fine = setup.apply()
    report = setup.forwarding().run_until_idle()
    assert (report.rejected, report.forwarded) == (1, 1)
    record = ForwardingState(gateway.engine).get("roc-a", applicant)
    assert record is not None and record.status is ForwardingStatus.REJECTED
    assert "HTTP 404" in record.detail
    letters = [e for e in gateway.event_log.read("roc-a", limit=1000).events
               if e.type == DEADLETTER_TYPE]
    assert len(letters) == 1
    letter = letters[0]
    assert letter.topic == "mbo.roc-a.deadletter"
    Draft202012Validator(event_schemas()[DEADLETTER_TYPE]).validate(letter.data)
    assert (letter.data["entityId"], letter.data["code"]) == (str(applicant), "sis-rejected")
    original = json.loads(letter.data["original"])
    assert original["associationId"] == str(applicant)
    # by the personId the intake gave the applicant, which maps to the applicant's Person
    person = setup.intake.get("roc-a", applicant)[0].person_id
    assert canonical_id("roc-a", "person", original["person"]) == person
    assert PersonStore(gateway.store).get("roc-a", person).id == person
    with gateway.engine.connect() as conn:
        rows = conn.execute(select(quarantine.c.raw, quarantine.c.reason)).all()
    everything = json.dumps([e.data for e in gateway.event_log.read("roc-a", limit=1000)
                             .events]) + repr(rows)
    assert [s for s in SECRETS if s in everything] == []
    assert len(rows) == 1 and "sis-rejected" in rows[0].reason
    assert fine and setup.association(fine)["state"] == "pending"


def test_an_unavailable_sis_stops_the_batch_and_loses_nothing(setup: Setup) -> None:
    first, second = setup.apply(), setup.apply()
    dead = f"http://127.0.0.1:{free_port()}"
    calls: list[float] = []
    down = setup.forwarding(sinks=lambda source: AssociationSink(
        dead, setup.standards, max_attempts=3, sleep=calls.append))
    report = down.run_until_idle()
    assert (report.waiting, report.forwarded, report.rejected) == (True, 0, 0)
    assert len(calls) == 2  # retried before giving up
    state = ForwardingState(setup.gateway.engine)
    assert state.cursor("roc-a") < setup.gateway.event_log.head("roc-a")
    assert state.get("roc-a", first) is None
    report = setup.forwarding().run_until_idle()
    assert (report.forwarded, report.waiting) == (2, False)
    assert {setup.association(i)["state"] for i in (first, second)} == {"pending"}


def test_a_tenant_without_an_sis_dead_letters(setup: Setup) -> None:
    gateway = setup.gateway
    offering = factories.offering("roc-b")
    today = school_today(gateway.clock)
    cohort = factories.cohort("roc-b", offering_id=offering.id,
                              application_start=today - timedelta(days=3), application_end=None,
                              start_date=today + timedelta(days=30))
    gateway.store.upsert([offering, cohort])
    ident = setup.intake.submit("roc-b", "client", "k", Submission(
        cohort_id=cohort.id, applicant=NewApplicant(APPLICANT))).application.id
    report = IntakeForwarding(gateway, "roc-b", standards=setup.standards).run_until_idle()
    assert report.rejected == 1
    letter = next(e for e in gateway.event_log.read("roc-b", limit=100).events
                  if e.type == DEADLETTER_TYPE)
    assert (letter.data["code"], letter.data["entityId"]) == ("no-sis", str(ident))
    assert json.loads(letter.data["original"])["application"]["id"] == str(ident)


def test_the_background_loops_forward_until_stopped(setup: Setup) -> None:
    stop = threading.Event()
    threads = start_intake_forwarding(setup.gateway, setup.standards, stop, interval=0.05)
    try:
        assert [t.name for t in threads] == ["intake-forwarding-roc-a"]  # roc-b has no SIS
        ident = setup.apply()
        state = ForwardingState(setup.gateway.engine)
        deadline = time.monotonic() + 60
        while state.get("roc-a", ident) is None and time.monotonic() < deadline:
            time.sleep(0.05)
        record = state.get("roc-a", ident)
        assert record is not None and record.status is ForwardingStatus.FORWARDED
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
    assert not any(t.is_alive() for t in threads)
    assert setup.association(ident)["state"] == "pending"


def _refused(setup: Setup) -> tuple[UUID, str, int]:
    """An application the SIS refused (its cohort is unknown there): id, SIS id, record."""
    ghost = str(uuid4())
    unknown = Cohort.model_validate({**setup.cohort.snapshot(), "code": "GHOST", "source": {
        "system": "sis", "id": ghost}, "id": str(uuid4())})
    setup.gateway.store.upsert([unknown])
    ident = setup.intake.submit("roc-a", "client", "ghost", Submission(
        cohort_id=unknown.id, applicant=NewApplicant(APPLICANT))).application.id
    assert setup.forwarding().run_until_idle().rejected == 1
    [row] = Quarantine(setup.gateway.engine).list("roc-a")
    return ident, ghost, row.id


def test_a_replayed_refusal_is_forwarded_once_the_cause_is_fixed(setup: Setup) -> None:
    ident, ghost, record = _refused(setup)
    offerings = setup.school.catalogue.offerings  # the SIS gets the offering it lacked
    offerings[ghost] = {**offerings[setup.school.upcoming[0]], "offeringId": ghost}
    assert setup.forwarding().run_until_idle().forwarded == 0  # nothing replays by itself

    first = replay(setup.gateway.engine, "roc-a", record)
    again = replay(setup.gateway.engine, "roc-a", record)
    assert (first.queued, first.item, again.queued) == (True, ident, False)
    report = setup.forwarding().run_until_idle()
    assert (report.forwarded, report.rejected, report.waiting) == (1, 0, False)
    sis = setup.association(ident)
    assert (sis["state"], sis["offering"]) == ("pending", ghost)
    state = ForwardingState(setup.gateway.engine).get("roc-a", ident)
    assert state is not None and (state.status, state.detail) == (ForwardingStatus.FORWARDED, "")
    assert setup.forwarding().run_until_idle().forwarded == 0  # sent once
    assert Quarantine(setup.gateway.engine).list("roc-a") == []


def test_an_intake_replay_refused_again_is_dead_lettered_anew(setup: Setup) -> None:
    ident, _, record = _refused(setup)
    replay(setup.gateway.engine, "roc-a", record)
    report = setup.forwarding().run_until_idle()
    assert (report.forwarded, report.rejected) == (0, 1)
    letters = [e for e in setup.gateway.event_log.read("roc-a", limit=1000).events
               if e.type == DEADLETTER_TYPE]
    assert [e.data["entityId"] for e in letters] == [str(ident)] * 2
    assert len({e.subject for e in letters}) == 2
    [open_row] = Quarantine(setup.gateway.engine).list("roc-a")
    assert open_row.id != record and open_row.path == str(ident)
    assert setup.forwarding().run_until_idle().rejected == 0


def test_a_pulled_application_record_is_not_replayed(setup: Setup) -> None:
    forwarded = setup.apply()
    setup.forwarding().run_until_idle()
    quarantine = Quarantine(setup.gateway.engine)
    pulled = quarantine.put(tenant="roc-a", source="other-sis", kind="application",
                            path=str(forwarded), reason="bad", raw="{}")
    with pytest.raises(NotReplayable, match="fix the record at its source"):
        replay(setup.gateway.engine, "roc-a", pulled)
    assert [r.id for r in quarantine.list("roc-a")] == [pulled]
