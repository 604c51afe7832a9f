"""Applications (aanmeldingen) and enrolments (inschrijvingen), with one state machine."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import ClassVar
from uuid import UUID

from pydantic import Field, model_validator

from gateway.domain.base import Domain, Entity
from gateway.domain.values import check_order
from gateway.errors import TransitionError

__all__ = [
    "APPLICATION_STATES",
    "ENROLMENT_STATES",
    "FINAL_STATES",
    "Application",
    "Enrolment",
    "EnrolmentState",
    "Participation",
    "ParticipationKind",
    "ParticipationRole",
    "allowed_transitions",
    "transition",
]


class EnrolmentState(StrEnum):
    """States an application and the enrolment it becomes pass through."""

    RECEIVED = "received"
    IN_REVIEW = "in_review"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    ENROLLED = "enrolled"
    INTERRUPTED = "interrupted"
    ENDED = "ended"


_S = EnrolmentState
_TRANSITIONS: dict[EnrolmentState, frozenset[EnrolmentState]] = {
    _S.RECEIVED: frozenset({_S.IN_REVIEW, _S.ACCEPTED, _S.REJECTED, _S.WITHDRAWN}),
    _S.IN_REVIEW: frozenset({_S.ACCEPTED, _S.REJECTED, _S.WITHDRAWN}),
    _S.ACCEPTED: frozenset({_S.ENROLLED, _S.WITHDRAWN}),
    _S.REJECTED: frozenset(),
    _S.WITHDRAWN: frozenset(),
    _S.ENROLLED: frozenset({_S.INTERRUPTED, _S.ENDED}),
    _S.INTERRUPTED: frozenset({_S.ENROLLED, _S.ENDED}),
    _S.ENDED: frozenset(),
}


#: States an application can be in; from ``accepted`` on, the enrolment takes over.
APPLICATION_STATES = frozenset({_S.RECEIVED, _S.IN_REVIEW, _S.ACCEPTED, _S.REJECTED,
                                _S.WITHDRAWN})
#: States an enrolment can be in: in mbo the programme association is the enrolment from
#: the SIS's first word on (``pending``: in review; the SIS may still deny it), or it is an
#: accepted application's follow-up.
ENROLMENT_STATES = frozenset({_S.IN_REVIEW, _S.ACCEPTED, _S.REJECTED, _S.WITHDRAWN,
                              _S.ENROLLED, _S.INTERRUPTED, _S.ENDED})
#: States nothing leaves.
FINAL_STATES = frozenset(s for s, targets in _TRANSITIONS.items() if not targets)


def allowed_transitions(state: EnrolmentState) -> frozenset[EnrolmentState]:
    return _TRANSITIONS[state]


def transition(current: EnrolmentState, target: EnrolmentState) -> EnrolmentState:
    """Return ``target`` when the machine allows it; staying in a state is always allowed.

    Raises:
        TransitionError: the machine does not allow ``current -> target``; its context
            holds ``from_state``, ``to_state`` and ``allowed`` (sorted state values), so an
            API can name them without parsing the message.
    """
    if target is current or target in _TRANSITIONS[current]:
        return target
    targets = sorted(s.value for s in _TRANSITIONS[current])
    allowed = ", ".join(targets) or "none (final state)"
    raise TransitionError(
        f"transition {current.value} -> {target.value} is not allowed; allowed: {allowed}",
        path="/state", from_state=current.value, to_state=target.value, allowed=targets,
    )


class Application(Entity):
    """An application (aanmelding) of a person for a cohort."""

    kind: ClassVar[str] = "application"
    domain: ClassVar[Domain] = Domain.ENROLMENT
    summary: ClassVar[str] = "An application of a person for a cohort."

    person_id: UUID
    cohort_id: UUID
    state: EnrolmentState = EnrolmentState.RECEIVED
    submitted_on: date

    @model_validator(mode="after")
    def _application_state(self) -> Application:
        if self.state in {_S.ENROLLED, _S.INTERRUPTED, _S.ENDED}:
            raise ValueError(f"an application cannot be in state {self.state.value}")
        return self


class Enrolment(Entity):
    """An enrolment (inschrijving, OOAPI programme offering association) of a person."""

    kind: ClassVar[str] = "enrolment"
    domain: ClassVar[Domain] = Domain.ENROLMENT
    summary: ClassVar[str] = "An enrolment of a person in an offered programme or cohort."

    person_id: UUID
    offering_id: UUID
    cohort_id: UUID | None = None
    state: EnrolmentState = EnrolmentState.ENROLLED
    start_date: date
    end_date: date | None = None
    application_id: UUID | None = Field(default=None)

    @model_validator(mode="after")
    def _dates(self) -> Enrolment:
        check_order(self.start_date, self.end_date, "end_date")
        return self


class ParticipationKind(StrEnum):
    """What a participation is in: OOAPI's offering types."""

    PROGRAMME = "programme"
    COURSE = "course"
    COMPONENT = "component"


class ParticipationRole(StrEnum):
    """The role of the person (OOAPI ``associationRole``)."""

    STUDENT = "student"
    LECTURER = "lecturer"
    TEACHING_ASSISTANT = "teaching_assistant"
    COORDINATOR = "coordinator"
    GUEST = "guest"
    INVIGILATOR = "invigilator"
    ASSESSOR = "assessor"


class Participation(Entity):
    """A person's association with a course or component offering, such as a student's
    registration for an exam session, or with a programme in a role other than student.

    A student's programme association is the enrolment itself (:class:`Enrolment`); this
    is everything finer. Its state follows the same machine.
    """

    kind: ClassVar[str] = "participation"
    domain: ClassVar[Domain] = Domain.ENROLMENT
    summary: ClassVar[str] = (
        "A person's participation in a course or component offering (e.g. an exam "
        "registration), or in a programme in a role other than student.")

    person_id: UUID
    offering_id: UUID
    offering_kind: ParticipationKind
    role: ParticipationRole = ParticipationRole.STUDENT
    state: EnrolmentState = EnrolmentState.ENROLLED
    start_date: date | None = None
    end_date: date | None = None
    #: The enrolment (programme association) this participation belongs to, if known.
    enrolment_id: UUID | None = None
    #: Which attempt this is (exams), from 1.
    attempt: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _dates(self) -> Participation:
        check_order(self.start_date, self.end_date, "end_date")
        return self
