"""Value types of the mbo sector, validated where they enter the model."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

__all__ = [
    "Brin",
    "Crebo",
    "DatePeriod",
    "Leerweg",
    "Oin",
    "OnderwijsaanbiederCode",
    "OnderwijslocatieCode",
    "TenantId",
    "Voertaal",
    "aware",
    "check_order",
]

#: Operator-chosen slug; it becomes part of Kafka topic names, so no dots or capitals.
TenantId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")]
#: Kwalificatiedossier / opleiding code in the Centraal Register Beroepsopleidingen.
Crebo = Annotated[str, StringConstraints(pattern=r"^\d{5}$")]
#: RIO code of the institution that offers education.
OnderwijsaanbiederCode = Annotated[str, StringConstraints(pattern=r"^\d{3}A\d{3}$")]
#: RIO code of a teaching location.
OnderwijslocatieCode = Annotated[str, StringConstraints(pattern=r"^\d{3}X\d{3}$")]
#: Organisatie-identificatienummer (Digikoppeling), 20 digits.
Oin = Annotated[str, StringConstraints(pattern=r"^\d{20}$")]
#: BRIN: two digits and two capitals.
Brin = Annotated[str, StringConstraints(pattern=r"^\d{2}[A-Z]{2}$")]
#: Teaching language as an upper-case ISO 639-2 code, as RIO wants it (NLD, ENG).
Voertaal = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]


class Leerweg(StrEnum):
    """Learning path of an mbo programme: school-based (BOL) or work-based (BBL)."""

    BOL = "BOL"
    BBL = "BBL"


def _require_aware(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("datetime must carry a time zone")
    return value


#: A datetime that knows its zone; naive datetimes are refused (lessons cross DST).
aware = AfterValidator(_require_aware)


def check_order(
    earlier: date | datetime | None, later: date | datetime | None, what: str
) -> None:
    """Raise ``ValueError`` when ``later`` comes before ``earlier`` (both optional)."""
    if earlier is not None and later is not None and later < earlier:
        raise ValueError(f"{what}: {later.isoformat()} is before {earlier.isoformat()}")


class DatePeriod(BaseModel):
    """A closed date range; an open end means 'until further notice'."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    start: date
    end: date | None = Field(default=None)

    @model_validator(mode="after")
    def _ordered(self) -> DatePeriod:
        check_order(self.start, self.end, "period end")
        return self

    def contains(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)
