"""OneRoster 1.2 nested endpoints, name-revealing queries, unique sourcedIds and delta times,
over real HTTP on SQLite and PostgreSQL (the roster of :mod:`.test_oneroster_api`).

Klas SD1A (2025-08-25..2026-07-10, school year 2026) holds anna and bram as students and
carla as teacher; lesgroep PROG-1 of an offering (2024-09-01..2025-10-01, years 2025 and
2026) holds anna, and bram by a cancelled membership.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from gateway.adapters.oneroster.bundle_export import export_bundle
from gateway.api.testing import settings_for_tests
from gateway.bootstrap import bootstrap
from gateway.domain import Group, SourceRef
from gateway.events.publisher import InMemoryEventPublisher
from gateway.mappings.oneroster_v1p2 import org_id, own_course_id, school_year_id
from gateway.settings import TenantConfig
from tests.integration.test_oneroster_api import REST, Roster, _ids
from tests.integration.test_oneroster_api import roster as roster  # noqa: F401 - the fixture

ORG = str(org_id("roc-a"))


def _minor(reply: httpx.Response) -> str:
    assert reply.headers["content-type"] == "application/json", reply.text
    field = reply.json()["imsx_CodeMinor"]["imsx_codeMinorField"][0]
    return str(field["imsx_codeMinorFieldValue"])


def _set(reply: httpx.Response, key: str) -> set[str]:
    return set(_ids(reply, key))


def test_nested_collections_hold_what_is_below_their_parent(roster: Roster) -> None:
    i = {k: str(v) for k, v in roster.ids.items()}
    klas_course = own_course_id(i["klas"])
    with roster.client() as c:
        got: dict[str, Any] = {
            "school classes": _set(c.get(f"{REST}/schools/{ORG}/classes"), "classes"),
            "school students": _set(c.get(f"{REST}/schools/{ORG}/students"), "users"),
            "school teachers": _set(c.get(f"{REST}/schools/{ORG}/teachers"), "users"),
            "school courses": _set(c.get(f"{REST}/schools/{ORG}/courses"), "courses"),
            "school enrollments": len(_ids(c.get(f"{REST}/schools/{ORG}/enrollments"),
                                           "enrollments")),
            "school terms": _set(c.get(f"{REST}/schools/{ORG}/terms"), "academicSessions"),
            "klas students": _set(c.get(f"{REST}/classes/{i['klas']}/students"), "users"),
            "klas teachers": _set(c.get(f"{REST}/classes/{i['klas']}/teachers"), "users"),
            "les students": _set(c.get(f"{REST}/classes/{i['lesgroep']}/students"), "users"),
            "in school klas": _set(c.get(
                f"{REST}/schools/{ORG}/classes/{i['klas']}/enrollments"), "enrollments"),
            "school klas teachers": _set(c.get(
                f"{REST}/schools/{ORG}/classes/{i['klas']}/teachers"), "users"),
            "anna classes": _set(c.get(f"{REST}/users/{i['anna']}/classes"), "classes"),
            "bram classes": _set(c.get(f"{REST}/students/{i['bram']}/classes"), "classes"),
            "carla classes": _set(c.get(f"{REST}/teachers/{i['carla']}/classes"), "classes"),
            "offering classes": _set(c.get(f"{REST}/courses/{i['offering']}/classes"),
                                     "classes"),
            "own course classes": _set(c.get(f"{REST}/courses/{klas_course}/classes"),
                                       "classes"),
            "2025 classes": _set(c.get(
                f"{REST}/terms/{school_year_id('roc-a', 2025)}/classes"), "classes"),
            "2026 classes": _set(c.get(
                f"{REST}/terms/{school_year_id('roc-a', 2026)}/classes"), "classes"),
            "2026 periods": _set(c.get(
                f"{REST}/terms/{school_year_id('roc-a', 2026)}/gradingPeriods"),
                "academicSessions"),
            "periods": _set(c.get(f"{REST}/gradingPeriods"), "academicSessions"),
        }
    in_klas = got.pop("in school klas")  # m1, m2 and m3
    assert len(in_klas) == 3 and i["m1"] in in_klas and i["m5"] not in in_klas
    both = {i["klas"], i["lesgroep"]}
    assert got == {
        "school classes": both, "school students": {i["anna"], i["bram"]},
        "school teachers": {i["carla"]}, "school courses": {i["offering"], klas_course},
        "school enrollments": 5, "school terms": set(),
        "klas students": {i["anna"], i["bram"]}, "klas teachers": {i["carla"]},
        "les students": {i["anna"]},  # bram's membership is cancelled
        "school klas teachers": {i["carla"]},
        "anna classes": both, "bram classes": {i["klas"]}, "carla classes": {i["klas"]},
        "offering classes": {i["lesgroep"]}, "own course classes": {i["klas"]},
        "2025 classes": {i["lesgroep"]}, "2026 classes": both,
        "2026 periods": set(), "periods": set(),
    }


def test_nested_collections_page_filter_sort_and_select(roster: Roster) -> None:
    i = {k: str(v) for k, v in roster.ids.items()}
    url = f"{REST}/classes/{i['klas']}/students"
    with roster.client() as c:
        first = c.get(url, params={"sort": "familyName", "orderBy": "desc", "limit": "1"})
        second = c.get(url, params={"sort": "familyName", "orderBy": "desc", "limit": "1",
                                    "offset": "1"})
        anna = c.get(url, params={"filter": "givenName='Anna'", "fields": "sourcedId,givenName"})
        bad = c.get(url, params={"filter": "email='x'"})
        classes = c.get(f"{REST}/users/{i['anna']}/classes",
                        params={"filter": "classType='homeroom'", "fields": "sourcedId"})
    assert first.headers["x-total-count"] == "2" and 'rel="next"' in first.headers["link"]
    assert _ids(first, "users") == [i["bram"]] and _ids(second, "users") == [i["anna"]]
    assert anna.json() == {"users": [{"sourcedId": i["anna"], "givenName": "Anna"}]}
    assert bad.status_code == 400 and _minor(bad) == "invalid_filter_field"
    assert classes.json() == {"classes": [{"sourcedId": i["klas"]}]}


@pytest.mark.parametrize("path", [
    "/schools/{eva}/classes", "/schools/{klas}/students", "/classes/{eva}/students",
    "/classes/{anna}/teachers", "/users/{dirk}/classes", "/students/{carla}/classes",
    "/teachers/{anna}/classes", "/courses/{klas}/classes", "/terms/{klas}/classes",
    "/schools/{org}/classes/{eva}/enrollments", "/schools/{klas}/classes/{klas}/students",
    "/gradingPeriods/{klas}", "/demographics", "/no/such/thing",
])
def test_unknown_parents_and_paths_answer_oneroster_404(roster: Roster, path: str) -> None:
    ids = {k: str(v) for k, v in roster.ids.items()} | {"org": ORG}
    with roster.client() as c:
        reply = c.get(REST + path.format(**ids))
    assert reply.status_code == 404 and _minor(reply) == "unknownobject"
    assert roster.audit() == []


def test_nested_reads_are_tenant_scoped_and_need_a_scope(roster: Roster) -> None:
    klas = roster.ids["klas"]
    with roster.client(tenant="roc-b") as other:
        foreign = other.get(f"{REST}/classes/{klas}/students")
    with roster.client(scopes=("events:read",)) as wrong:
        forbidden = wrong.get(f"{REST}/classes/{klas}/students")
        unknown = wrong.get(f"{REST}/no/such/thing")
    assert foreign.status_code == 404 and _minor(foreign) == "unknownobject"
    assert forbidden.status_code == 403 and _minor(forbidden) == "forbidden"
    assert unknown.status_code == 403 and _minor(unknown) == "forbidden"


def test_nested_name_reads_are_audited_per_person(roster: Roster) -> None:
    i = {k: str(v) for k, v in roster.ids.items()}
    with roster.client() as c:
        c.get(f"{REST}/classes/{i['klas']}/students", params={"fields": "sourcedId"})
        assert roster.audit() == []
        c.get(f"{REST}/classes/{i['klas']}/teachers")
        c.get(f"{REST}/schools/{ORG}/students", params={"limit": "1"})
    assert [r["person_id"] for r in roster.audit()] == [i["carla"], min(i["anna"], i["bram"])]


@pytest.mark.parametrize("query", [
    {"filter": "familyName='Bakker'", "fields": "sourcedId"},
    {"filter": "givenName~'ann' OR status='x'", "fields": "sourcedId,roles"},
    {"sort": "familyName", "fields": "sourcedId", "filter": "givenName='Anna'"},
])
def test_a_filter_or_sort_on_names_is_audited_even_without_names_shown(
    roster: Roster, query: dict[str, str]
) -> None:
    with roster.client() as c:
        reply = c.get(f"{REST}/users", params=query)
    assert _ids(reply, "users") == [str(roster.ids["anna"])]
    assert [r["person_id"] for r in roster.audit()] == [str(roster.ids["anna"])]


def test_a_sort_on_names_alone_audits_every_person_returned(roster: Roster) -> None:
    with roster.client() as c:
        reply = c.get(f"{REST}/users", params={"sort": "givenName", "fields": "sourcedId"})
    assert sorted(r["person_id"] for r in roster.audit()) == sorted(_ids(reply, "users"))
    assert len(roster.audit()) == 3


def _unzip(blob: bytes) -> dict[str, list[dict[str, str]]]:
    with zipfile.ZipFile(io.BytesIO(blob)) as archive:
        return {name.removesuffix(".csv"): list(csv.DictReader(
            io.StringIO(archive.read(name).decode("utf-8")))) for name in archive.namelist()}


def test_sourced_ids_are_unique_across_types_in_csv_and_rest(roster: Roster) -> None:
    klas = str(roster.ids["klas"])
    own = own_course_id(klas)
    with roster.client() as c:
        files = _unzip(c.get("/ims/oneroster/v1p2/csv").content)
        course = c.get(f"{REST}/courses/{own}")
        by_group_id = c.get(f"{REST}/courses/{klas}")
        filtered = c.get(f"{REST}/courses", params={"filter": f"sourcedId='{own}'"})
        classes = c.get(f"{REST}/classes", params={"filter": f"course.sourcedId='{own}'"})
    files.pop("manifest")
    counts = Counter(row["sourcedId"] for rows in files.values() for row in rows)
    assert [ident for ident, n in counts.items() if n > 1] == []
    courses = {row["sourcedId"] for row in files["courses"]}
    assert own in courses and klas not in courses
    assert {row["courseSourcedId"] for row in files["classes"]} <= courses
    assert course.json()["course"]["sourcedId"] == own
    assert by_group_id.status_code == 404
    assert _ids(filtered, "courses") == [own] and _ids(classes, "classes") == [klas]


def test_school_years_carry_the_time_their_groups_changed(roster: Roster) -> None:
    gateway = roster.gateway
    with roster.client() as c:
        seen = c.get(f"{REST}/academicSessions").json()["academicSessions"]
    # a consumer's next delta starts after the latest modification it saw (milliseconds)
    latest = max(datetime.fromisoformat(s["dateLastModified"]) for s in seen)
    since = latest + timedelta(milliseconds=1)
    new = Group.create(tenant="roc-a", source=SourceRef(system="sis", id="next"),
                       group_kind="class", code="SD2A", name="Klas SD2A",
                       valid_from=date(2026, 8, 24), valid_until=date(2027, 7, 9))
    gateway.store.upsert([new])
    with roster.client() as c:
        changed = c.get(f"{REST}/academicSessions", params={
            "filter": f"dateLastModified>'{since.isoformat()}'"})
    assert _ids(changed, "academicSessions") == [str(school_year_id("roc-a", 2027))]
    delta = _export(gateway, since)
    assert [s["schoolYear"] for s in delta["academicSessions"]] == ["2027"]
    assert str(new.id) in {c["sourcedId"] for c in delta["classes"]}


def test_a_renamed_org_reaches_a_delta_consumer(engine: Engine) -> None:
    first = bootstrap(settings_for_tests(), engine=engine, publisher=InMemoryEventPublisher())
    start = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
    first.clock = lambda: start
    bulk = _export(first, None)
    assert [o["name"] for o in bulk["orgs"]] == ["ROC A"]
    first.clock = lambda: start + timedelta(days=1)  # the same content: still unchanged
    assert "orgs" not in _export(first, start)
    renamed = bootstrap(settings_for_tests(tenants=[TenantConfig(id="roc-a", name="ROC Alfa")]),
                        engine=engine, publisher=InMemoryEventPublisher())
    renamed.clock = lambda: start + timedelta(days=2)  # restarted with a new name
    delta = _export(renamed, start + timedelta(days=1))
    assert [(o["name"], o["status"]) for o in delta["orgs"]] == [("ROC Alfa", "active")]
    assert delta["orgs"][0]["dateLastModified"].startswith("2026-01-07T08:00:00")


def _export(gateway: Any, since: datetime | None) -> dict[str, list[dict[str, str]]]:
    out = io.BytesIO()
    export_bundle(gateway, "roc-a", out, client_id="cli:t", issuer="t", since=since)
    return _unzip(out.getvalue())
