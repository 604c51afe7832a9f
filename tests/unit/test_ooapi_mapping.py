"""OOAPI v5 (mbo profile) -> canonical catalogue: each mbo fact, and bad records."""

from __future__ import annotations

import copy
from collections import Counter
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from gateway.domain import Cohort, Course, ProgrammeOffering, Qualification, entity_id
from gateway.domain.catalogue import CohortStatus, CourseKind
from gateway.domain.values import Leerweg
from gateway.errors import SkippableRecordError
from gateway.mappings.ooapi_v5_in import (
    KINDS,
    identify,
    program_records,
    record,
    to_canonical,
)
from simulators.ooapi_sis.generator import SisCatalogue

PROGRAM_ID = "11111111-1111-4111-8111-111111111111"


def _program(**over: Any) -> dict[str, Any]:
    doc = {
        "programId": PROGRAM_ID, "programType": "program",
        "primaryCode": {"codeType": "programCode", "code": "25604BOL"},
        "name": [{"language": "en-GB", "value": "Software developer"},
                 {"language": "nl-NL", "value": "Softwareontwikkelaar"}],
        "abbreviation": "SD", "description": [{"language": "nl-NL", "value": "Mbo 4"}],
        "teachingLanguage": "nld", "modeOfStudy": "full-time", "levelOfQualification": "4",
        "otherCodes": [{"codeType": "crohoCreboCode", "code": "25604"}],
        "validFrom": "2026-08-01",
    }
    doc.update(over)
    return doc


def _offering(n: int = 1, *, year: int = 2027, location: str = "123X456",
              **over: Any) -> dict[str, Any]:
    doc = {
        "offeringId": f"22222222-2222-4222-8222-{n:012d}", "offeringType": "program",
        "primaryCode": {"codeType": "offeringCode", "code": f"O{n}"},
        "name": [{"language": "nl-NL", "value": "SD"}],
        "description": [{"language": "nl-NL", "value": "SD"}],
        "teachingLanguage": "nld", "resultExpected": True, "program": PROGRAM_ID,
        "startDate": f"{year}-09-01", "endDate": f"{year + 3}-07-15",
        "enrollStartDate": f"{year - 1}-10-01", "enrollEndDate": f"{year}-08-15",
        "maxNumberStudents": 24,
        "priceInformation": [{"costType": "STAP eligible", "amount": "100"},
                             {"costType": "total costs", "amount": "1392.50", "currency": "EUR"}],
        "consumers": [
            {"consumerKey": "nl-test-admin", "offeringState": "active",
             "cohort": f"{year}-{year + 1}", "location": location},
            {"consumerKey": "rio", "registrationStatus": "open",
             "requiredPermissionRegistration": "no"},
        ],
    }
    doc.update(over)
    return doc


def _map(program: dict[str, Any] | None = None, *offerings: dict[str, Any]) -> list[Any]:
    [rec] = program_records([program or _program()], list(offerings) or [_offering()])
    return to_canonical("roc-a", "sis", rec)


def _skip(program: dict[str, Any] | None = None, *offerings: dict[str, Any]) -> str:
    with pytest.raises(SkippableRecordError) as caught:
        _map(program, *offerings)
    assert caught.value.raw is not None  # the sync quarantines the raw record
    return caught.value.path


def _by_kind(entities: list[Any]) -> dict[str, list[Any]]:
    found: dict[str, list[Any]] = {}
    for entity in entities:
        found.setdefault(entity.kind, []).append(entity)
    return found


def test_a_program_offering_becomes_a_programme_offering_with_a_cohort() -> None:
    found = _by_kind(_map())
    [offering] = found["programme-offering"]
    [cohort] = found["cohort"]
    assert isinstance(offering, ProgrammeOffering) and isinstance(cohort, Cohort)
    assert (offering.crebo, offering.leerweg, offering.level, offering.location) == (
        "25604", Leerweg.BOL, 4, "123X456")
    assert offering.name == "Softwareontwikkelaar"  # Dutch preferred
    assert offering.language == "NLD" and offering.valid_from == date(2026, 8, 1)
    assert offering.source.id == f"{PROGRAM_ID}/123X456"
    assert cohort.offering_id == offering.id and cohort.code == "2027-2028"
    assert (cohort.application_start, cohort.application_end, cohort.start_date,
            cohort.end_date) == (date(2026, 10, 1), date(2027, 8, 15), date(2027, 9, 1),
                                 date(2030, 7, 15))
    assert cohort.status is CohortStatus.OPEN and cohort.capacity == 24
    assert cohort.price is not None and cohort.price.amount == Decimal("1392.50")


