"""Canonical catalogue -> OOAPI v5 documents (mbo profile), as the provider serves them.

The mapping facts of the mbo profile, read the other way round by ``ooapi_v5_in``:

- a ``ProgrammeOffering`` (crebo x leerweg x location) is a ``Program``: the crebo in
  ``otherCodes`` (``crohoCreboCode``), BOL as ``modeOfStudy`` ``full-time`` and BBL as
  ``dual training``, the level as ``levelOfQualification``, the validity as
  ``validFrom``/``validTo`` (OOAPI's ``validTo`` is exclusive: the day after
  ``valid_until``);
- each ``Cohort`` is a ``ProgramOffering`` of that program, with the cohort code and the
  location (onderwijslocatiecode) in its mbo ``consumers`` entry, the application window
  as ``enrollStartDate``/``enrollEndDate``, a flexible intake as
  ``flexibleEntryPeriodStart``/``End``, the end as ``endDate`` (see :func:`cohort_end`);
- a ``Qualification`` is an ``EducationSpecification`` of type ``program``;
- a ``Course`` (module, keuzedeel, microcredential) is a ``Course`` with its study load in
  SBU (studiebelastingsuren).

With ``consumer=rio`` the documents also carry the RIO consumer entries
(``ooapi-v5/consumers/RIO``): a cohort's status and consent, the location of a program
or course. Missing texts the schema requires (a description) are empty
strings, so a reader can tell "none" from a copied name.
"""

from __future__ import annotations

from datetime import MAXYEAR, date, timedelta
from typing import Any
from uuid import UUID

from gateway.domain import Cohort, Course, ProgrammeOffering, Qualification
from gateway.domain.values import Leerweg
from gateway.mappings.ooapi_v5_institution import (
    Institution,
    academic_session_id,
    language_string,
    school_year,
)

__all__ = [
    "MBO_CONSUMER",
    "MODE_OF_STUDY",
    "RIO_CONSUMER",
    "cohort_end",
    "cohort_start",
    "course",
    "education_specification",
    "level_name",
    "program",
    "program_code",
    "program_offering",
]

#: The consumer key of the mbo profile's offering entry (NED-OOAPI), holding cohort and location.
MBO_CONSUMER = "nl-test-admin"
RIO_CONSUMER = "rio"
MODE_OF_STUDY = {Leerweg.BOL: "full-time", Leerweg.BBL: "dual training"}
SECTOR = "secondary vocational education"

#: The terms OOAPI allows in ``modeOfDelivery``; a cohort's other terms are not published.
MODES_OF_DELIVERY = ("distance-learning", "on campus", "online", "hybrid", "situated")
_ONE_DAY = timedelta(days=1)

Reference = UUID | dict[str, Any] | None


def _ref(ident: UUID, expanded: dict[str, Any] | None) -> str | dict[str, Any]:
    """An id, or the full object when the client asked to expand it."""
    return expanded if expanded is not None else str(ident)


def level_name(level: int | None) -> str:
    """The OOAPI ``level`` of an mbo level (``secondary vocational education 4``)."""
    return SECTOR if level is None else f"{SECTOR} {level}"


def program_code(offering: ProgrammeOffering) -> str:
    """The human-readable key of a programme offering: ``crebo-leerweg-location``."""
    return f"{offering.crebo}-{offering.leerweg.value}-{offering.location}"


def cohort_start(cohort: Cohort) -> date:
    """The first day students start: the fixed start date or the intake window's start."""
    if cohort.flexible_intake is not None:
        return cohort.flexible_intake.start
    assert cohort.start_date is not None  # noqa: S101 - the model demands one of the two
    return cohort.start_date


