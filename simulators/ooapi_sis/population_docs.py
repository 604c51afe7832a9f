"""Builders of the person, association, group and member documents of the simulated SIS.

Each returns one document as the official OOAPI v5 schema describes it, with the mbo
profile's ``nl-test-admin`` consumer entries: on a person its preferred name and the name
as on the identity document (``idCheckName``); on an association the enrolment's dates and
its ``sequenceCode`` (the number of the "opleidingsblad").

An association is built once (:func:`association`) and shown three ways, as the spec's
operations show it: under a person with the offering expanded (:func:`under_person`),
under an offering with a ``PersonId`` object (:func:`under_offering`), and on its own with
both as ids (:func:`on_its_own`).
"""

from __future__ import annotations

import unicodedata
from datetime import date
from typing import Any

from simulators.ooapi_sis.documents import nl
from simulators.ooapi_sis.people import Identity

__all__ = [
    "association",
    "group",
    "member",
    "on_its_own",
    "person",
    "under_offering",
    "under_person",
]

Doc = dict[str, Any]
NL_TEST_ADMIN = "nl-test-admin"


def _ascii(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in plain.lower() if c.isalnum())


def person(ident: str, who: Identity, *, code: str, staff: bool, active: bool,
           domain: str) -> Doc:
    """A student (``code`` is the student number) or an employee (``code`` their code)."""
    if staff:
        mail = f"{_ascii(who.given_name)}.{_ascii(who.surname)}.{code.lower()}@{domain}"
    else:
        mail = f"{code}@student.{domain}"
    surname = " ".join(p for p in (who.surname_prefix, who.surname) if p)
    doc: Doc = {
        "personId": ident,
        "primaryCode": {"codeType": "identifier" if staff else "studentNumber", "code": code},
        "givenName": who.given_name,
        "surname": who.surname,
        "displayName": who.display_name,
        "initials": who.initials,
        "activeEnrollment": active,
        "dateOfBirth": who.birth_date.isoformat(),
        "affiliations": ["employee"] if staff else ["student"],
        "mail": mail,
        "gender": who.gender,
        "address": {"addressType": "postal", "street": who.street,
                    "streetNumber": who.house_number, "postalCode": who.postal_code,
                    "city": who.city, "countryCode": "NL"},
        "languageOfChoice": ["nl-NL"],
        "consumers": [{"consumerKey": NL_TEST_ADMIN, "preferredName": who.given_name,
                       "idCheckName": f"{surname}, {who.given_name}"}],
    }
    if who.surname_prefix:
        doc["surnamePrefix"] = who.surname_prefix
    if who.eck_id:
        doc["otherCodes"] = [{"codeType": "eckid", "code": who.eck_id}]
    return doc


def association(ident: str, offering_type: str, state: str, *, start: date,
                expected_end: date | None, sequence: str,
                programme_association: str | None = None) -> Doc:
    """A student's association with an offering of ``offering_type`` (program, course)."""
    entry: Doc = {"consumerKey": NL_TEST_ADMIN, "startDate": start.isoformat(),
                  "sequenceCode": sequence}
    if expected_end is not None:
        entry["expectedEndDate"] = expected_end.isoformat()
    if programme_association is not None:
        entry["programOfferingAssociationId"] = programme_association
    return {"associationId": ident, "associationType": f"{offering_type}OfferingAssociation",
            "role": "student", "state": state, "consumers": [entry]}


def under_person(doc: Doc, offering: Doc) -> Doc:
    """As an item of ``/persons/{personId}/associations``: the offering expanded."""
    return {**doc, "offering": offering}


def under_offering(doc: Doc, person_id: str) -> Doc:
    """As an item of ``/offerings/{offeringId}/associations``: a ``PersonId`` object."""
    return {**doc, "person": {"personId": person_id}}


def on_its_own(doc: Doc, person_id: str, offering_id: str) -> Doc:
    """As ``/associations/{associationId}`` answers it: person and offering as ids."""
    return {**doc, "person": person_id, "offering": offering_id}


def group(ident: str, *, code: str, name: str, start: date, end: date, count: int,
          organization: str) -> Doc:
    """A klas (``groupType`` class) of one cohort at one location."""
    return {"groupId": ident, "primaryCode": {"codeType": "groupCode", "code": code},
            "groupType": "class", "name": nl(name), "startDate": start.isoformat(),
            "endDate": end.isoformat(), "personCount": count, "organization": organization}


def member(person_id: str, *, start: date, end: date, role: str, active: bool) -> Doc:
    """An item of the mbo profile's ``/groups/{groupId}/members``."""
    return {"personId": person_id, "startDateTime": f"{start.isoformat()}T08:30:00+02:00",
            "endDateTime": f"{end.isoformat()}T17:00:00+02:00",
            "state": "active" if active else "canceled", "role": role}
