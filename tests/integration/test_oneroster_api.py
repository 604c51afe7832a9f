"""OneRoster 1.2 out over real HTTP (uvicorn on loopback), on SQLite and PostgreSQL.

The roster: one klas with two students and a teacher, a lesgroep of a programme offering
with one of the students, a person without memberships (not a user), a cancelled
membership, and a second tenant whose data must never show.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
from sqlalchemy import Engine, select

from gateway.adapters.oneroster.bundle_export import export_bundle
from gateway.adapters.oneroster.roster_collections import USERS
from gateway.adapters.oneroster.roster_reads import RosterReads
from gateway.adapters.ooapi.mbo_profile import mbo_profile
from gateway.adapters.standards import Standards
from gateway.api.app import create_app
from gateway.api.auth.tokens import TokenIssuer
from gateway.api.routers import oneroster
from gateway.api.testing import settings_for_tests
from gateway.bootstrap import Gateway, bootstrap
from gateway.domain import (
    Group,
    Membership,
    Person,
    PersonalData,
    ProgrammeOffering,
    SourceRef,
)
from gateway.events.publisher import InMemoryEventPublisher
from gateway.mappings.oneroster_v1p2 import org_id, own_course_id, school_year_id
from gateway.mappings.ooapi_v5_mbo_in import canonical_id
from gateway.store.audit import audit_log
from gateway.store.persons import PersonStore
from gateway.sync.mbo_groups import put_group, put_member
from gateway.sync.mbo_persons import put_person
from gateway.sync.mbo_receiver import MboReceiver
from gateway.testing.serving import serve_in_thread
from tests.integration.mbo_profile_support import group_doc, member_doc, person_doc

CORE = "https://purl.imsglobal.org/spec/or/v1p2/scope/roster-core.readonly"
ROSTER = "https://purl.imsglobal.org/spec/or/v1p2/scope/roster.readonly"
REST = "/ims/oneroster/rostering/v1p2"


def _src(ident: str) -> SourceRef:
    return SourceRef(system="sis", id=ident)


@dataclass
class Roster:
    base: str
    gateway: Gateway
    ids: dict[str, UUID]

    def client(self, tenant: str = "roc-a", scopes: tuple[str, ...] = (CORE,),
               client_id: str = "lms") -> httpx.Client:
        issuer = TokenIssuer(self.gateway.settings, clock=self.gateway.clock)
        token = issuer.issue(client_id, tenant, scopes).access_token
        return httpx.Client(base_url=self.base, timeout=20,
                            headers={"Authorization": f"Bearer {token}"})

    def audit(self) -> list[dict[str, Any]]:
        with self.gateway.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(
                select(audit_log).order_by(audit_log.c.seq))]


def _seed(gateway: Gateway) -> dict[str, UUID]:
    persons = PersonStore(gateway.store)
    people = {
        "anna": PersonalData(given_name="Anna", family_name="Bakker",
                             email="anna@example.nl", birth_date=date(2007, 3, 1)),
        "bram": PersonalData(given_name="Bram", family_name_prefix="de", family_name="Vries"),
        "carla": PersonalData(given_name="Carla", family_name="Smit"),
        "dirk": PersonalData(given_name="Dirk", family_name="Zonder"),
    }
    ids: dict[str, UUID] = {}
    for key, data in people.items():
        person = Person.create(tenant="roc-a", source=_src(key))
        persons.upsert(person, data)
        ids[key] = person.id
    other = Person.create(tenant="roc-b", source=_src("eva"))
    persons.upsert(other, PersonalData(given_name="Eva", family_name="Anders"))
    offering = ProgrammeOffering.create(
        tenant="roc-a", source=_src("po"), crebo="25604", leerweg="BOL", level=4,
        location="123X456", valid_from=date(2025, 8, 1), name="Software Developer")
    klas = Group.create(tenant="roc-a", source=_src("klas"), group_kind="class", code="SD1A",
                        name="Klas SD1A", valid_from=date(2025, 8, 25),
                        valid_until=date(2026, 7, 10))
    lesgroep = Group.create(tenant="roc-a", source=_src("les"), group_kind="teaching_group",
                            code="PROG-1", name="Programmeren 1", offering_id=offering.id,
                            valid_from=date(2024, 9, 1), valid_until=date(2025, 10, 1))
    other_group = Group.create(tenant="roc-b", source=_src("klas"), group_kind="class",
                               code="X", name="Klas X")

    def member(key: str, group: Group, person: str, **fields: Any) -> Membership:
        return Membership.create(tenant=group.tenant, source=_src(key), group_id=group.id,
                                 person_id=ids.get(person, other.id), **fields)

    memberships = [
        member("m1", klas, "anna", start_date=date(2025, 8, 25)),
        member("m2", klas, "bram"),
        member("m3", klas, "carla", role="teacher"),
        member("m4", lesgroep, "anna"),
        member("m5", lesgroep, "bram", state="cancelled"),
        member("m6", other_group, "eva"),
    ]
    gateway.store.upsert([offering, klas, lesgroep, other_group, *memberships])
    ids.update(klas=klas.id, lesgroep=lesgroep.id, offering=offering.id,
               m1=memberships[0].id, m5=memberships[4].id, eva=other.id)
    return ids


@pytest.fixture
def roster(engine: Engine) -> Iterator[Roster]:
    gateway = bootstrap(settings_for_tests(), engine=engine, publisher=InMemoryEventPublisher())
    ids = _seed(gateway)
    app = create_app(gateway)
    app.include_router(oneroster.router)
    with serve_in_thread(app) as port:
        yield Roster(f"http://127.0.0.1:{port}", gateway, ids)


def _ids(reply: httpx.Response, key: str) -> list[str]:
    assert reply.status_code == 200, reply.text
    return [item["sourcedId"] for item in reply.json()[key]]


def test_collections_map_the_canonical_roster(roster: Roster) -> None:
    ids = roster.ids
    with roster.client() as client:
        orgs = client.get(f"{REST}/orgs").json()["orgs"]
        sessions = client.get(f"{REST}/academicSessions").json()["academicSessions"]
        courses = client.get(f"{REST}/courses").json()["courses"]
        classes = {c["sourcedId"]: c for c in client.get(f"{REST}/classes").json()["classes"]}
        users = {u["sourcedId"]: u for u in client.get(f"{REST}/users").json()["users"]}
        teachers = _ids(client.get(f"{REST}/teachers"), "users")
        students = _ids(client.get(f"{REST}/students"), "users")
    assert [(o["sourcedId"], o["name"], o["type"]) for o in orgs] == [
        (str(org_id("roc-a")), "ROC A", "school")]
    assert [s["schoolYear"] for s in sessions] == ["2025", "2026"]
    assert sessions[1]["startDate"] == "2025-08-01" and sessions[1]["endDate"] == "2026-07-31"
    # the offering is a course (crebo as code); the klas, which has none, is its own course,
    # under an id of its own (a sourcedId names one object across all types)
    klas_course = own_course_id(str(ids["klas"]))
    assert {(c["sourcedId"], c["courseCode"]) for c in courses} == {
        (str(ids["offering"]), "25604"), (klas_course, "SD1A")}
    klas, lesgroep = classes[str(ids["klas"])], classes[str(ids["lesgroep"])]
    assert klas["course"]["sourcedId"] == klas_course != str(ids["klas"])
    assert (klas["classType"], lesgroep["classType"]) == ("homeroom", "scheduled")
    assert lesgroep["course"]["sourcedId"] == str(ids["offering"])
    assert [t["sourcedId"] for t in lesgroep["terms"]] == [
        str(school_year_id("roc-a", 2025)), str(school_year_id("roc-a", 2026))]
    assert set(users) == {str(ids[k]) for k in ("anna", "bram", "carla")}  # dirk: no member
    anna = users[str(ids["anna"])]
    assert (anna["givenName"], anna["familyName"], anna["username"]) == ("Anna", "Bakker", "anna")
    assert users[str(ids["bram"])]["familyName"] == "de Vries"
    assert not {"email", "birthDate", "phone", "sms", "userIds"} & set(anna)
    assert teachers == [str(ids["carla"])]
    assert sorted(students) == sorted([str(ids["anna"]), str(ids["bram"])])


def test_paging_headers_walk_every_object_once(roster: Roster) -> None:
    seen: list[str] = []
    with roster.client() as client:
        url: str | None = f"{REST}/enrollments?limit=2&sort=sourcedId"
        while url:
            reply = client.get(url)
            assert reply.headers["x-total-count"] == "5"
            seen += _ids(reply, "enrollments")
            found = re.search(r'<([^>]+)>; rel="next"', reply.headers["link"])
            url = found.group(1) if found else None
    assert len(seen) == 5 and seen == sorted(set(seen))


def test_filter_sort_and_fields_run_in_the_database(roster: Roster) -> None:
    ids = roster.ids
    with roster.client() as client:
        by_family = client.get(f"{REST}/users", params={"sort": "familyName",
                                                        "orderBy": "desc"})
        contains = client.get(f"{REST}/users", params={"filter": "familyName~'VRIES'"})
        either = client.get(f"{REST}/users", params={
            "filter": "givenName='Anna' OR roles.role='teacher'", "fields": "sourcedId"})
        cancelled = client.get(f"{REST}/enrollments", params={"filter": "status='tobedeleted'"})
        future = client.get(f"{REST}/classes", params={
            "filter": "dateLastModified>'2999-01-01T00:00:00Z'"})
    assert _ids(by_family, "users") == [str(ids[k]) for k in ("carla", "bram", "anna")]
    assert _ids(contains, "users") == [str(ids["bram"])]
    assert either.json()["users"] == sorted(
        [{"sourcedId": str(ids["anna"])}, {"sourcedId": str(ids["carla"])}],
        key=lambda u: u["sourcedId"])
    assert _ids(cancelled, "enrollments") == [str(ids["m5"])]
    assert _ids(future, "classes") == []


@pytest.mark.parametrize(("query", "status", "minor"), [
    ({"filter": "nope='x'"}, 400, "invalid_filter_field"),
    ({"filter": "givenName='a' AND familyName='b' OR status='active'"}, 400,
     "invalid_filter_field"),
    ({"filter": "dateLastModified>'yesterday'"}, 400, "invalid_filter_field"),
    ({"sort": "email"}, 400, "invalid_sort_field"),
    ({"orderBy": "sideways"}, 400, "invalid_sort_field"),
    ({"fields": "sourcedId,email"}, 400, "invalid_selection_field"),
    ({"limit": "0"}, 400, "invaliddata"),
])
def test_bad_queries_get_the_oneroster_error_payload(
    roster: Roster, query: dict[str, str], status: int, minor: str
) -> None:
    with roster.client() as client:
        reply = client.get(f"{REST}/users", params=query)
    assert reply.status_code == status
    assert reply.headers["content-type"] == "application/json"
    body = reply.json()
    assert (body["imsx_codeMajor"], body["imsx_severity"]) == ("failure", "error")
    assert body["imsx_CodeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"] == minor
    assert roster.audit() == []


def test_single_objects_scopes_and_tenants(roster: Roster) -> None:
    ids = roster.ids
    with roster.client(scopes=(ROSTER,)) as client:
        user = client.get(f"{REST}/users/{ids['anna']}")
        teacher_as_student = client.get(f"{REST}/students/{ids['carla']}")
        unknown = client.get(f"{REST}/classes/{ids['eva']}")
        not_a_member = client.get(f"{REST}/users/{ids['dirk']}")
    with roster.client(tenant="roc-b") as client_b:
        other = client_b.get(f"{REST}/users/{ids['anna']}")
        own = client_b.get(f"{REST}/users")
    with roster.client(scopes=("events:read",)) as wrong:
        forbidden = wrong.get(f"{REST}/users")
    anonymous = httpx.get(f"{roster.base}{REST}/users", timeout=10)
    assert user.json()["user"]["givenName"] == "Anna"
    assert teacher_as_student.status_code == 404 and unknown.status_code == 404
    assert not_a_member.status_code == 404
    assert other.status_code == 404 and _ids(own, "users") == [str(ids["eva"])]
    minor = "imsx_CodeMinor"
    assert forbidden.status_code == 403
    assert forbidden.json()[minor]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"] == (
        "forbidden")
    assert anonymous.status_code == 401 and "www-authenticate" in anonymous.headers
    assert anonymous.json()[minor]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"] == (
        "unauthorisedrequest")


def test_reads_of_names_are_audited_per_person(roster: Roster) -> None:
    ids = roster.ids
    with roster.client() as client:
        client.get(f"{REST}/enrollments")
        client.get(f"{REST}/users", params={"fields": "sourcedId,roles"})
        assert roster.audit() == []
        client.get(f"{REST}/students", params={"limit": "1", "sort": "givenName"})
        client.get(f"{REST}/users/{ids['carla']}")
    rows = roster.audit()
    assert [(r["person_id"], r["client_id"], r["action"], r["outcome"]) for r in rows] == [
        (str(ids["anna"]), "lms", "read", "granted"),
        (str(ids["carla"]), "lms", "read", "granted")]
    assert json.loads(rows[0]["fields"]) == ["family_name", "family_name_prefix", "given_name"]


def _unzip(blob: bytes) -> dict[str, list[dict[str, str]]]:
    with zipfile.ZipFile(io.BytesIO(blob)) as archive:
        return {name.removesuffix(".csv"): list(csv.DictReader(
            io.StringIO(archive.read(name).decode("utf-8")))) for name in archive.namelist()}


def test_csv_bundle_download_is_complete_and_audited(roster: Roster) -> None:
    ids = roster.ids
    with roster.client() as client:
        reply = client.get("/ims/oneroster/v1p2/csv")
    assert reply.status_code == 200 and reply.headers["content-type"] == "application/zip"
    files = _unzip(reply.content)
    manifest = {row["propertyName"]: row["value"] for row in files.pop("manifest")}
    assert set(files) == {"orgs", "academicSessions", "courses", "classes", "users", "roles",
                          "enrollments"}
    assert all(manifest[f"file.{name}"] == "bulk" for name in files)
    assert manifest["file.demographics"] == "absent" and manifest["oneroster.version"] == "1.2"
    # bulk: live records only, status and dateLastModified blank
    assert str(ids["m5"]) not in {e["sourcedId"] for e in files["enrollments"]}
    assert {r["status"] for rows in files.values() for r in rows} == {""}
    users = {u["sourcedId"] for u in files["users"]}
    classes = {c["sourcedId"] for c in files["classes"]}
    courses = {c["sourcedId"] for c in files["courses"]}
    sessions = {s["sourcedId"] for s in files["academicSessions"]}
    assert all(e["userSourcedId"] in users and e["classSourcedId"] in classes
               for e in files["enrollments"])
    assert all(c["courseSourcedId"] in courses and
               set(c["termSourcedIds"].split(",")) <= sessions for c in files["classes"])
    assert {r["userSourcedId"] for r in files["roles"]} == users
    assert {row["person_id"] for row in roster.audit()} == users


def test_delta_export_to_a_path_carries_status_and_changes(roster: Roster, tmp_path: Any) -> None:
    gateway = roster.gateway
    before = datetime.now(UTC)  # after the seed: only the deletion is newer
    gateway.store.delete("roc-a", [roster.ids["m1"]])
    target = tmp_path / "delta.zip"
    summary = export_bundle(gateway, "roc-a", target, client_id="cli:operator",
                            issuer="gateway-cli", since=before)
    files = _unzip(target.read_bytes())
    manifest = {row["propertyName"]: row["value"] for row in files.pop("manifest")}
    assert summary.rows["enrollments"] == 1 and summary.rows["users"] == 0
    assert manifest["file.enrollments"] == "delta" and manifest["file.users"] == "absent"
    (row,) = files["enrollments"]
    assert (row["sourcedId"], row["status"]) == (str(roster.ids["m1"]), "tobedeleted")
    assert row["dateLastModified"].endswith("Z") and "T" in row["dateLastModified"]


def test_a_stream_reads_every_object_once_in_chunks(roster: Roster) -> None:
    reads = RosterReads(roster.gateway.engine)
    chunks = list(reads.stream(USERS, "roc-a", None, chunk=2))
    assert [len(c) for c in chunks] == [2, 1]
    seen = [row.record.state["id"] for chunk in chunks for row in chunk]
    assert sorted(seen) == sorted(str(roster.ids[k]) for k in ("anna", "bram", "carla"))


def test_groups_and_members_pushed_through_the_mbo_profile(
    engine: Engine, standards: Standards
) -> None:
    gateway = bootstrap(settings_for_tests(), engine=engine, publisher=InMemoryEventPublisher())
    receiver = MboReceiver(gateway.store, mbo_profile(standards))
    student, lecturer, group = (str(uuid4()) for _ in range(3))
    put_person(receiver, "roc-a", UUID(student), person_doc(student, given="Maartje"))
    put_person(receiver, "roc-a", UUID(lecturer), person_doc(lecturer, given="Kees"))
    put_group(receiver, "roc-a", UUID(group), group_doc(group, code="SD4A", start="2026-08-01"))
    put_member(receiver, "roc-a", UUID(group), member_doc(student))
    put_member(receiver, "roc-a", UUID(group), member_doc(lecturer, role="lecturer"))
    app = create_app(gateway)
    app.include_router(oneroster.router)
    with serve_in_thread(app) as port:
        roster = Roster(f"http://127.0.0.1:{port}", gateway, {})
        with roster.client() as client:
            users = {u["username"]: u for u in client.get(f"{REST}/users").json()["users"]}
            (klas,) = client.get(f"{REST}/classes").json()["classes"]
            roles = {e["user"]["sourcedId"]: e["role"]
                     for e in client.get(f"{REST}/enrollments").json()["enrollments"]}
    group_id = str(canonical_id("roc-a", "group", group))
    assert (klas["sourcedId"], klas["classCode"], klas["classType"]) == (group_id, "SD4A",
                                                                        "homeroom")
    assert [t["sourcedId"] for t in klas["terms"]] == [str(school_year_id("roc-a", 2027))]
    assert users[student]["sourcedId"] == str(canonical_id("roc-a", "person", student))
    assert (users[student]["givenName"], users[student]["familyName"]) == ("Maartje",
                                                                          "van Damme")
    assert users[lecturer]["roles"][0]["role"] == "teacher"
    assert roles == {users[student]["sourcedId"]: "student",
                     users[lecturer]["sourcedId"]: "teacher"}