def cohort_end(cohort: Cohort, offering: ProgrammeOffering) -> date:
    """A cohort's end: its ``end_date``, else its nominal end (OOAPI requires one).

    Without an end date, the last student to start (at the intake window's end, or the
    fixed start) finishes after the longest nominal duration of the level: as many years
    as the level (entree 1, niveau 2 up to 2, niveau 3 up to 3, niveau 4 up to 4). A 29
    February lands on 1 March. ``catalogue_queries.cohort_end`` is the same rule in SQL,
    for sorting and ``until``.
    """
    if cohort.end_date is not None:
        return cohort.end_date
    last_start = cohort.flexible_intake.end if cohort.flexible_intake else cohort_start(cohort)
    year = last_start.year + offering.level
    if year > MAXYEAR:
        return date.max
    try:
        return last_start.replace(year=year)
    except ValueError:  # 29 February in a common year
        return date(year, 3, 1)


def _rio_location_entry(
    institution: Institution, offering: ProgrammeOffering | None
) -> list[dict[str, Any]]:
    """The RIO consumer entry of a program or course; none without the RIO institution code."""
    if not institution.onderwijsaanbiedercode:
        return []
    entry: dict[str, Any] = {
        "consumerKey": RIO_CONSUMER,
        "educationOffererCode": institution.onderwijsaanbiedercode,
        "teachingLanguages": [(offering.language if offering else "NLD").lower()],
    }
    if offering is not None:
        entry["educationLocationCode"] = offering.location
    return [entry]


