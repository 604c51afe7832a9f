"""Use case: applications (aanmeldingen) through the gateway's intake API.

:meth:`IntakeApplications.submit` checks the cohort (it exists for the tenant and is open
for application today) and the person (an existing one by id, or a new applicant whose
personal data goes into the ``person_data`` store, never into an event), then stores the
canonical :class:`Application` in state ``received``: one event on the enrolment topic.
:meth:`IntakeApplications.withdraw` moves it to ``withdrawn`` under a row lock, so the
state machine decides on the stored state.

Ids are derived from the client and its idempotency key, so a submission that runs twice
(its first run crashed before its response was stored) finds its own application instead
of creating a second one.

A new applicant is one human for the gateway *and* the SIS: the intake gives it the
``personId`` the SIS will know it by (:func:`applicant_source`, a UUID of its own) and
stores it under that id of the mbo profile, so its canonical id is what
:func:`~gateway.mappings.ooapi_v5_mbo_in.canonical_id` makes of that ``personId``. The
forwarding (:mod:`.intake_forwarding`) sends that ``personId``; when the SIS serves the
person back (a pull) or pushes it (``PUT /persons/{personId}``), it lands on the same
canonical person instead of a second one.

"Today" is the date in the schools' time zone (Europe/Amsterdam) at the gateway's clock:
an application window is a range of Dutch calendar days.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from gateway.bootstrap import Gateway
from gateway.domain import Application, Cohort, Person, SourceRef
from gateway.domain.enrolment import EnrolmentState, transition
from gateway.domain.ids import entity_id
from gateway.errors import NotFoundError
from gateway.mappings.association_states import to_enrolment_state
from gateway.store.entities import StoredEntity
from gateway.store.locked_update import LockedChange, change_locked
from gateway.store.motivations import Motivations
from gateway.store.persons import PersonStore
from gateway.sync.intake_submission import (
    INTAKE_SOURCE,
    KeyReused,
    ReferenceNotFound,
    Submission,
    Submitted,
    applicant_source,
    check_open,
    operation_key,
    school_today,
)

__all__ = ["IntakeApplications"]


class IntakeApplications:
    """Submit, read and withdraw applications of one gateway.

    Args:
        gateway: the composed gateway (store, clock).
        persons: where new applicants go; defaults to a ``PersonStore`` on the gateway.
        motivations: where motivations go; defaults to the gateway's database.
    """

    def __init__(
        self, gateway: Gateway, *, persons: PersonStore | None = None,
        motivations: Motivations | None = None,
    ) -> None:
        self.gateway = gateway
        self.store = gateway.store
        self.persons = persons or PersonStore(gateway.store)
        self.motivations = motivations or Motivations(gateway.engine, clock=gateway.clock)

    def today(self) -> date:
        """The Dutch calendar date at the gateway's clock."""
        return school_today(self.gateway.clock)

    def submit(self, tenant: str, client_id: str, key: str, submission: Submission) -> Submitted:
        """Store a new application in state ``received`` (see the module docstring).

        Raises:
            ReferenceNotFound: no such cohort (or person) for the tenant.
            CohortNotOpen: the cohort takes no applications today.
            KeyReused: the key already made an application for another cohort or person.
        """
        source = SourceRef(system=INTAKE_SOURCE, id=operation_key(client_id, key))
        existing = self._live(tenant, entity_id(tenant, source.system, Application.kind,
                                                source.id))
        if existing is not None:
            return self._repeat(existing, submission, source, tenant)
        cohort = self._cohort(tenant, submission.cohort_id)
        check_open(cohort, self.today())
        person_id = self._person(tenant, source, submission)
        application: Application = Application.create(
            tenant=tenant, source=source, person_id=person_id, cohort_id=cohort.id,
            submitted_on=self.today())
        if submission.motivation:
            self.motivations.put(tenant, application.id, person_id, submission.motivation)
        result = self.store.upsert([application])
        if result.created == 0:  # a concurrent run of the same key stored it first
            stored = self.store.get(tenant, application.id)
            return Submitted(Application.model_validate(stored.state), stored.version, False)
        return Submitted(application, 1, True)

    def get(self, tenant: str, application_id: UUID) -> tuple[Application, StoredEntity]:
        """The stored application.

        Raises:
            NotFoundError: the tenant has no such application.
        """
        try:
            stored = self.store.get(tenant, application_id)
        except NotFoundError:
            stored = None
        if stored is None or stored.kind != Application.kind:
            raise NotFoundError(f"no application {application_id}")
        return Application.model_validate(stored.state), stored

    def change_state(
        self, tenant: str, application_id: UUID, target: EnrolmentState
    ) -> LockedChange:
        """Move an application to ``target`` if the machine allows it from the stored state.

        Raises:
            NotFoundError: the tenant has no such application.
            TransitionError: the machine does not allow it; nothing was written.
        """

        def change(entity: object) -> Application:
            assert isinstance(entity, Application)  # noqa: S101 - kind checked by the store
            state = transition(entity.state, target)
            return Application.model_validate({**entity.snapshot(), "state": state})

        return change_locked(self.store, tenant, application_id, change, kind=Application.kind)

    def apply_association_state(
        self, tenant: str, application_id: UUID, state: str
    ) -> LockedChange:
        """The SIS said ``state`` (an OOAPI association state) of the forwarded application.

        For the pull: the association's id is the application's id.

        Raises:
            ValueError: ``state`` is no OOAPI association state.
            NotFoundError: the tenant has no such application.
            TransitionError: the machine does not allow it; nothing was written.
        """
        target = to_enrolment_state(state, "application")
        return self.change_state(tenant, application_id, target)

    def withdraw(self, tenant: str, application_id: UUID) -> LockedChange:
        """The applicant withdraws (see :meth:`change_state`)."""
        return self.change_state(tenant, application_id, EnrolmentState.WITHDRAWN)

    # -- checks -------------------------------------------------------------------------
    def _cohort(self, tenant: str, cohort_id: UUID) -> Cohort:
        stored = self._live(tenant, cohort_id)
        if stored is None or stored.kind != Cohort.kind:
            raise ReferenceNotFound(f"tenant {tenant} has no cohort {cohort_id}",
                                    path="/cohortId")
        cohort = stored.entity()
        assert isinstance(cohort, Cohort)  # noqa: S101 - kind checked above
        return cohort

    def _person(self, tenant: str, source: SourceRef, submission: Submission) -> UUID:
        if submission.person_id is not None:
            stored = self._live(tenant, submission.person_id)
            if stored is None or stored.kind != Person.kind:
                raise ReferenceNotFound(f"tenant {tenant} has no person {submission.person_id}",
                                        path="/person/personId")
            return submission.person_id
        assert submission.applicant is not None  # noqa: S101 - Submission checks one of two
        person: Person = Person.create(tenant=tenant,
                                       source=applicant_source(tenant, source.id),
                                       eck_id=submission.applicant.eck_id)
        written = self.persons.upsert(person, submission.applicant.personal_data)
        return written.person.id

    def _live(self, tenant: str, ident: UUID) -> StoredEntity | None:
        try:
            return self.store.get(tenant, ident)
        except NotFoundError:
            return None

    def _repeat(
        self, stored: StoredEntity, submission: Submission, source: SourceRef, tenant: str,
    ) -> Submitted:
        """A second run of one key: the same request gets its application back."""
        application = Application.model_validate(stored.state)
        if submission.person_id is not None:
            person = submission.person_id
        else:
            ref = applicant_source(tenant, source.id)
            person = entity_id(tenant, ref.system, Person.kind, ref.id)
        if application.cohort_id != submission.cohort_id or application.person_id != person:
            raise KeyReused("this Idempotency-Key already made another application; "
                            "use a new key for a new application")
        return Submitted(application, stored.version, False)