@pytest.mark.parametrize("code_type", ["crohoCreboCode", "nationalEducationCode"])
def test_crebo_comes_from_other_codes(code_type: str) -> None:
    program = _program(otherCodes=[{"codeType": "x-internal", "code": "99999"},
                                   {"codeType": code_type, "code": "25180"}])
    assert _by_kind(_map(program))["programme-offering"][0].crebo == "25180"


@pytest.mark.parametrize("codes, pointer", [
    ([], "/program/otherCodes"),
    ([{"codeType": "crohoCreboCode", "code": "2560"}], "/program/otherCodes/0/code"),
    ([{"codeType": "crohoCreboCode", "code": "25604"},
      {"codeType": "nationalEducationCode", "code": "25180"}], "/program/otherCodes"),
])
def test_a_program_without_one_clear_crebo_is_skipped(codes: list[Any], pointer: str) -> None:
    assert _skip(_program(otherCodes=codes)) == pointer


@pytest.mark.parametrize("mode, leerweg", [
    ("full-time", Leerweg.BOL), ("part-time", Leerweg.BBL), ("dual training", Leerweg.BBL)])
def test_leerweg_comes_from_mode_of_study(mode: str, leerweg: Leerweg) -> None:
    assert _by_kind(_map(_program(modeOfStudy=mode)))["programme-offering"][0].leerweg == leerweg


def test_a_mode_of_study_that_is_no_leerweg_is_skipped() -> None:
    assert _skip(_program(modeOfStudy="self-paced")) == "/program/modeOfStudy"
    program = _program()
    del program["modeOfStudy"]
    assert _skip(program) == "/program/modeOfStudy"


def test_level_falls_back_to_the_level_name() -> None:
    program = _program(level="secondary vocational education 2")
    del program["levelOfQualification"]
    assert _by_kind(_map(program))["programme-offering"][0].level == 2
    del program["level"]
    assert _skip(program) == "/program/levelOfQualification"


def test_one_programme_offering_per_location_with_its_cohorts() -> None:
    offerings = [_offering(1, year=2027), _offering(2, year=2028),
                 _offering(3, year=2027, location="123X457"), _offering(4, year=2028,
                                                                        location="123X457")]
    found = _by_kind(_map(_program(), *offerings))
    by_location = {o.location: o for o in found["programme-offering"]}
    assert set(by_location) == {"123X456", "123X457"}
    cohorts = Counter((c.offering_id, c.code) for c in found["cohort"])
    assert set(cohorts) == {(by_location[loc].id, code) for loc in by_location
                            for code in ("2027-2028", "2028-2029")}


def test_location_falls_back_to_the_rio_consumer_of_offering_then_program() -> None:
    offering = _offering()
    del offering["consumers"][0]["location"]
    offering["consumers"][1]["educationLocationCode"] = "321X654"
    assert _by_kind(_map(_program(), offering))["programme-offering"][0].location == "321X654"
    del offering["consumers"][1]["educationLocationCode"]
    program = _program(consumers=[{"consumerKey": "rio", "educationOffererCode": "123A456",
                                   "educationLocationCode": "999X001"}])
    assert _by_kind(_map(program, offering))["programme-offering"][0].location == "999X001"
    assert _skip(_program(), offering) == "/offerings/0/consumers"


def test_a_location_that_is_no_onderwijslocatiecode_is_skipped() -> None:
    offering = _offering(location="Campus Groningen")
    assert _skip(_program(), _offering(), offering) == "/offerings/1/consumers/0/location"


