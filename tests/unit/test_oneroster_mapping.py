"""Canonical rostering -> OneRoster 1.2 objects (pure mapping, no I/O)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any
from uuid import UUID

import pytest

from gateway.domain import Group, Membership, Person, PersonalData, ProgrammeOffering, SourceRef
from gateway.mappings import oneroster_v1p2 as m

BASE = "https://gw.example/ims/oneroster/rostering/v1p2"
WHEN = datetime(2025, 9, 1, 12, 30, 5, 123456, tzinfo=UTC)
TODAY = date(2025, 11, 22)


def _record(entity: Any, deleted: bool = False) -> m.Record:
    return m.Record(entity.snapshot(), deleted, WHEN)


@pytest.mark.parametrize(("day", "year"), [
    (date(2025, 7, 31), 2025), (date(2025, 8, 1), 2026), (date(2026, 1, 15), 2026)])
def test_a_school_year_runs_from_1_august_and_is_named_by_its_end(day: date, year: int) -> None:
    assert m.school_year_of(day) == year


def test_school_years_of_a_group() -> None:
    assert m.school_years(date(2024, 9, 1), date(2025, 10, 1), TODAY) == [2025, 2026]
    assert m.school_years(None, None, TODAY) == [2026]
    assert m.school_years(date(2023, 9, 1), None, TODAY) == [2024, 2025, 2026]
    assert len(m.school_years(date(1990, 1, 1), date(2030, 1, 1), TODAY)) == 10


def test_academic_session_and_org() -> None:
    session = m.academic_session("roc-a", 2026)
    assert (session["startDate"], session["endDate"], session["schoolYear"], session["type"]) == (
        "2025-08-01", "2026-07-31", "2026", "schoolYear")
    assert session["sourcedId"] == str(m.school_year_id("roc-a", 2026))
    assert m.school_year_id("roc-a", 2026) != m.school_year_id("roc-b", 2026)
    org = m.org_object("roc-a", "ROC A", "25LZ")
    assert (org["identifier"], org["type"], org["status"]) == ("25LZ", "school", "active")
    assert m.org_object("roc-a", "ROC A", None)["identifier"] == "roc-a"


def test_date_last_modified_is_utc_with_milliseconds() -> None:
    assert m.iso_datetime(WHEN) == "2025-09-01T12:30:05.123Z"
    summer = datetime(2025, 7, 1, 14, 0, tzinfo=timezone(timedelta(hours=2)))
    assert m.iso_datetime(summer) == "2025-07-01T12:00:00.000Z"


def test_a_klas_is_a_homeroom_class_of_its_own_course() -> None:
    klas = Group.create(tenant="roc-a", source=SourceRef(system="sis", id="k"),
                        group_kind="class", code="1A", name="Klas 1A")
    obj = m.class_object(BASE, "roc-a", _record(klas, deleted=True), TODAY)
    assert (obj["classType"], obj["status"], obj["classCode"]) == ("homeroom", "tobedeleted", "1A")
    own = m.own_course_id(str(klas.id))
    assert obj["course"] == {"href": f"{BASE}/courses/{own}", "sourcedId": own,
                             "type": "course"}
    assert [t["sourcedId"] for t in obj["terms"]] == [str(m.school_year_id("roc-a", 2026))]
    course = m.course_object(BASE, "roc-a", "group", _record(klas))
    assert (course["sourcedId"], course["courseCode"]) == (own, "1A")


def test_a_groups_own_course_id_is_unique_across_types_and_reversible() -> None:
    klas = Group.create(tenant="roc-a", source=SourceRef(system="sis", id="k"),
                        group_kind="class", code="1A", name="Klas 1A")
    own = m.own_course_id(str(klas.id))
    assert own != str(klas.id) and UUID(own).version == 8  # no entity id is a v8 UUID
    assert own == m.own_course_id(str(klas.id))  # deterministic
    assert m.own_course_group(own) == str(klas.id)
    assert m.own_course_group(str(klas.id)) is None and m.own_course_group("x") is None


def test_a_lesgroep_is_scheduled_in_its_offerings_course() -> None:
    offering = ProgrammeOffering.create(
        tenant="roc-a", source=SourceRef(system="sis", id="po"), crebo="25604", leerweg="BBL",
        level=4, location="123X456", valid_from=date(2025, 8, 1), name="Software Developer")
    group = Group.create(tenant="roc-a", source=SourceRef(system="sis", id="g"),
                         group_kind="teaching_group", code="P1", name="Prog",
                         offering_id=offering.id)
    obj = m.class_object(BASE, "roc-a", _record(group), TODAY)
    assert (obj["classType"], obj["course"]["sourcedId"]) == ("scheduled", str(offering.id))
    course = m.course_object(BASE, "roc-a", "programme-offering", _record(offering))
    assert (course["title"], course["courseCode"]) == ("Software Developer", "25604")
    assert course["org"]["sourcedId"] == str(m.org_id("roc-a"))


def test_a_user_carries_names_only() -> None:
    person = Person.create(tenant="roc-a", source=SourceRef(system="sis", id="p-77"),
                           eck_id="https://ketenid.nl/abc")
    data = PersonalData(given_name="Bram", family_name_prefix="de", family_name="Vries",
                        email="bram@example.nl", birth_date=date(2007, 1, 2))
    user = m.user_object(BASE, "roc-a", _record(person), "student", data)
    assert set(user) == {"sourcedId", "status", "dateLastModified", "username", "enabledUser",
                         "givenName", "familyName", "roles", "primaryOrg"}
    assert (user["givenName"], user["familyName"], user["username"]) == ("Bram", "de Vries",
                                                                          "p-77")
    assert user["roles"][0]["role"] == "student" and user["roles"][0]["roleType"] == "primary"
    erased = m.user_object(BASE, "roc-a", _record(person, deleted=True), "teacher", None)
    assert (erased["givenName"], erased["familyName"], erased["enabledUser"]) == ("", "", "false")


@pytest.mark.parametrize(("role", "expected", "primary"), [
    ("student", "student", "false"), ("teacher", "teacher", "true"),
    ("teaching_assistant", "teacher", "false"), ("invigilator", "proctor", "false"),
    ("coordinator", "administrator", "false"), ("guest", "ext:guest", "false")])
def test_enrollment_roles(role: str, expected: str, primary: str) -> None:
    member = Membership.create(tenant="roc-a", source=SourceRef(system="sis", id="m"),
                               group_id=UUID(int=1), person_id=UUID(int=2), role=role,
                               start_date=date(2025, 9, 1))
    obj = m.enrollment_object(BASE, "roc-a", _record(member), gone=False)
    assert (obj["role"], obj["primary"], obj["status"]) == (expected, primary, "active")
    assert obj["beginDate"] == "2025-09-01" and "endDate" not in obj
    assert obj["user"]["sourcedId"] == str(UUID(int=2))


def test_a_cancelled_or_orphaned_membership_is_to_be_deleted() -> None:
    member = Membership.create(tenant="roc-a", source=SourceRef(system="sis", id="m"),
                               group_id=UUID(int=1), person_id=UUID(int=2), state="cancelled")
    live = Membership.create(tenant="roc-a", source=SourceRef(system="sis", id="n"),
                             group_id=UUID(int=1), person_id=UUID(int=2))
    assert m.enrollment_object(BASE, "roc-a", _record(member), gone=False)["status"] == (
        "tobedeleted")
    assert m.enrollment_object(BASE, "roc-a", _record(live), gone=True)["status"] == (
        "tobedeleted")
