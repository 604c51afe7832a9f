"""What a catalogue listing asks for: canonical filters, sort keys and the page wanted.

Kept apart from the SQL (:mod:`gateway.store.catalogue_queries`) so a caller builds a
request from plain values; every field left ``None`` does not filter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

__all__ = [
    "CohortFilter",
    "CourseFilter",
    "PageSlice",
    "ProgrammeFilter",
    "QualificationFilter",
    "SortKey",
]

#: A sort key of the listing (``"name"``, ``"start"``, ...) and whether it is descending.
SortKey = tuple[str, bool]


@dataclass(frozen=True)
class PageSlice:
    """Page ``number`` (from 1) of ``size`` items."""

    number: int = 1
    size: int = 10

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size


@dataclass(frozen=True)
class ProgrammeFilter:
    """Programme offerings; sort keys ``id``, ``name``."""

    crebo: str | None = None
    leerweg: str | None = None
    location: str | None = None
    #: Upper-case ISO 639-2, as the canonical model keeps it (``NLD``).
    language: str | None = None
    level: int | None = None
    #: Case-insensitive substring of the name, the description or "crebo leerweg".
    text: str | None = None


@dataclass(frozen=True)
class CohortFilter:
    """Cohorts of live programme offerings; sort keys ``id``, ``name``, ``start``, ``end``."""

    offering_id: UUID | None = None
    leerweg: str | None = None
    language: str | None = None
    #: Only cohorts whose first start is on or after this day.
    starts_from: date | None = None
    #: Only cohorts whose nominal end (see ``ooapi_v5_out.cohort_end``) is on or before it.
    ends_until: date | None = None
    #: Case-insensitive substring of the programme's name or description, or the cohort code.
    text: str | None = None


@dataclass(frozen=True)
class CourseFilter:
    """Courses; sort keys ``id``, ``name``."""

    code: str | None = None
    #: The language of the course's programme offering (``NLD`` when it has none).
    language: str | None = None
    #: The level of the course's programme offering.
    level: int | None = None
    #: Only courses that belong to no (live) programme offering.
    without_programme: bool = False
    #: Case-insensitive substring of the name or the code.
    text: str | None = None


@dataclass(frozen=True)
class QualificationFilter:
    """Qualifications; sort keys ``id``, ``name``, ``crebo``."""

    crebo: str | None = None
    #: Case-insensitive substring of the name or the crebo.
    text: str | None = None