def test_an_offering_without_cohort_is_skipped() -> None:
    offering = _offering()
    del offering["consumers"][0]["cohort"]
    assert _skip(_program(), offering) == "/offerings/0/consumers/0/cohort"
    offering["consumers"] = [{"consumerKey": "x"}]
    offering["consumers"].append({"consumerKey": "rio", "educationLocationCode": "123X456"})
    assert _skip(_program(), offering) == "/offerings/0/consumers"


def test_status_and_consent_come_from_the_consumer_entries() -> None:
    closed = _offering(1)
    closed["consumers"][1].update(registrationStatus="closed",
                                  requiredPermissionRegistration="yes",
                                  explanationRequiredPermission="Na een intakegesprek.")
    canceled = _offering(2, year=2028)
    canceled["consumers"][0]["offeringState"] = "canceled"
    del canceled["consumers"][1]
    first, second = _by_kind(_map(_program(), closed, canceled))["cohort"]
    assert first.status is CohortStatus.CLOSED and first.consent_required
    assert first.consent_explanation == "Na een intakegesprek."
    assert second.status is CohortStatus.CLOSED and not second.consent_required


def test_an_application_window_after_the_start_is_skipped() -> None:
    offering = _offering(enrollStartDate="2027-09-15", enrollEndDate=None)
    del offering["enrollEndDate"]
    assert _skip(_program(), offering) == "/offerings/0/enrollStartDate"


def test_an_offering_without_application_start_is_skipped() -> None:
    offering = _offering()
    del offering["enrollStartDate"]
    assert _skip(_program(), offering) == "/offerings/0/enrollStartDate"


def test_flexible_intake_replaces_the_fixed_start() -> None:
    offering = _offering(flexibleEntryPeriodStart="2027-09-01",
                         flexibleEntryPeriodEnd="2028-02-01")
    [cohort] = _by_kind(_map(_program(), offering))["cohort"]
    assert cohort.start_date is None
    assert cohort.flexible_intake is not None
    assert (cohort.flexible_intake.start, cohort.flexible_intake.end) == (
        date(2027, 9, 1), date(2028, 2, 1))
    del offering["flexibleEntryPeriodEnd"]
    assert _skip(_program(), offering) == "/offerings/0/flexibleEntryPeriodEnd"


@pytest.mark.parametrize("over, pointer", [
    ({"maxNumberStudents": 12.5}, "/offerings/0/maxNumberStudents"),
    ({"priceInformation": [{"costType": "total costs", "amount": "12,50"}]},
     "/offerings/0/priceInformation/0/amount"),
    ({"startDate": "1 september"}, "/offerings/0/startDate"),
    ({"endDate": "2027-08-01"}, "/offerings/0/endDate"),
    ({"offeringType": "course"}, "/offerings/0/offeringType"),
    ({"offeringId": None}, "/offerings/0/offeringId"),
])
def test_bad_offering_facts_are_skipped_with_their_pointer(over: dict[str, Any],
                                                           pointer: str) -> None:
    assert _skip(_program(), _offering(**over)) == pointer


def test_two_cohorts_with_one_code_at_one_location_are_skipped() -> None:
    assert _skip(_program(), _offering(1), _offering(2)) == "/offerings/1"


def test_valid_to_is_exclusive_and_valid_from_falls_back() -> None:
    program = _program(validTo="2030-08-01")
    del program["validFrom"]
    [offering] = _by_kind(_map(program))["programme-offering"]
    assert offering.valid_until == date(2030, 7, 31)
    assert offering.valid_from == date(2026, 10, 1)  # the earliest enrolment start


def test_offerings_of_an_unlisted_program_are_skipped_but_identified() -> None:
    [rec] = program_records([], [_offering()])
    with pytest.raises(SkippableRecordError) as caught:
        to_canonical("roc-a", "sis", rec)
    assert caught.value.path == "/program"
    assert identify(rec) == [("programme-offering", f"{PROGRAM_ID}/123X456"),
                             ("cohort", _offering()["offeringId"])]


def test_identify_names_what_a_broken_record_stands_for() -> None:
    good = program_records([_program()], [_offering()])[0]
    ids = {e.id for e in to_canonical("roc-a", "sis", good)}
    broken = copy.deepcopy(good)
    broken["program"]["otherCodes"] = []
    assert {entity_id("roc-a", "sis", kind, sid) for kind, sid in identify(broken)} == ids
    del broken["offerings"][0]["consumers"][0]["location"]
    with pytest.raises(ValueError, match="no location"):
        identify(broken)  # unsure: the sync then deletes nothing this run


