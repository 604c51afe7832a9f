"""The intake use case on SQLite and PostgreSQL: Dutch days, repeated runs, locked transitions."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Engine

from gateway.api.testing import settings_for_tests
from gateway.bootstrap import Gateway, bootstrap
from gateway.domain import Application, Person
from gateway.domain.enrolment import EnrolmentState
from gateway.errors import NotFoundError, TransitionError
from gateway.events.publisher import InMemoryEventPublisher
from gateway.sync.intake_applications import IntakeApplications
from gateway.sync.intake_submission import CohortNotOpen, KeyReused, Submission
from tests import factories

UPSERTED = "nl.mbo.enrolment.application.upserted.v1"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 1, 11, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def gateway(engine: Engine, clock: Clock) -> Iterator[Gateway]:
    gw = bootstrap(settings_for_tests(), engine=engine, publisher=InMemoryEventPublisher(),
                   clock=clock)
    yield gw
    gw.publisher.close() if gw.publisher else None


@pytest.fixture
def seeded(gateway: Gateway) -> tuple[IntakeApplications, Submission, Submission]:
    offering = factories.offering()
    april = factories.cohort(ident="c-april", offering_id=offering.id,
                             application_start=date(2026, 4, 1),
                             application_end=date(2026, 8, 15))
    march = factories.cohort(ident="c-march", offering_id=offering.id,
                             application_start=date(2026, 2, 1))
    person = Person.create(tenant="roc-a", source=factories.src("p1"))
    gateway.store.upsert([offering, april, march, person])
    return (IntakeApplications(gateway), Submission(cohort_id=april.id, person_id=person.id),
            Submission(cohort_id=march.id, person_id=person.id))


def _events(gateway: Gateway) -> list[str]:
    return [e.subject for e in gateway.event_log.read("roc-a", limit=1000).events
            if e.type == UPSERTED]


def test_today_is_the_calendar_day_in_amsterdam(
    seeded: tuple[IntakeApplications, Submission, Submission], clock: Clock,
) -> None:
    intake, april, _ = seeded
    clock.now = datetime(2026, 3, 31, 21, 59, 59, tzinfo=UTC)  # 23:59:59 CEST
    assert intake.today() == date(2026, 3, 31)
    with pytest.raises(CohortNotOpen) as refused:
        intake.submit("roc-a", "app", "k1", april)
    assert refused.value.context["reason"] == "application-window-not-open"
    clock.now = datetime(2026, 3, 31, 22, 0, tzinfo=UTC)  # 1 April, 00:00 CEST
    submitted = intake.submit("roc-a", "app", "k1", april)
    assert submitted.created
    assert submitted.application.submitted_on == date(2026, 4, 1)


def test_a_second_run_of_one_key_finds_its_application(
    gateway: Gateway, seeded: tuple[IntakeApplications, Submission, Submission],
) -> None:
    intake, _, march = seeded
    first = intake.submit("roc-a", "app", "k1", march)
    again = intake.submit("roc-a", "app", "k1", march)
    assert (first.created, again.created) == (True, False)
    assert again.application == first.application
    assert _events(gateway) == [str(first.application.id)]
    other = intake.submit("roc-a", "other-app", "k1", march)
    assert other.created and other.application.id != first.application.id
    with pytest.raises(KeyReused):
        intake.submit("roc-a", "app", "k1", Submission(
            cohort_id=factories.cohort(ident="c-april").id, person_id=march.person_id))


@pytest.mark.parametrize("rounds", range(3))
def test_concurrent_transitions_decide_on_the_stored_state(
    gateway: Gateway, seeded: tuple[IntakeApplications, Submission, Submission], rounds: int,
) -> None:
    intake, _, march = seeded
    ident = intake.submit("roc-a", "app", f"k{rounds}", march).application.id
    targets = [EnrolmentState.WITHDRAWN, EnrolmentState.REJECTED] * 6
    start = threading.Barrier(len(targets))

    def change(target: EnrolmentState) -> tuple[EnrolmentState, bool]:
        start.wait()
        try:
            intake.change_state("roc-a", ident, target)
        except TransitionError:
            return target, False
        return target, True

    with ThreadPoolExecutor(len(targets)) as pool:
        outcomes = list(pool.map(change, targets))
    application, stored = intake.get("roc-a", ident)
    winners = {target for target, ok in outcomes if ok}
    losers = {target for target, ok in outcomes if not ok}
    assert winners == {application.state}
    assert losers == {EnrolmentState.WITHDRAWN, EnrolmentState.REJECTED} - winners
    assert stored.version == 2
    assert _events(gateway).count(str(ident)) == 2


def test_a_refused_transition_changes_nothing(
    gateway: Gateway, seeded: tuple[IntakeApplications, Submission, Submission],
) -> None:
    intake, _, march = seeded
    ident = intake.submit("roc-a", "app", "k1", march).application.id
    intake.change_state("roc-a", ident, EnrolmentState.REJECTED)
    before = gateway.store.get("roc-a", ident)
    head = gateway.event_log.head("roc-a")
    with pytest.raises(TransitionError) as refused:
        intake.withdraw("roc-a", ident)
    assert refused.value.context == {"from_state": "rejected", "to_state": "withdrawn",
                                     "allowed": []}
    after = gateway.store.get("roc-a", ident)
    assert (after.version, after.state, after.updated_at) == (
        before.version, before.state, before.updated_at)
    assert gateway.event_log.head("roc-a") == head


def test_only_applications_of_the_tenant_change(
    gateway: Gateway, seeded: tuple[IntakeApplications, Submission, Submission],
) -> None:
    intake, _, march = seeded
    ident = intake.submit("roc-a", "app", "k1", march).application.id
    with pytest.raises(NotFoundError):
        intake.withdraw("roc-b", ident)
    with pytest.raises(NotFoundError):
        intake.withdraw("roc-a", march.cohort_id)  # a cohort is no application
    assert Application.model_validate(gateway.store.get("roc-a", ident).state).state is (
        EnrolmentState.RECEIVED)
