"""Associations validated by their type against the official schemas, in all three shapes."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from gateway.adapters.ooapi import ooapi_schemas
from gateway.adapters.ooapi.association_checks import AssociationChecks
from gateway.adapters.ooapi.enrolment_source import OfferingSummary
from gateway.adapters.standards import Standards
from simulators.ooapi_sis import population_docs as pdocs
from simulators.ooapi_sis.generator import SisCatalogue

PERSON = "4a7c1b7e-0000-4000-8000-000000000001"


@pytest.fixture(scope="module")
def checks(standards: Standards) -> AssociationChecks:
    return AssociationChecks(ooapi_schemas(standards))


@pytest.fixture(scope="module")
def catalogue() -> SisCatalogue:
    return SisCatalogue(4, seed=1, courses=3, today=date(2026, 3, 1))


def _offering(catalogue: SisCatalogue, kind: str) -> dict[str, Any]:
    return next(o for o in catalogue.offerings.values() if o["offeringType"] == kind)


def _association(kind: str = "program", **changes: Any) -> dict[str, Any]:
    doc = pdocs.association("4a7c1b7e-0000-4000-8000-0000000000a1", kind, "associated",
                            start=date(2026, 9, 1), expected_end=None, sequence="1-1")
    return {**doc, **changes}


def test_an_association_without_result_is_refused_by_the_plain_oneof_and_passes_by_type(
    checks: AssociationChecks, catalogue: SisCatalogue,
) -> None:
    offering = _offering(catalogue, "program")
    full = pdocs.on_its_own(_association(), PERSON, offering["offeringId"])
    plain = checks.schemas.validate_response("/associations/{associationId}", "get", 200, full)
    assert [e.message for e in plain] == ["matches more than one of the oneOf alternatives"]
    assert checks.on_its_own(full) == []
    assert checks.under_offering(pdocs.under_offering(_association(), PERSON)) == []
    assert checks.under_person(pdocs.under_person(_association(), offering)) == []
    course = _offering(catalogue, "course")
    assert checks.under_person(pdocs.under_person(_association("course"), course)) == []
    expanded = pdocs.on_its_own(_association("course"), PERSON, course["offeringId"])
    expanded["offering"] = course
    assert checks.on_its_own(expanded) == []


def test_errors_name_the_place_and_the_rule(checks: AssociationChecks,
                                            catalogue: SisCatalogue) -> None:
    program, course = _offering(catalogue, "program"), _offering(catalogue, "course")
    [wrong_type] = checks.under_offering(_association(associationType="exam"))
    assert wrong_type.pointer == "/associationType"
    assert wrong_type.message.startswith("not one of")
    assert wrong_type.schema_path.endswith("associationType/enum")
    [missing] = checks.under_person(_association())
    assert missing.message == "'offering' is a required property"
    assert "persons~1{personId}~1associations" in missing.schema_path
    mismatched = checks.under_person(pdocs.under_person(_association(), course))
    assert mismatched and all(e.pointer.startswith("/offering") for e in mismatched)
    as_string = checks.under_offering({**_association(), "person": PERSON})
    assert [e.pointer for e in as_string] == ["/person"]
    bad_state = checks.under_person(pdocs.under_person(_association(state="done"), program))
    assert [e.pointer for e in bad_state] == ["/state"]
    assert checks.under_offering("not an object")


def test_offering_summaries_say_what_an_association_needs(catalogue: SisCatalogue) -> None:
    program, course = _offering(catalogue, "program"), _offering(catalogue, "course")
    summary = OfferingSummary.of(program)
    assert summary is not None
    assert (summary.offering_type, summary.parent_id, summary.start, summary.end) == (
        "program", program["program"], date.fromisoformat(program["startDate"]),
        date.fromisoformat(program["endDate"]))
    of_course = OfferingSummary.of({**course, "course": {"courseId": course["course"]}})
    assert of_course is not None and of_course.parent_id == course["course"]
    component = OfferingSummary.of({"offeringId": "x", "offeringType": "component",
                                    "startDateTime": "2026-06-21T12:45:00+02:00"})
    assert component is not None and component.start == date(2026, 6, 21)
    assert OfferingSummary.of({"offeringType": "program"}) is None
