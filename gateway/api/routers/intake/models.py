"""The documents of the intake API: what a client sends and what it reads back.

Field names are camelCase, as in OOAPI. The applicant's personal data is accepted here
and goes to the personal-data store; no response of the intake API repeats it.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from gateway.domain import PersonalData
from gateway.store.motivations import MAX_MOTIVATION

__all__ = [
    "ApplicantDetails",
    "ApplicationState",
    "ApplicationRequest",
    "ApplicationView",
    "ForwardingView",
    "PersonReference",
    "Problem",
]


class _Document(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class PersonReference(_Document):
    """A person the school already knows, by the gateway's (pseudonymous) person id."""

    personId: UUID = Field(description="Canonical id of a Person of the tenant.")


class ApplicantDetails(_Document):
    """A new applicant. Stored as personal data; never in events, logs or responses."""

    givenName: str = Field(min_length=1, max_length=200)
    familyNamePrefix: str | None = Field(default=None, max_length=50,
                                         description="e.g. 'van der'")
    familyName: str = Field(min_length=1, max_length=200)
    birthDate: date | None = None
    email: EmailStr = Field(description="Where the school reaches the applicant.")
    streetAddress: str | None = Field(default=None, max_length=300)
    postalCode: str | None = Field(default=None, max_length=20)
    locality: str | None = Field(default=None, max_length=200)
    country: str | None = Field(default=None, pattern=r"^[A-Z]{2}$",
                                description="ISO 3166-1 alpha-2.")
    eckId: str | None = Field(default=None, max_length=256, pattern=r"^https://ketenid\.nl/",
                              description="ECK iD, if the applicant has one.")

    def personal_data(self) -> PersonalData:
        return PersonalData(
            given_name=self.givenName, family_name_prefix=self.familyNamePrefix,
            family_name=self.familyName, birth_date=self.birthDate, email=self.email,
            street_address=self.streetAddress, postal_code=self.postalCode,
            locality=self.locality, country=self.country)

    def __repr__(self) -> str:  # keep personal data out of tracebacks and logs
        return "ApplicantDetails(<redacted>)"

    __str__ = __repr__


class ApplicationRequest(_Document):
    """An application of a person for a cohort."""

    cohortId: UUID = Field(description="Canonical id of a Cohort of the tenant.")
    person: PersonReference | ApplicantDetails = Field(
        description="The applicant: a known person by id, or the details of a new one.")
    motivation: str | None = Field(
        default=None, max_length=MAX_MOTIVATION,
        description="Why the applicant applies. Kept with the application, never published.")

    def __repr__(self) -> str:
        return f"ApplicationRequest(cohortId={self.cohortId}, person=<redacted>)"

    __str__ = __repr__


class ForwardingView(_Document):
    """How far the application got on its way to the school's SIS."""

    status: Literal["pending", "forwarded", "rejected"] = Field(
        description="pending: not yet at the SIS in its current state; forwarded: the SIS "
                    "accepted it; rejected: the SIS refused it (operators see why).")
    target: str | None = Field(default=None, description="The SIS (configured source name).")
    forwardedVersion: int | None = Field(default=None,
                                         description="The application version last sent.")
    updatedAt: datetime | None = None


#: The states an application can be in (gateway.domain.enrolment.APPLICATION_STATES).
ApplicationState = Literal["received", "in_review", "accepted", "rejected", "withdrawn"]


class ApplicationView(_Document):
    """An application and its state."""

    applicationId: UUID = Field(description="Also the associationId at the SIS.")
    cohortId: UUID
    personId: UUID
    state: ApplicationState
    allowedTransitions: list[ApplicationState] = Field(
        description="States the application may move to from here.")
    submittedOn: date
    version: int = Field(description="Goes up with every change of the application.")
    forwarding: ForwardingView
    links: dict[str, str] = Field(description="self, and withdraw while allowed.")


class Problem(BaseModel):
    """RFC 9457 problem details, as every error of the gateway."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(examples=["urn:mbo-gateway:problem:cohort-not-open"])
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    documentation: str | None = Field(
        default=None, description="Idempotency problems: where the rules are explained.")
    reason: str | None = Field(
        default=None, description="cohort-not-open: cohort-closed, "
                                  "application-window-not-open or application-window-passed.")
    applicationStart: date | None = None
    applicationEnd: date | None = None
    today: date | None = None
    cohortId: UUID | None = None
    from_: str | None = Field(default=None, alias="from",
                              description="transition-not-allowed: the stored state.")
    to: str | None = Field(default=None, description="transition-not-allowed: the target.")
    allowed: list[str] | None = Field(
        default=None, description="transition-not-allowed: the states allowed from `from`.")
    errors: list[dict[str, str]] | None = None
