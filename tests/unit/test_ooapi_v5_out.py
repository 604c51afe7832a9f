"""Canonical -> OOAPI v5 documents, read back by ``ooapi_v5_in``: the facts survive the trip."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from gateway.domain import Cohort, Course, Entity, ProgrammeOffering, Qualification, SourceRef
from gateway.mappings import ooapi_v5_in
from gateway.mappings.ooapi_v5_institution import Institution, academic_session, school_year
from gateway.mappings.ooapi_v5_out import (
    cohort_end,
    course,
    education_specification,
    program,
    program_offering,
)

TENANT = "roc-a"
RIO_INSTITUTION = Institution(TENANT, "ROC A", brin="12AB", onderwijsaanbiedercode="123A456")


def _src(ident: str) -> SourceRef:
    return SourceRef(system="sis", id=ident)


def _offering(**over: Any) -> ProgrammeOffering:
    fields: dict[str, Any] = {
        "crebo": "25604", "leerweg": "BBL", "level": 3, "location": "123X456",
        "valid_from": date(2026, 8, 1), "valid_until": date(2030, 7, 31),
        "name": "Software developer", "description": "Bouwt software", "language": "ENG",
    }
    fields.update(over)
    return ProgrammeOffering.create(tenant=TENANT, source=_src("o1"), **fields)


def _cohorts(offering: ProgrammeOffering) -> list[Cohort]:
    common = {"offering_id": offering.id, "application_start": date(2026, 1, 1)}
    return [
        Cohort.create(tenant=TENANT, source=_src("c1"), code="2026-2027", status="open",
                      application_end=date(2026, 8, 15), start_date=date(2026, 9, 1),
                      end_date=date(2029, 7, 15), capacity=24, mode_of_delivery="hybrid",
                      price={"amount": Decimal("1200.50")}, **common),
        Cohort.create(tenant=TENANT, source=_src("c2"), code="FLEX", status="closed",
                      flexible_intake={"start": date(2026, 9, 1), "end": date(2027, 2, 1)},
                      consent_required=True, consent_explanation="Na een intakegesprek",
                      **common),
    ]


def _read_back(offering: ProgrammeOffering, cohorts: list[Cohort]) -> list[Entity]:
    """What ``ooapi_v5_in`` makes of the provider's documents (with ``consumer=rio``)."""
    program_doc = program(offering, RIO_INSTITUTION, consumer="rio")
    offering_docs = [program_offering(c, offering, RIO_INSTITUTION, consumer="rio")
                     for c in cohorts]
    [record] = ooapi_v5_in.program_records([program_doc], offering_docs)
    return ooapi_v5_in.to_canonical(TENANT, "gateway", record)


def _facts(entity: Entity) -> dict[str, Any]:
    """The canonical state without what names the source (ids differ per source system)."""
    return entity.model_dump(exclude={"id", "source", "offering_id"})


def test_canonical_out_in_keeps_what_the_in_mapping_reads() -> None:
    offering = _offering()
    cohorts = _cohorts(offering)
    back_offering, *back_cohorts = _read_back(offering, cohorts)
    assert _facts(back_offering) == _facts(offering)
    assert [_facts(c) for c in back_cohorts[:1]] == [_facts(cohorts[0])]
    flexible = _facts(cohorts[1]) | {"end_date": cohort_end(cohorts[1], offering)}
    assert _facts(back_cohorts[1]) == flexible  # OOAPI requires an end: the nominal one
    assert {c.offering_id for c in back_cohorts} == {back_offering.id}


def test_in_out_in_round_trips() -> None:
    offering = _offering(description=None, valid_until=None, leerweg="BOL", language="NLD")
    first_offering, *first_cohorts = _read_back(offering, _cohorts(offering))
    second_offering, *second_cohorts = _read_back(
        first_offering, [c.model_copy(update={"offering_id": first_offering.id})
                         for c in first_cohorts])
    assert _facts(second_offering) == _facts(first_offering)
    assert [_facts(c) for c in second_cohorts] == [_facts(c) for c in first_cohorts]


