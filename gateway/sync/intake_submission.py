"""What an application through the intake API is, and when a cohort takes one.

The values a submission is made of (:class:`Submission`, :class:`NewApplicant`), the ids
an operation derives (:func:`operation_key`, :func:`applicant_source`), the refusals a
client can get (as problem+json, through :mod:`gateway.errors`), and the window rule
(:func:`check_open`). "Today" is the date in the schools' time zone (Europe/Amsterdam) at
the gateway's clock: an application window is a range of Dutch calendar days.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID
from zoneinfo import ZoneInfo

from gateway.domain import Application, Cohort, Person, PersonalData, SourceRef
from gateway.domain.catalogue import CohortStatus
from gateway.domain.ids import entity_id
from gateway.errors import ConflictError, ValidationError
from gateway.mappings.ooapi_v5_mbo_in import SOURCE_SYSTEM as MBO_PROFILE_SYSTEM

__all__ = [
    "INTAKE_SOURCE",
    "SCHOOL_TIMEZONE",
    "CohortNotOpen",
    "KeyReused",
    "NewApplicant",
    "ReferenceNotFound",
    "Submission",
    "Submitted",
    "applicant_source",
    "check_open",
    "operation_key",
    "school_today",
]

#: The source system of everything the intake creates (part of the canonical ids).
INTAKE_SOURCE = "intake"
SCHOOL_TIMEZONE = ZoneInfo("Europe/Amsterdam")


def school_today(clock: Callable[[], datetime]) -> date:
    """The Dutch calendar date at ``clock``: application windows are Dutch days."""
    return clock().astimezone(SCHOOL_TIMEZONE).date()


class ReferenceNotFound(ValidationError):
    """The request names a cohort or person the tenant does not have (422)."""

    code = "reference-not-found"


class CohortNotOpen(ConflictError):
    """The cohort takes no applications today; ``context`` says why, with the dates."""

    code = "cohort-not-open"


class KeyReused(ValidationError):
    """An idempotency key that made an application is used for another one (422)."""

    code = "idempotency-key-reused"


@dataclass(frozen=True)
class NewApplicant:
    """A person the tenant does not know yet: personal data, and the ECK iD if known."""

    personal_data: PersonalData
    eck_id: str | None = None


@dataclass(frozen=True)
class Submission:
    """One application as the client sent it: the person by id or as a new applicant."""

    cohort_id: UUID
    person_id: UUID | None = None
    applicant: NewApplicant | None = None
    motivation: str | None = None

    def __post_init__(self) -> None:
        if (self.person_id is None) == (self.applicant is None):
            raise ValueError("a submission names a person by id or as a new applicant")


@dataclass(frozen=True)
class Submitted:
    application: Application
    version: int
    #: False when the application already existed (a repeated run of the same key).
    created: bool


def operation_key(client_id: str, idempotency_key: str) -> str:
    """The source id of what one (client, key) creates: stable, and says nothing itself."""
    return hashlib.sha256(f"{client_id}\x1f{idempotency_key}".encode()).hexdigest()


def applicant_source(tenant: str, operation: str) -> SourceRef:
    """Where a new applicant of one (client, key) operation comes from: the mbo profile,
    under the ``personId`` the gateway gives it for the SIS (see the module docstring).

    The ``personId`` is a UUID derived from the operation (the profile's ids are UUIDs),
    so a repeated run of the same key finds the same person.
    """
    person_id = entity_id(tenant, INTAKE_SOURCE, Person.kind, operation)
    return SourceRef(system=MBO_PROFILE_SYSTEM, id=str(person_id))


def check_open(cohort: Cohort, today: date) -> None:
    """Refuse an application for a cohort that takes none on ``today``.

    Raises:
        CohortNotOpen: closed, window not yet open, or window passed; the context holds
            ``reason``, ``cohortId``, ``applicationStart``, ``applicationEnd`` and ``today``.
    """
    if cohort.open_for_application(today):
        return
    start, end = cohort.application_start, cohort.application_end
    context = {"cohortId": str(cohort.id), "applicationStart": start.isoformat(),
               "applicationEnd": end.isoformat() if end else None, "today": today.isoformat()}
    if cohort.status is not CohortStatus.OPEN:
        raise CohortNotOpen(f"cohort {cohort.code} is closed for applications",
                            reason="cohort-closed", **context)
    if today < start:
        raise CohortNotOpen(
            f"applications for cohort {cohort.code} open on {start.isoformat()}; "
            f"today is {today.isoformat()}", reason="application-window-not-open", **context)
    assert end is not None  # noqa: S101 - open_for_application said the window passed
    raise CohortNotOpen(
        f"applications for cohort {cohort.code} closed after {end.isoformat()}; "
        f"today is {today.isoformat()}", reason="application-window-passed", **context)
