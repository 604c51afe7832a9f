"""Builders of the OOAPI v5 documents the simulated SIS serves (mbo profile).

Each function returns one document as the official schema describes it. The mbo facts sit
where the gateway reads them: the crebo in the program's ``otherCodes``, the leerweg as
``modeOfStudy``, cohort and location (onderwijslocatiecode) in the offering's
``nl-test-admin`` consumer entry, the registration status and consent in its ``rio`` entry.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from simulators.ooapi_sis.reference import Qualification

__all__ = [
    "academic_year",
    "branch",
    "course",
    "course_offering",
    "education_specification",
    "nl",
    "program",
    "program_offering",
    "root_organization",
    "service",
]

Doc = dict[str, Any]


def nl(text: str, english: str | None = None) -> list[dict[str, str]]:
    """A LanguageTypedString array: Dutch, and English when given."""
    values = [{"language": "nl-NL", "value": text}]
    if english:
        values.append({"language": "en-GB", "value": english})
    return values


def service(domain: str) -> Doc:
    return {
        "contactEmail": f"functioneelbeheer@{domain}",
        "specification": "https://open-education-api.github.io/specification/v5/ooapi.json",
        "documentation": f"https://www.{domain}/ooapi",
        "consumers": [{"consumerKey": "nl-test-admin", "version": "1.0"},
                      {"consumerKey": "rio", "version": "V1"}],
    }


def root_organization(ident: str, name: str, short: str, brin: str, aanbieder: str) -> Doc:
    return {
        "organizationId": ident, "organizationType": "root",
        "primaryCode": {"codeType": "brin", "code": brin},
        "otherCodes": [{"codeType": "x-onderwijsaanbiedercode", "code": aanbieder}],
        "name": nl(name), "shortName": short,
    }


def branch(ident: str, root: str, location: str, town: str, street: str) -> Doc:
    return {
        "organizationId": ident, "organizationType": "branch", "parent": root,
        "primaryCode": {"codeType": "x-onderwijslocatiecode", "code": location},
        "name": nl(f"Locatie {town}"), "shortName": town,
        "addresses": [{"addressType": "teaching", "street": street, "streetNumber": "1",
                       "city": town.split(" ")[0], "countryCode": "NL"}],
    }


def academic_year(ident: str, year: int) -> Doc:
    return {
        "academicSessionId": ident, "academicSessionType": "academic year",
        "primaryCode": {"codeType": "identifier", "code": f"{year}-{year + 1}"},
        "name": nl(f"Schooljaar {year}-{year + 1}", f"School year {year}-{year + 1}"),
        "startDate": date(year, 8, 1).isoformat(), "endDate": date(year + 1, 7, 31).isoformat(),
    }


def education_specification(ident: str, q: Qualification, organization: str) -> Doc:
    return {
        "educationSpecificationId": ident, "educationSpecificationType": "program",
        "primaryCode": {"codeType": "crohoCreboCode", "code": q.crebo},
        "name": nl(q.name), "abbreviation": q.crebo,
        "level": f"secondary vocational education {q.level}",
        "levelOfQualification": str(q.level), "sector": "secondary vocational education",
        "studyLoad": {"studyLoadUnit": "sbu", "value": 1600 * q.years},
        "organization": organization, "validFrom": "2016-08-01",
    }


def program(
    ident: str, q: Qualification, leerweg: str, *, specification: str, organization: str,
    aanbieder: str, code_type: str, mode: str, valid_from: date,
) -> Doc:
    return {
        "programId": ident, "programType": "program",
        "primaryCode": {"codeType": "programCode", "code": f"{q.crebo}{leerweg}"},
        "name": nl(f"{q.name} ({leerweg})"), "abbreviation": f"{q.crebo}-{leerweg}",
        "description": nl(f"Mbo-opleiding {q.name}, niveau {q.level}, "
                          f"{'beroepsopleidende' if leerweg == 'BOL' else 'beroepsbegeleidende'}"
                          f" leerweg ({leerweg})."),
        "teachingLanguage": "nld", "modeOfStudy": mode, "modeOfDelivery": ["situated"],
        "duration": f"P{q.years}Y", "levelOfQualification": str(q.level),
        "level": f"secondary vocational education {q.level}",
        "sector": "secondary vocational education",
        "studyLoad": {"studyLoadUnit": "sbu", "value": 1600 * q.years},
        "otherCodes": [{"codeType": code_type, "code": q.crebo}],
        "educationSpecification": specification, "organization": organization,
        "validFrom": valid_from.isoformat(),
        "consumers": [{"consumerKey": "rio", "educationOffererCode": aanbieder}],
    }


def program_offering(
    ident: str, q: Qualification, leerweg: str, *, program_id: str, location: str, town: str,
    year: int, session: str, organization: str, capacity: int, price: str, today: date,
    flexible: bool, consent: bool,
) -> Doc:
    start = date(year, 9, 1)
    enroll_start, enroll_end = date(year - 1, 10, 1), date(year, 8, 15)
    cohort = f"{year}-{year + 1}"
    doc: Doc = {
        "offeringId": ident, "offeringType": "program",
        "primaryCode": {"codeType": "offeringCode", "code": f"{q.crebo}-{leerweg}-{location}-"
                                                            f"{year}"},
        "academicSession": session,
        "name": nl(f"{q.name} ({leerweg}) {town} {cohort}"),
        "abbreviation": f"{q.crebo}{leerweg}{year % 100:02d}",
        "description": nl(f"Cohort {cohort} van {q.name} ({leerweg}) op locatie {town}."),
        "teachingLanguage": "nld", "modeOfDelivery": ["situated"], "resultExpected": True,
        "maxNumberStudents": capacity,
        "startDate": start.isoformat(),
        "endDate": date(year + q.years, 7, 15).isoformat(),
        "enrollStartDate": enroll_start.isoformat(), "enrollEndDate": enroll_end.isoformat(),
        "priceInformation": [{"costType": "total costs", "amount": price, "currency": "EUR"}],
        "program": program_id, "organization": organization,
        "consumers": [
            {"consumerKey": "nl-test-admin", "offeringState": "active", "cohort": cohort,
             "location": location},
            {"consumerKey": "rio",
             "registrationStatus": "open" if enroll_start <= today <= enroll_end else "closed",
             "requiredPermissionRegistration": "yes" if consent else "no"},
        ],
    }
    if flexible:
        doc["flexibleEntryPeriodStart"] = start.isoformat()
        doc["flexibleEntryPeriodEnd"] = date(year + 1, 2, 1).isoformat()
    if consent:
        doc["consumers"][1]["explanationRequiredPermission"] = (
            "Aanmelden kan na een intakegesprek en met een leerbedrijf.")
    return doc


def course(
    ident: str, *, code: str, name: str, sbu: int, keuzedeel: bool, programs: list[str],
    organization: str,
) -> Doc:
    doc: Doc = {
        "courseId": ident,
        "primaryCode": {"codeType": "courseCode", "code": code},
        "name": nl(name), "abbreviation": code,
        "description": nl(f"{'Keuzedeel' if keuzedeel else 'Module'} {name} ({sbu} SBU)."),
        "teachingLanguage": "nld", "level": "secondary vocational education",
        "studyLoad": {"studyLoadUnit": "sbu", "value": sbu},
        "programs": programs, "organization": organization,
    }
    if keuzedeel:
        doc["otherCodes"] = [{"codeType": "nationalEducationCode", "code": code}]
    return doc


def course_offering(
    ident: str, *, course_id: str, code: str, name: str, year: int, session: str,
    capacity: int,
) -> Doc:
    return {
        "offeringId": ident, "offeringType": "course",
        "primaryCode": {"codeType": "offeringCode", "code": f"{code}-{year}"},
        "academicSession": session,
        "name": nl(f"{name} {year}-{year + 1}"),
        "description": nl(f"{name} in schooljaar {year}-{year + 1}."),
        "teachingLanguage": "nld", "resultExpected": True, "maxNumberStudents": capacity,
        "startDate": date(year, 9, 1).isoformat(), "endDate": date(year + 1, 7, 15).isoformat(),
        "enrollStartDate": date(year, 6, 1).isoformat(),
        "enrollEndDate": date(year, 8, 31).isoformat(),
        "course": course_id,
    }
