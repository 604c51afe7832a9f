"""A canonical application -> the mbo profile's association, as the gateway PUTs it to an SIS.

An application is a programme offering association of a student with the offering that
stands for its cohort (the mbo profile has a programme offering per cohort):

===================  ===============================================================
associationId        the application's id (so the SIS's answers map back to it)
associationType      ``programOfferingAssociation``; ``role`` ``student``
state, remoteState   the application's state (:mod:`.association_states`): pending
                     for a new application, canceled for a withdrawn one
offering             the SIS's own offeringId when the cohort came from that SIS,
                     else the gateway's cohort id (its OOAPI offeringId)
person               the person expanded (the profile's "add student" flow), built
                     from the personal data, or only its id when the data lacks what
                     the profile's Person needs (the caller picks the id: the SIS's
                     own personId for a person that came from an SIS)
===================  ===============================================================

:func:`redacted` replaces an expanded person by its id: that copy goes into dead-letter
events and the quarantine, which must hold no personal data.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from gateway.domain import Application, PersonalData
from gateway.mappings.association_states import to_association_state, to_remote_state

__all__ = ["ASSOCIATION_PATH", "association_of", "mbo_person", "redacted"]

#: The operation's path template in the profile.
ASSOCIATION_PATH = "/associations/{associationId}"


def mbo_person(
    person_id: UUID | str, data: PersonalData, *, eck_id: str | None = None
) -> dict[str, Any] | None:
    """The profile's ``Person`` of an applicant, or None when the data lacks what it needs.

    The profile requires a given name, a surname and an e-mail address (and fields the
    gateway sets: ``primaryCode``, ``displayName``, ``affiliations``, ``activeEnrollment``).
    """
    if not (data.given_name and data.family_name and data.email):
        return None
    display = " ".join(p for p in (data.given_name, data.family_name_prefix,
                                   data.family_name) if p)
    person: dict[str, Any] = {
        "personId": str(person_id),
        "primaryCode": {"codeType": "systemId", "code": str(person_id)},
        "givenName": data.given_name,
        "surname": data.family_name,
        "displayName": display,
        "affiliations": ["student"],
        "mail": str(data.email),
        "activeEnrollment": False,
    }
    if data.family_name_prefix:
        person["surnamePrefix"] = data.family_name_prefix
    if data.birth_date is not None:
        person["dateOfBirth"] = data.birth_date.isoformat()
    if eck_id:
        person["otherCodes"] = [{"codeType": "eckid", "code": eck_id}]
    return person


def association_of(
    application: Application, *, offering_id: str, person: str | dict[str, Any]
) -> dict[str, Any]:
    """The body of ``PUT /associations/{application.id}`` (table in the module docstring).

    Args:
        application: the canonical application.
        offering_id: the offering's id as the SIS knows it.
        person: the person's id as the SIS knows it, or the expanded ``Person``.
    """
    return {
        "associationId": str(application.id),
        "associationType": "programOfferingAssociation",
        "role": "student",
        "state": to_association_state(application.state).value,
        "remoteState": to_remote_state(application.state).value,
        "person": person,
        "offering": offering_id,
    }


def redacted(association: dict[str, Any]) -> dict[str, Any]:
    """A copy with an expanded person reduced to its ``personId``."""
    person = association.get("person")
    if isinstance(person, dict):
        return {**association, "person": person.get("personId")}
    return dict(association)