def test_courses_and_qualifications_round_trip() -> None:
    offering = _offering()
    for kind, code in (("keuzedeel", "K0080"), ("module", "M-12")):
        item = Course.create(tenant=TENANT, source=_src(code), course_kind=kind, code=code,
                             name="Verdieping", study_load_hours=240, offering_id=offering.id)
        doc = course(item, offering, RIO_INSTITUTION, consumer="rio")
        back = ooapi_v5_in.to_canonical(TENANT, "gateway", ooapi_v5_in.record("course", doc))
        assert _facts(back[0]) == _facts(item)
    qualification = Qualification.create(tenant=TENANT, source=_src("q"), crebo="25604",
                                         name="Software developer", level=4)
    doc = education_specification(qualification, RIO_INSTITUTION)
    back = ooapi_v5_in.to_canonical(
        TENANT, "gateway", ooapi_v5_in.record("educationSpecification", doc))
    assert _facts(back[0]) == _facts(qualification)


def test_program_facts_in_ooapi_terms() -> None:
    offering = _offering()
    doc = program(offering, RIO_INSTITUTION, consumer="rio")
    assert doc["modeOfStudy"] == "dual training" and doc["teachingLanguage"] == "eng"
    assert doc["otherCodes"] == [{"codeType": "crohoCreboCode", "code": "25604"}]
    assert (doc["validFrom"], doc["validTo"]) == ("2026-08-01", "2030-08-01")  # exclusive end
    assert doc["consumers"] == [{"consumerKey": "rio", "educationOffererCode": "123A456",
                                 "teachingLanguages": ["eng"],
                                 "educationLocationCode": "123X456"}]
    assert "consumers" not in program(offering, RIO_INSTITUTION)
    no_code = Institution(TENANT, "ROC A")
    assert program(offering, no_code, consumer="rio")["consumers"] == []


def test_program_offering_facts_in_ooapi_terms() -> None:
    offering = _offering()
    fixed, flexible = _cohorts(offering)
    doc = program_offering(fixed, offering, RIO_INSTITUTION)
    assert doc["consumers"] == [{"consumerKey": "nl-test-admin", "offeringState": "active",
                                 "cohort": "2026-2027", "location": "123X456"}]
    assert doc["priceInformation"] == [
        {"costType": "total costs", "amount": "1200.50", "currency": "EUR"}]
    assert doc["modeOfDelivery"] == ["hybrid"] and doc["maxNumberStudents"] == 24
    assert doc["academicSession"] == academic_session(TENANT, 2026)["academicSessionId"]
    rio = program_offering(flexible, offering, RIO_INSTITUTION, consumer="rio")["consumers"][1]
    assert rio == {"consumerKey": "rio", "registrationStatus": "closed",
                   "requiredPermissionRegistration": "yes",
                   "explanationRequiredPermission": "Na een intakegesprek"}
    odd = fixed.model_copy(update={"mode_of_delivery": "lecture"})
    assert "modeOfDelivery" not in program_offering(odd, offering, RIO_INSTITUTION)


@pytest.mark.parametrize(("start", "intake_end", "end_date", "level", "expected"), [
    (date(2026, 9, 1), None, date(2028, 7, 1), 4, date(2028, 7, 1)),
    (date(2026, 9, 1), None, None, 3, date(2029, 9, 1)),
    (date(2026, 9, 1), date(2027, 2, 1), None, 2, date(2029, 2, 1)),
    (date(2028, 2, 29), None, None, 1, date(2029, 3, 1)),
    (date(9998, 9, 1), None, None, 4, date.max),
])
def test_cohort_end(start: date, intake_end: date | None, end_date: date | None, level: int,
                    expected: date) -> None:
    offering = _offering(level=level)
    timing: dict[str, Any] = (
        {"flexible_intake": {"start": start, "end": intake_end}} if intake_end
        else {"start_date": start})
    cohort = Cohort.create(tenant=TENANT, source=_src("c"), offering_id=offering.id, code="x",
                           status="open", application_start=date(2026, 1, 1),
                           end_date=end_date, **timing)
    assert cohort_end(cohort, offering) == expected


@pytest.mark.parametrize(("day", "year"), [
    (date(2026, 8, 1), 2026), (date(2026, 7, 31), 2025), (date(2027, 1, 15), 2026)])
def test_school_years_begin_on_the_first_of_august(day: date, year: int) -> None:
    assert school_year(day) == year
