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

__all__ = ["Application", "Enrolment", "EnrolmentState", "allowed_transitions", "transition"]


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


def allowed_transitions(state: EnrolmentState) -> frozenset[EnrolmentState]:
    return _TRANSITIONS[state]


def transition(current: EnrolmentState, target: EnrolmentState) -> EnrolmentState:
    """Return ``target`` when the machine allows it; staying in a state is always allowed.

    Raises:
        TransitionError: the machine does not allow ``current -> target``.
    """
    if target is current or target in _TRANSITIONS[current]:
        return target
    allowed = ", ".join(sorted(_TRANSITIONS[current])) or "none (final state)"
    raise TransitionError(
        f"transition {current.value} -> {target.value} is not allowed; allowed: {allowed}",
        path="/state",
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
