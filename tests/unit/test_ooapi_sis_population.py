"""The simulated school's population: sizes, states, klassen, validity, changes, memory."""

from __future__ import annotations

import re
import tracemalloc
from collections import Counter
from datetime import date

import pytest

from gateway.adapters.ooapi import ooapi_schemas
from gateway.adapters.ooapi.association_checks import AssociationChecks
from gateway.adapters.ooapi.mbo_profile import mbo_profile
from gateway.adapters.standards import Standards
from simulators.ooapi_sis import population_docs as pdocs
from simulators.ooapi_sis.generator import SisCatalogue
from simulators.ooapi_sis.numbered_ids import NumberedIds
from simulators.ooapi_sis.population import APPLICATION, KEUZEDEEL, PROGRAMME, SisSchool
from simulators.ooapi_sis.school_changes import NotDecidable, SchoolMutator

TODAY = date(2026, 3, 1)


def school_of(students: int, *, seed: int = 5, offerings: int = 40) -> SisSchool:
    return SisSchool(SisCatalogue(offerings, seed=seed, today=TODAY), students=students)


@pytest.fixture(scope="module")
def school() -> SisSchool:
    return school_of(1500)


def _all_associations(school: SisSchool) -> list[tuple[dict[str, object], str, str]]:
    return [found for n in range(school.students)
            for found in school.associations_of_person(school.person_id(n))]


def test_numbered_ids_round_trip_and_refuse_strangers() -> None:
    persons, groups = NumberedIds(3, "person"), NumberedIds(3, "group")
    ident = persons.encode(41)
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}", ident)
    assert persons.decode(ident) == 41
    assert groups.decode(ident) is None
    assert NumberedIds(4, "person").decode(ident) is None
    assert persons.encode(9) < persons.encode(10) < persons.encode(4096)
    with pytest.raises(ValueError, match="out of range"):
        persons.encode(-1)


def test_the_school_has_its_size_with_staff_and_about_1_65_associations_per_student(
    school: SisSchool,
) -> None:
    assert (school.students, school.staff, school.persons) == (1500, 60, 1560)
    found = _all_associations(school)
    assert 2250 < len(found) < 2700  # between 1.5 and 1.8 per student
    kinds = Counter(doc["associationType"] for doc, _, _ in found)
    assert set(kinds) == {"programOfferingAssociation", "courseOfferingAssociation"}
    applicants = [n for n in range(1500) if school.slot_offering[PROGRAMME][n] < 0]
    assert 0 < len(applicants) < 0.1 * 1500
    assert all(school.slot_offering[APPLICATION][n] >= 0 for n in applicants)
    assert all(school.slot_offering[KEUZEDEEL][n] < 0 for n in applicants)


def test_states_are_realistic_per_kind_of_association(school: SisSchool) -> None:
    by_slot: dict[int, Counter[str]] = {PROGRAMME: Counter(), APPLICATION: Counter(),
                                        KEUZEDEEL: Counter()}
    for doc, _, _ in _all_associations(school):
        slot = school.association_number(str(doc["associationId"]))
        assert slot is not None
        by_slot[slot % 4][str(doc["state"])] += 1
    assert set(by_slot[PROGRAMME]) == {"associated", "canceled"}
    assert by_slot[PROGRAMME]["associated"] > 10 * by_slot[PROGRAMME]["canceled"]
    assert {"pending", "associated", "denied"} <= set(by_slot[APPLICATION])
    assert by_slot[APPLICATION].most_common(1)[0][0] == "pending"
    assert by_slot[KEUZEDEEL].most_common(1)[0][0] == "associated"


