"""The simulated SIS's timetable and klas changes: deterministic, lazy, valid, exact changes."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from gateway.adapters.ooapi import ooapi_schemas
from gateway.adapters.ooapi.mbo_profile import mbo_profile
from gateway.adapters.standards import Standards
from simulators.ooapi_sis import SisCatalogue, SisSchool
from simulators.ooapi_sis.offering_groups_app import groups_of_offering
from simulators.ooapi_sis.population_docs import under_offering
from simulators.ooapi_sis.roster_changes import RosterMutator, apply_roster_changes

TODAY = date(2026, 3, 1)  # a Sunday


def school(seed: int = 3, sessions: int = 10, students: int = 150) -> SisSchool:
    return SisSchool(SisCatalogue(6, seed=seed, today=TODAY), students=students,
                     sessions_per_klas=sessions)


def test_the_same_seed_gives_the_same_timetable_and_ids_decode() -> None:
    one, two = school(), school()
    assert one.timetable.offerings() == two.timetable.offerings()
    assert one.timetable.size == len(one.groups) * 10
    for number in (0, 7, one.timetable.size - 1):
        ident = one.timetable.offering(number)["offeringId"]
        assert one.timetable.offering_number(ident) == number
    assert one.timetable.offering_number(one.person_id(0)) is None
    assert school(seed=4).timetable.offering(0) != one.timetable.offering(0)


def test_no_sessions_no_timetable() -> None:
    quiet = school(sessions=0)
    assert (quiet.timetable.size, quiet.timetable.components) == (0, 0)
    assert quiet.timetable.offerings() == []


def test_half_the_weeks_lie_ahead_and_exams_close_each_week() -> None:
    timetable = school().timetable
    docs = [timetable.offering(n) for n in range(10)]
    starts = [datetime.fromisoformat(d["startDateTime"]).date() for d in docs]
    assert [s.isoformat() for s in starts[::5]] == ["2026-02-23", "2026-03-02"]
    assert sum(s > TODAY for s in starts) == 5
    exams = [d for d in docs if d["resultExpected"]]
    assert len(exams) == 2 and all("room" not in d for d in exams)
    assert all(d["consumers"][0]["locationCode"].startswith("EX-") for d in exams)


def test_documents_conform_to_the_official_schemas(standards: Standards) -> None:
    sis = school(students=60)
    schemas, profile = ooapi_schemas(standards), mbo_profile(standards)
    for doc in sis.timetable.offerings():
        assert schemas.validate("ComponentOffering", doc) == []
    for component in sis.timetable.all_components():
        assert schemas.validate("Component", component) == []
    for member in sis.members(0):
        assert profile.validate_request("/groups/{groupId}/members", "put", member) == []


def test_each_change_changes_what_it_says() -> None:
    sis = school()
    before = {d["offeringId"]: d for d in sis.timetable.offerings()}
    changes = RosterMutator(sis).timetable(12)
    after = {d["offeringId"]: d for d in sis.timetable.offerings()}
    changed = {i for i in before if after.get(i) != before[i]}
    assert changed == {c.split()[1].rstrip(":") for c in changes}
    for change in changes:
        ident = change.split()[1].rstrip(":")
        if change.endswith("taken off the timetable"):
            assert ident not in after
        elif change.endswith(" cancelled") and ident in after:
            assert after[ident]["consumers"][0]["offeringState"] == "canceled"


def test_klas_changes_and_targeted_drops() -> None:
    sis = school()
    mutator = RosterMutator(sis)
    group = sis.group_ids.encode(1)
    member = sis.members(1)[0]["personId"]
    params = {"dropGroup": sis.group_ids.encode(2), "dropMember": f"{group}/{member}"}
    changes = apply_roster_changes(mutator, params, lambda name: 0)
    assert len(changes) == 2
    assert sis.group_number(sis.group_ids.encode(2)) is None
    assert member not in {m["personId"] for m in sis.members(1)}
    assert sis.group(1)["personCount"] == len(sis.members(1))
    with pytest.raises(KeyError):
        mutator.drop_member(f"{group}/{member}")
    with pytest.raises(KeyError):
        mutator.drop_group(sis.group_ids.encode(2))
    renamed = mutator.groups(4)
    assert len(renamed) == 4 and sis.version >= 2


def test_an_offering_lists_its_klas_and_its_lecturer(standards: Standards) -> None:
    sis = school(students=60)
    schemas = ooapi_schemas(standards)
    timetable = sis.timetable
    staff_ids = {sis.person_id(n) for n in range(sis.students, sis.persons)}
    for number in (0, 9, 10, timetable.size - 1):
        ident = timetable.offering(number)["offeringId"]
        assert groups_of_offering(sis, ident) == [number // timetable.per_klas]
        ((doc, person),) = timetable.staff_associations(number)
        assert person in staff_ids and doc["role"] == "lecturer"
        item = under_offering(doc, person)
        assert schemas.validate("ComponentOfferingAssociationExpandable", item) == []
    cohort = sis.running[sis.groups[0][0]]
    assert 0 in groups_of_offering(sis, cohort)  # a running cohort: its klassen
    assert groups_of_offering(sis, sis.courses[0]) == []
    assert groups_of_offering(sis, sis.person_id(0)) is None  # unknown: 404
    RosterMutator(sis).drop_group(sis.group_ids.encode(0))
    assert groups_of_offering(sis, timetable.offering(0)["offeringId"]) == []