def program(
    offering: ProgrammeOffering,
    institution: Institution,
    *,
    consumer: str | None = None,
    education_specification: Reference = None,
    organization: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The OOAPI ``Program`` of a programme offering.

    Args:
        offering: the programme offering.
        institution: the tenant (organization id, RIO code).
        consumer: the ``consumer`` query parameter; ``rio`` adds the RIO entry.
        education_specification: the qualification's id (or its expanded document).
        organization: the expanded organization, else its id is given.
    """
    doc: dict[str, Any] = {
        "programId": str(offering.id),
        "primaryCode": {"codeType": "programCode", "code": program_code(offering)},
        "programType": "program",
        "name": language_string(offering.name),
        "abbreviation": f"{offering.crebo} {offering.leerweg.value}",
        "description": language_string(offering.description or ""),
        "teachingLanguage": offering.language.lower(),
        "modeOfStudy": MODE_OF_STUDY[offering.leerweg],
        "levelOfQualification": str(offering.level),
        "level": level_name(offering.level),
        "sector": SECTOR,
        "otherCodes": [{"codeType": "crohoCreboCode", "code": offering.crebo}],
        "validFrom": offering.valid_from.isoformat(),
        "organization": _ref(institution.organization_id, organization),
    }
    if offering.valid_until is not None:  # OOAPI's validTo is exclusive
        last = min(offering.valid_until, date.max - _ONE_DAY)
        doc["validTo"] = (last + _ONE_DAY).isoformat()
    if offering.admission_requirements:
        doc["admissionRequirements"] = language_string(offering.admission_requirements)
    if isinstance(education_specification, UUID):
        doc["educationSpecification"] = str(education_specification)
    elif education_specification is not None:
        doc["educationSpecification"] = education_specification
    if consumer == RIO_CONSUMER:
        doc["consumers"] = _rio_location_entry(institution, offering)
    return doc


def program_offering(
    cohort: Cohort,
    offering: ProgrammeOffering,
    institution: Institution,
    *,
    consumer: str | None = None,
    expanded: dict[str, dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The OOAPI ``ProgramOffering`` of a cohort.

    Args:
        cohort: the cohort.
        offering: its programme offering (the program).
        institution: the tenant.
        consumer: ``rio`` adds the RIO entry (cohort status, consent required).
        expanded: documents to give in full instead of ids, by property name
            (``program``, ``organization``, ``academicSession``).
    """
    full = expanded or {}
    start = cohort_start(cohort)
    doc: dict[str, Any] = {
        "offeringId": str(cohort.id),
        "primaryCode": {"codeType": "offeringCode",
                        "code": f"{program_code(offering)}/{cohort.code}"},
        "offeringType": "program",
        "name": language_string(offering.name),
        "abbreviation": cohort.code,
        "description": language_string(offering.description or ""),
        "teachingLanguage": offering.language.lower(),
        "resultExpected": True,
        "academicSession": _ref(academic_session_id(cohort.tenant, school_year(start)),
                                full.get("academicSession")),
        "startDate": start.isoformat(),
        "endDate": cohort_end(cohort, offering).isoformat(),
        "enrollStartDate": cohort.application_start.isoformat(),
        "program": _ref(offering.id, full.get("program")),
        "organization": _ref(institution.organization_id, full.get("organization")),
    }
    if cohort.application_end is not None:
        doc["enrollEndDate"] = cohort.application_end.isoformat()
    if cohort.flexible_intake is not None:
        doc["flexibleEntryPeriodStart"] = cohort.flexible_intake.start.isoformat()
        doc["flexibleEntryPeriodEnd"] = cohort.flexible_intake.end.isoformat()
    if cohort.mode_of_delivery in MODES_OF_DELIVERY:
        doc["modeOfDelivery"] = [cohort.mode_of_delivery]
    if cohort.capacity is not None:
        doc["maxNumberStudents"] = cohort.capacity
    if cohort.price is not None:
        doc["priceInformation"] = [{
            "costType": "total costs",
            "amount": format(cohort.price.amount, "f"),
            "currency": cohort.price.currency,
        }]
    consumers: list[dict[str, Any]] = [{
        "consumerKey": MBO_CONSUMER,
        "offeringState": "active",
        "cohort": cohort.code,
        "location": offering.location,
    }]
    if consumer == RIO_CONSUMER:
        rio: dict[str, Any] = {
            "consumerKey": RIO_CONSUMER,
            "registrationStatus": cohort.status.value,
            "requiredPermissionRegistration": "yes" if cohort.consent_required else "no",
        }
        if cohort.consent_explanation:
            rio["explanationRequiredPermission"] = cohort.consent_explanation
        consumers.append(rio)
    doc["consumers"] = consumers
    return doc


def course(
    item: Course,
    offering: ProgrammeOffering | None,
    institution: Institution,
    *,
    consumer: str | None = None,
    expanded: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The OOAPI ``Course`` of a module, keuzedeel or microcredential.

    Its language and level are those of the programme offering it belongs to (Dutch and
    plain mbo when it belongs to none); ``ext.courseKind`` keeps the canonical kind.

    Args:
        item: the course.
        offering: the programme offering it belongs to, if any and live.
        institution: the tenant.
        consumer: ``rio`` adds the RIO entry.
        expanded: documents to give in full, by property name (``programs``,
            ``organization``).
    """
    full = expanded or {}
    doc: dict[str, Any] = {
        "courseId": str(item.id),
        "primaryCode": {"codeType": "identifier", "code": item.code},
        "name": language_string(item.name),
        "abbreviation": item.code,
        "description": language_string(""),
        "teachingLanguage": (offering.language if offering else "NLD").lower(),
        "level": level_name(offering.level if offering else None),
        "organization": _ref(institution.organization_id, full.get("organization")),
        "ext": {"courseKind": item.course_kind.value},
    }
    if item.study_load_hours is not None:
        doc["studyLoad"] = {"studyLoadUnit": "sbu", "value": item.study_load_hours}
    if offering is not None:
        doc["programs"] = [_ref(offering.id, full.get("programs"))]
    if consumer == RIO_CONSUMER:
        doc["consumers"] = _rio_location_entry(institution, offering)
    return doc


def education_specification(
    qualification: Qualification,
    institution: Institution,
    *,
    organization: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The OOAPI ``EducationSpecification`` (type ``program``) of a qualification (crebo)."""
    return {
        "educationSpecificationId": str(qualification.id),
        "primaryCode": {"codeType": "crohoCreboCode", "code": qualification.crebo},
        "educationSpecificationType": "program",
        "name": language_string(qualification.name),
        "abbreviation": qualification.crebo,
        "formalDocument": "diploma",
        "level": level_name(qualification.level),
        "levelOfQualification": str(qualification.level),
        "sector": SECTOR,
        "organization": _ref(institution.organization_id, organization),
    }