def test_students_are_enrolled_in_running_cohorts_and_apply_for_coming_ones(
    school: SisSchool,
) -> None:
    offerings = school.catalogue.offerings
    for doc, person, offering in _all_associations(school)[:400]:
        number = school.association_number(str(doc["associationId"]))
        assert number is not None and school.person_id(number // 4) == person
        start = offerings[offering]["startDate"]
        entry = doc["consumers"][0]  # type: ignore[index]
        assert entry["startDate"] == start
        if number % 4 == PROGRAMME:
            assert start <= TODAY.isoformat() <= offerings[offering]["endDate"]
        elif number % 4 == APPLICATION:
            assert start > TODAY.isoformat()
        else:
            assert offerings[offering]["offeringType"] == "course"
            if school.slot_offering[PROGRAMME][number // 4] >= 0:
                assert entry["programOfferingAssociationId"] == \
                    school.association_ids.encode(number // 4 * 4)


def test_a_student_who_left_is_no_longer_actively_enrolled(school: SisSchool) -> None:
    for n in range(school.students):
        doc = school.person_of(n)
        enrolled = school.slot_offering[PROGRAMME][n] >= 0 and \
            school.slot_state[PROGRAMME][n] == 0
        assert doc["activeEnrollment"] is enrolled


def test_klassen_split_every_running_cohort_evenly_with_a_mentor(school: SisSchool) -> None:
    seen: Counter[str] = Counter()
    for number in range(len(school.groups)):
        members = school.members(number)
        students = [m for m in members if m["role"] == "student"]
        assert students and len(students) <= school.class_size
        assert [m["role"] for m in members].count("lecturer") == 1
        assert school.group(number)["personCount"] == len(members)
        seen.update(m["personId"] for m in students)
    enrolled = {school.person_id(n) for n in range(school.students)
                if school.slot_offering[PROGRAMME][n] >= 0}
    assert set(seen) == enrolled and set(seen.values()) == {1}
    codes = [school.group(n)["primaryCode"]["code"] for n in range(len(school.groups))]
    assert len(set(codes)) == len(codes)


def test_personal_data_is_realistic_and_obviously_made_up(school: SisSchool) -> None:
    docs = [school.person_of(n) for n in range(school.persons)]
    assert len({d["personId"] for d in docs}) == school.persons
    assert all(d["mail"].endswith("example.nl") for d in docs)
    assert all(re.fullmatch(r"\d{4} [A-Z]{2}", d["address"]["postalCode"]) for d in docs)
    students = [d for d in docs if d["affiliations"] == ["student"]]
    staff = [d for d in docs if d["affiliations"] == ["employee"]]
    assert len(students) == 1500 and len(staff) == 60
    ages = [TODAY.year - int(d["dateOfBirth"][:4]) for d in students]
    assert min(ages) >= 15 and max(ages) <= 25
    with_eck = [d for d in docs if d.get("otherCodes")]
    assert 0.25 * len(docs) < len(with_eck) < 0.45 * len(docs)
    assert all(c["code"].startswith("https://ketenid.nl/") for d in with_eck
               for c in d["otherCodes"])
    assert len({d["displayName"] for d in docs}) > 500


def test_the_same_seed_gives_the_same_school_and_another_seed_another() -> None:
    one, two, other = school_of(300), school_of(300), school_of(300, seed=6)
    assert [one.person_of(n) for n in range(310)] == [two.person_of(n) for n in range(310)]
    assert _all_associations(one) == _all_associations(two)
    assert [one.person_of(n)["displayName"] for n in range(50)] != \
        [other.person_of(n)["displayName"] for n in range(50)]


def test_every_document_is_valid_against_the_official_schemas(standards: Standards) -> None:
    school = school_of(400, seed=9)
    schemas = ooapi_schemas(standards)
    checks = AssociationChecks(schemas)
    for n in range(school.persons):
        assert schemas.validate("Person", school.person_of(n)) == []
    offerings = school.catalogue.offerings
    for doc, person, offering in _all_associations(school):
        assert checks.under_person(pdocs.under_person(doc, offerings[offering])) == []
        assert checks.under_offering(pdocs.under_offering(doc, person)) == []
        assert checks.on_its_own(pdocs.on_its_own(doc, person, offering)) == []
    profile = mbo_profile(standards)
    for number in range(len(school.groups)):
        assert schemas.validate("Group", school.group(number)) == []
        page = {"pageSize": 250, "pageNumber": 1, "hasPreviousPage": False,
                "hasNextPage": False, "items": school.members(number)}
        assert profile.validate_response("/groups/{groupId}/members", "get", 200, page) == []


def test_changes_keep_ids_and_validity_and_are_reproducible(standards: Standards) -> None:
    schemas = ooapi_schemas(standards)
    one, two = school_of(600), school_of(600)
    before = [one.person_of(n) for n in range(one.persons)]
    changes = SchoolMutator(one).persons(40)
    after = [one.person_of(n) for n in range(one.persons)]
    changes += SchoolMutator(one).enrolments(30)
    assert changes == SchoolMutator(two).persons(40) + SchoolMutator(two).enrolments(30)
    assert one.version == 2
    assert [d["personId"] for d in after] == [d["personId"] for d in before]
    changed = [n for n in range(one.persons) if after[n] != before[n]]
    assert 20 <= len(changed) <= 40
    for n in changed:
        assert schemas.validate("Person", after[n]) == []
        expected = " ".join(p for p in (after[n]["givenName"], after[n].get("surnamePrefix"),
                                        after[n]["surname"]) if p)
        assert after[n]["displayName"] == expected
    assert len(changes) == 70
    assert all(not re.search(r"[A-Z][a-z]+ [A-Z][a-z]+", c) for c in changes)  # ids only


def test_decide_accepts_or_rejects_pending_applications_only() -> None:
    school = school_of(400)
    mutator = SchoolMutator(school)
    pending = [n for n in range(400) if school.slot_offering[APPLICATION][n] >= 0
               and school.slot_state[APPLICATION][n] == 1]
    first, second = (school.association_ids.encode(n * 4 + APPLICATION) for n in pending[:2])
    mutator.decide(first, accept=True)
    mutator.decide(second, accept=False)
    states = {ident: school.find_association(ident)[0]["state"]  # type: ignore[index]
              for ident in (first, second)}
    assert states == {first: "associated", second: "denied"}
    with pytest.raises(NotDecidable):
        mutator.decide(first, accept=False)
    enrolled = next(n for n in range(400) if school.slot_offering[PROGRAMME][n] >= 0)
    with pytest.raises(NotDecidable):
        mutator.decide(school.association_ids.encode(enrolled * 4), accept=True)
    with pytest.raises(KeyError):
        mutator.decide("5d3c1b7e-0000-4000-8000-000000000000", accept=True)


def test_a_school_of_50000_students_is_lean_it_builds_documents_only_when_asked() -> None:
    tracemalloc.start()
    try:
        catalogue = SisCatalogue(200, seed=2, today=TODAY)
        baseline, _ = tracemalloc.get_traced_memory()
        school = SisSchool(catalogue, students=50_000)
        held, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert school.persons == 52_000
    assert sum(len(a) for a in school.by_offering.values()) > 80_000
    # 52,000 person documents alone would take well over 100 MB
    assert held - baseline < 25 * 1024 * 1024
    assert peak - baseline < 40 * 1024 * 1024
    assert school.person(school.person_id(49_999))["primaryCode"]["code"] == "1049999"
