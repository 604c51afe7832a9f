"""Canonical -> OOAPI v5: the institution itself, its school years and the service document.

None of these are stored entities. The organization is the tenant as configured; academic
sessions are the mbo school years (1 August to 31 July) in which the tenant's cohorts
start; the service document describes this provider. Their ids are UUIDv5 like every
canonical id, so they stay the same across restarts and replicas.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from gateway.domain.ids import entity_id

__all__ = [
    "GATEWAY_SYSTEM",
    "OOAPI_DOCUMENTATION",
    "OOAPI_SPECIFICATION",
    "Institution",
    "academic_session",
    "academic_session_id",
    "language_string",
    "organization",
    "school_year",
    "service",
]

#: The "source system" of what the gateway derives itself (organizations, school years).
GATEWAY_SYSTEM = "mbo-gateway"
#: The published specification this provider implements (the mbo profile of OOAPI 5).
OOAPI_SPECIFICATION = (
    "https://raw.githubusercontent.com/NetwerkExamineringDigitalisering/NED-OOAPI/"
    "main/specification/ooapiv5_MBO.yaml"
)
OOAPI_DOCUMENTATION = "https://openonderwijsapi.nl/"
#: Names and descriptions in the catalogue are Dutch (the institution's own catalogue).
CATALOGUE_LANGUAGE = "nl-NL"
#: The first month of an mbo school year (schooljaar: 1 August to 31 July).
SCHOOL_YEAR_START_MONTH = 8


@dataclass(frozen=True)
class Institution:
    """The tenant as OOAPI shows it: one organization of type ``root``."""

    tenant: str
    name: str
    brin: str | None = None
    onderwijsaanbiedercode: str | None = None

    @property
    def organization_id(self) -> UUID:
        return entity_id(self.tenant, GATEWAY_SYSTEM, "organization", self.tenant)


def language_string(value: str) -> list[dict[str, str]]:
    """An OOAPI ``LanguageTypedString`` list holding one Dutch text."""
    return [{"language": CATALOGUE_LANGUAGE, "value": value}]


def organization(institution: Institution) -> dict[str, Any]:
    """The OOAPI ``Organization`` of the tenant.

    Its primary code is the BRIN when configured, else the RIO onderwijsaanbiedercode,
    else the tenant id; the RIO code is repeated in ``otherCodes``.
    """
    if institution.brin:
        primary = {"codeType": "brin", "code": institution.brin}
    elif institution.onderwijsaanbiedercode:
        primary = {"codeType": "onderwijsaanbiedercode", "code": institution.onderwijsaanbiedercode}
    else:
        primary = {"codeType": "identifier", "code": institution.tenant}
    doc: dict[str, Any] = {
        "organizationId": str(institution.organization_id),
        "primaryCode": primary,
        "organizationType": "root",
        "name": language_string(institution.name),
        "shortName": institution.tenant,
    }
    if institution.onderwijsaanbiedercode:
        doc["otherCodes"] = [
            {"codeType": "onderwijsaanbiedercode", "code": institution.onderwijsaanbiedercode}
        ]
    return doc


def school_year(day: date) -> int:
    """The calendar year in which the school year holding ``day`` begins."""
    return day.year if day.month >= SCHOOL_YEAR_START_MONTH else day.year - 1


def academic_session_id(tenant: str, year: int) -> UUID:
    """Id of the school year beginning in ``year`` (for ``Offering.academicSession``)."""
    return entity_id(tenant, GATEWAY_SYSTEM, "academic-session", _year_code(year))


def _year_code(year: int) -> str:
    return f"{year}-{year + 1}"


def academic_session(tenant: str, year: int) -> dict[str, Any]:
    """The OOAPI ``AcademicSession`` of the school year beginning in August of ``year``."""
    code = _year_code(year)
    return {
        "academicSessionId": str(academic_session_id(tenant, year)),
        "academicSessionType": "academic year",
        "primaryCode": {"codeType": "identifier", "code": code},
        "name": language_string(f"Schooljaar {code}"),
        "startDate": date(year, SCHOOL_YEAR_START_MONTH, 1).isoformat(),
        "endDate": date(year + 1, SCHOOL_YEAR_START_MONTH - 1, 31).isoformat(),
    }


def service(contact_email: str, consumers: list[str]) -> dict[str, Any]:
    """The OOAPI ``Service`` document of the provider's root.

    Args:
        contact_email: who runs this gateway.
        consumers: the consumer keys whose ``consumers`` entries the provider can add.
    """
    return {
        "contactEmail": contact_email,
        "specification": OOAPI_SPECIFICATION,
        "documentation": OOAPI_DOCUMENTATION,
        "consumers": [{"consumerKey": key} for key in consumers],
    }
