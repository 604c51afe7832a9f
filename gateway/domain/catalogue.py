"""Catalogue entities: what a school offers (onderwijscatalogus), as RIO and OOAPI know it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import ClassVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, model_validator

from gateway.domain.base import Domain, Entity
from gateway.domain.values import Crebo, Leerweg, OnderwijslocatieCode, Voertaal, check_order

__all__ = [
    "Cohort",
    "CohortStatus",
    "Course",
    "CourseKind",
    "FlexibleIntake",
    "Price",
    "ProgrammeOffering",
    "Qualification",
]


class Qualification(Entity):
    """A kwalificatie (crebo) from the national qualification structure."""

    kind: ClassVar[str] = "qualification"
    domain: ClassVar[Domain] = Domain.CATALOGUE
    summary: ClassVar[str] = "A qualification (crebo) of the mbo qualification structure."

    crebo: Crebo
    name: str = Field(min_length=1, max_length=500)
    level: int = Field(ge=1, le=4)


class ProgrammeOffering(Entity):
    """An offered programme (RIO AangebodenMboOpleiding): crebo x leerweg x location."""

    kind: ClassVar[str] = "programme-offering"
    domain: ClassVar[Domain] = Domain.CATALOGUE
    summary: ClassVar[str] = "An offered mbo programme: crebo, leerweg and location."

    crebo: Crebo
    leerweg: Leerweg
    level: int = Field(ge=1, le=4)
    location: OnderwijslocatieCode
    valid_from: date
    valid_until: date | None = None
    name: str = Field(min_length=1, max_length=500)
    description: str | None = Field(default=None, max_length=10_000)
    language: Voertaal = "NLD"
    admission_requirements: str | None = Field(default=None, max_length=64)
    accessibility: str | None = Field(default=None, max_length=64)

    @model_validator(mode="after")
    def _validity_ordered(self) -> ProgrammeOffering:
        check_order(self.valid_from, self.valid_until, "valid_until")
        return self


class CohortStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class FlexibleIntake(BaseModel):
    """An intake window instead of one fixed start date."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    start: date
    end: date

    @model_validator(mode="after")
    def _ordered(self) -> FlexibleIntake:
        check_order(self.start, self.end, "flexible intake end")
        return self


class Price(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    amount: Decimal = Field(ge=0, max_digits=10, decimal_places=2)
    currency: str = Field(default="EUR", pattern=r"^[A-Z]{3}$")


class Cohort(Entity):
    """A cohort of an offered programme (RIO AangebodenMboOpleidingCohort)."""

    kind: ClassVar[str] = "cohort"
    domain: ClassVar[Domain] = Domain.CATALOGUE
    summary: ClassVar[str] = "A cohort of an offered programme, with its application window."

    offering_id: UUID
    code: str = Field(min_length=1, max_length=64)
    status: CohortStatus
    application_start: date
    application_end: date | None = None
    start_date: date | None = None
    flexible_intake: FlexibleIntake | None = None
    consent_required: bool = False
    capacity: int | None = Field(default=None, ge=0)
    price: Price | None = None
    #: How the cohort is taught, as an OOAPI ``modeOfDelivery`` term (situated, online,
    #: hybrid, ...); RIO needs it as the cohort's opleidingsvorm. None: the operator's default.
    mode_of_delivery: str | None = Field(default=None, min_length=1, max_length=32)
    #: The last day of the cohort (OOAPI offering ``endDate``; RIO ``einddatum``).
    end_date: date | None = None
    #: Why applying needs the school's consent (RIO ``toelichtingVereisteToestemming``).
    consent_explanation: str | None = Field(default=None, min_length=1, max_length=3000)

    @model_validator(mode="after")
    def _dates(self) -> Cohort:
        if (self.start_date is None) == (self.flexible_intake is None):
            raise ValueError("a cohort has either a fixed start_date or a flexible_intake")
        check_order(self.application_start, self.application_end, "application_end")
        first_start = self.flexible_intake.start if self.flexible_intake else self.start_date
        check_order(self.application_start, first_start, "cohort start (before applications open)")
        check_order(first_start, self.end_date, "cohort end_date")
        return self

    def open_for_application(self, day: date) -> bool:
        if self.status is not CohortStatus.OPEN or day < self.application_start:
            return False
        return self.application_end is None or day <= self.application_end


class CourseKind(StrEnum):
    MODULE = "module"
    KEUZEDEEL = "keuzedeel"
    MICROCREDENTIAL = "microcredential"


class Course(Entity):
    """A module, keuzedeel or microcredential."""

    kind: ClassVar[str] = "course"
    domain: ClassVar[Domain] = Domain.CATALOGUE
    summary: ClassVar[str] = "A module, keuzedeel or microcredential."

    course_kind: CourseKind
    code: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=500)
    study_load_hours: int | None = Field(default=None, ge=0)
    offering_id: UUID | None = None
