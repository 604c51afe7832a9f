"""An application as the mbo profile's association: valid against the published profile."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import pytest

from gateway.adapters.ooapi.mbo_profile import mbo_profile
from gateway.adapters.standards import Standards
from gateway.domain import Application, PersonalData, SourceRef
from gateway.domain.enrolment import EnrolmentState
from gateway.mappings.mbo_association import (
    ASSOCIATION_PATH,
    association_of,
    mbo_person,
    redacted,
)

PERSON = UUID("0b9d1c52-0c43-4a61-9d1e-6d4c7f6e2a10")
OFFERING = "5a1f3c2e-8b7d-4e6f-9a0b-1c2d3e4f5a6b"
DATA = PersonalData(given_name="Maartje", family_name_prefix="van", family_name="Damme",
                    birth_date=date(2008, 9, 30), email="maartje@example.org")


def _application(state: EnrolmentState = EnrolmentState.RECEIVED) -> Application:
    app: Application = Application.create(
        tenant="roc-a", source=SourceRef(system="intake", id="k1"), person_id=PERSON,
        cohort_id=UUID(int=7), submitted_on=date(2026, 3, 1), state=state)
    return app


@pytest.mark.parametrize(("state", "expected"), [
    (EnrolmentState.RECEIVED, "pending"), (EnrolmentState.WITHDRAWN, "canceled")])
@pytest.mark.parametrize("expanded", [False, True])
def test_association_bodies_conform_to_the_mbo_profile(
    standards: Standards, state: EnrolmentState, expected: str, expanded: bool
) -> None:
    application = _application(state)
    person = mbo_person(PERSON, DATA, eck_id="https://ketenid.nl/201703310") if expanded \
        else str(PERSON)
    assert person is not None
    body = association_of(application, offering_id=OFFERING, person=person)
    assert body["associationId"] == str(application.id)
    assert body["state"] == body["remoteState"] == expected
    assert body["associationType"] == "programOfferingAssociation"
    assert body["offering"] == OFFERING
    assert mbo_profile(standards).validate_request(ASSOCIATION_PATH, "put", body) == []


def test_the_profile_check_names_the_place_without_quoting_values(standards: Standards) -> None:
    person = mbo_person(PERSON, DATA)
    assert person is not None
    body = association_of(_application(), offering_id="not-a-uuid",
                          person={**person, "mail": "maartje-at-example"})
    errors = mbo_profile(standards).validate_request(ASSOCIATION_PATH, "put", body)
    assert errors
    text = " ".join(f"{e.pointer} {e.message} {e.schema_path}" for e in errors)
    assert "maartje" not in text.lower() and "not-a-uuid" not in text
    assert all(e.schema_path.startswith("ooapi-v5-mbo/ooapiv5_MBO.yaml#/paths/") for e in errors)


def test_expanded_person_carries_what_the_profile_requires() -> None:
    person = mbo_person(PERSON, DATA, eck_id="https://ketenid.nl/201703310")
    assert person == {
        "personId": str(PERSON), "primaryCode": {"codeType": "systemId", "code": str(PERSON)},
        "givenName": "Maartje", "surnamePrefix": "van", "surname": "Damme",
        "displayName": "Maartje van Damme", "affiliations": ["student"],
        "mail": "maartje@example.org", "activeEnrollment": False, "dateOfBirth": "2008-09-30",
        "otherCodes": [{"codeType": "eckid", "code": "https://ketenid.nl/201703310"}],
    }


def test_no_expanded_person_without_name_and_mail() -> None:
    assert mbo_person(PERSON, PersonalData(given_name="Maartje", family_name="Damme")) is None
    assert mbo_person(PERSON, PersonalData(email="maartje@example.org")) is None


def test_redacted_copy_keeps_ids_only() -> None:
    person = mbo_person(PERSON, DATA)
    assert person is not None
    body = association_of(_application(), offering_id=OFFERING, person=person)
    copy = redacted(body)
    assert copy["person"] == str(PERSON)
    assert body["person"] is person  # the original is untouched
    text = repr(copy)
    for value in ("Maartje", "Damme", "maartje@example.org", "2008-09-30"):
        assert value not in text
    assert redacted(copy) == copy