def test_an_education_specification_becomes_a_qualification() -> None:
    spec = {"educationSpecificationId": "33333333-3333-4333-8333-333333333333",
            "educationSpecificationType": "program", "name": [{"language": "nl-NL",
                                                               "value": "Kok"}],
            "primaryCode": {"codeType": "crohoCreboCode", "code": "25180"},
            "level": "secondary vocational education 2"}
    [qualification] = to_canonical("roc-a", "sis", record("educationSpecification", spec))
    assert isinstance(qualification, Qualification)
    assert (qualification.crebo, qualification.name, qualification.level) == ("25180", "Kok", 2)
    assert identify(record("educationSpecification", spec)) == [
        ("qualification", spec["educationSpecificationId"])]
    assert to_canonical("roc-a", "sis", record(
        "educationSpecification", {**spec, "educationSpecificationType": "cluster"})) == []
    with pytest.raises(SkippableRecordError) as caught:
        to_canonical("roc-a", "sis", record("educationSpecification",
                                            {**spec, "primaryCode": {"codeType": "x",
                                                                     "code": "1"}}))
    assert caught.value.path == "/educationSpecification/otherCodes"


def _course(**over: Any) -> dict[str, Any]:
    doc = {"courseId": "44444444-4444-4444-8444-444444444444",
           "primaryCode": {"codeType": "courseCode", "code": "M00001"},
           "name": [{"language": "nl-NL", "value": "Rekenen"}], "abbreviation": "REK",
           "description": [{"language": "nl-NL", "value": "Rekenen"}],
           "teachingLanguage": "nld", "level": "secondary vocational education",
           "studyLoad": {"studyLoadUnit": "sbu", "value": 80}}
    doc.update(over)
    return doc


def test_courses_and_keuzedelen() -> None:
    [module] = to_canonical("roc-a", "sis", record("course", _course()))
    assert isinstance(module, Course)
    assert (module.course_kind, module.code, module.study_load_hours) == (
        CourseKind.MODULE, "M00001", 80)
    keuzedeel = _course(otherCodes=[{"codeType": "nationalEducationCode", "code": "K0080"}],
                        studyLoad={"studyLoadUnit": "ects", "value": 3})
    [course] = to_canonical("roc-a", "sis", record("course", keuzedeel))
    assert (course.course_kind, course.code, course.study_load_hours) == (
        CourseKind.KEUZEDEEL, "K0080", None)
    with pytest.raises(SkippableRecordError) as caught:
        to_canonical("roc-a", "sis", record("course", _course(name=[])))
    assert caught.value.path == "/course/name"


def test_unknown_record_kinds_are_skipped() -> None:
    with pytest.raises(SkippableRecordError) as caught:
        to_canonical("roc-a", "sis", {"kind": "person"})
    assert caught.value.path == "/kind"
    with pytest.raises(ValueError, match="unknown record kind"):
        identify({"kind": "person"})


def test_the_simulated_catalogue_maps_completely() -> None:
    catalogue = SisCatalogue(40, seed=11, cohorts=3, courses=30, today=date(2026, 11, 22))
    program_offerings = [o for o in catalogue.offerings.values() if o["offeringType"] == "program"]
    records = program_records(catalogue.programs.values(), program_offerings)
    records += [record("course", c) for c in catalogue.courses.values()]
    records += [record("educationSpecification", s)
                for s in catalogue.education_specifications.values()]
    entities = [e for r in records for e in to_canonical("roc-a", "sis", r)]
    kinds = Counter(e.kind for e in entities)
    assert kinds == {"programme-offering": 40, "cohort": 120, "course": 30,
                     "qualification": len(catalogue.education_specifications)}
    assert set(kinds) == set(KINDS)
    triples = {(e.crebo, e.leerweg, e.location) for e in entities if e.kind == "programme-offering"}
    assert len(triples) == 40
    assert Counter(e.course_kind for e in entities if e.kind == "course")[CourseKind.KEUZEDEEL] == 9
