"""Persons: a pseudonymous canonical entity; personal data lives apart and never travels."""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from gateway.domain.base import Domain, Entity

__all__ = ["Person", "PersonalData"]


class Person(Entity):
    """A student or staff member, as ids only: safe to publish."""

    kind: ClassVar[str] = "person"
    domain: ClassVar[Domain] = Domain.PERSON
    summary: ClassVar[str] = "A person, by pseudonymous id only (no personal data)."

    #: ECK iD (Educatieve Content Keten identifier) where the source provides one.
    eck_id: str | None = Field(default=None, max_length=256, pattern=r"^https://ketenid\.nl/")
    #: Counts the changes of the person's personal data (1 = as first stored), so that a
    #: consumer learns that it changed without seeing it. A counter, not a hash: a hash of
    #: names and a birth date could be reversed by trying candidates. Set by
    #: ``gateway.store.persons.PersonStore``; None when no personal data is stored.
    personal_data_version: int | None = Field(default=None, ge=1)


class PersonalData(BaseModel):
    """Names, birth date and contact details: stored behind the API, never in events or logs."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    given_name: str | None = Field(default=None, max_length=200)
    family_name_prefix: str | None = Field(default=None, max_length=50)
    family_name: str | None = Field(default=None, max_length=200)
    birth_date: date | None = None
    email: EmailStr | None = None
    street_address: str | None = Field(default=None, max_length=300)
    postal_code: str | None = Field(default=None, max_length=20)
    locality: str | None = Field(default=None, max_length=200)
    country: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")

    def __repr__(self) -> str:  # keep personal data out of tracebacks and logs
        return "PersonalData(<redacted>)"

    __str__ = __repr__
