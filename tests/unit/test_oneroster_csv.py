"""The OneRoster 1.2 CSV files: columns and order of the binding, bulk/delta, the zip (no I/O)."""

from __future__ import annotations

import csv
import io
import zipfile

from gateway.adapters.oneroster.csv_bundle import BundleFile, write_bundle
from gateway.adapters.oneroster.csv_tables import MANIFEST_FILES, TABLES, role_row_object
from gateway.mappings import oneroster_v1p2 as m

# The binding's columns, written out here independently of the code (OneRoster 1.2 CSV
# binding, section 3: the tables; users.csv as in 1.2.1, roles in roles.csv).
SPEC_COLUMNS = {
    "academicSessions": "sourcedId,status,dateLastModified,title,type,startDate,endDate,"
                        "parentSourcedId,schoolYear",
    "orgs": "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId",
    "courses": "sourcedId,status,dateLastModified,schoolYearSourcedId,title,courseCode,grades,"
               "orgSourcedId,subjects,subjectCodes",
    "classes": "sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,"
               "classType,location,schoolSourcedId,termSourcedIds,subjects,subjectCodes,periods",
    "users": "sourcedId,status,dateLastModified,enabledUser,username,userIds,givenName,"
             "familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password,"
             "userMasterIdentifier,preferredGivenName,preferredMiddleName,preferredFamilyName,"
             "primaryOrgSourcedId,pronouns",
    "roles": "sourcedId,status,dateLastModified,userSourcedId,roleType,role,beginDate,endDate,"
             "orgSourcedId,userProfileSourcedId",
    "enrollments": "sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,"
                   "userSourcedId,role,primary,beginDate,endDate",
}
BASE = "https://gw/ims/oneroster/rostering/v1p2"
ORG = {"href": "x", "sourcedId": "org-1", "type": "org"}
USER = {"sourcedId": "u1", "status": "tobedeleted", "dateLastModified": "2025-09-01T00:00:00.000Z",
        "username": "p1", "enabledUser": "false", "givenName": "Anna", "familyName": "de\nVries",
        "roles": [{"roleType": "primary", "role": "student", "org": ORG}], "primaryOrg": ORG}


def test_columns_are_the_bindings_in_order() -> None:
    assert {name: ",".join(t.columns) for name, t in TABLES.items()} == SPEC_COLUMNS


def test_bulk_rows_leave_status_and_date_blank_delta_rows_fill_them() -> None:
    table = TABLES["users"]
    bulk, delta = table.row("roc-a", USER, delta=False), table.row("roc-a", USER, delta=True)
    assert bulk[:3] == ["u1", "", ""]
    assert delta[:3] == ["u1", "tobedeleted", "2025-09-01T00:00:00.000Z"]
    assert dict(zip(table.columns, bulk, strict=True))["primaryOrgSourcedId"] == "org-1"
    role = TABLES["roles"].row("roc-a", role_row_object("roc-a", USER), delta=False)
    assert role[0] == str(m.role_id("roc-a", "u1")) and role[3:6] == ["u1", "primary", "student"]


def test_list_fields_are_comma_separated() -> None:
    cls = m.class_object(BASE, "roc-a", m.Record(
        {"id": "g1", "name": "G", "code": "G", "group_kind": "class",
         "valid_from": "2024-09-01", "valid_until": "2025-10-01"}, False, m.CONFIGURED_AT),
        m.CONFIGURED_AT.date())
    row = dict(zip(TABLES["classes"].columns, TABLES["classes"].row("roc-a", cls, delta=False),
                   strict=True))
    assert row["termSourcedIds"] == ",".join(
        str(m.school_year_id("roc-a", y)) for y in (2025, 2026))


def test_bundle_leaves_out_empty_files_and_writes_the_manifest_last() -> None:
    out = io.BytesIO()
    summary = write_bundle(out, "roc-a", [
        BundleFile(TABLES["users"], [[USER], [USER | {"sourcedId": "u2"}]]),
        BundleFile(TABLES["enrollments"], [[], []]),
    ], delta=True)
    assert summary.rows == {"users": 2, "enrollments": 0}
    with zipfile.ZipFile(out) as archive:
        assert archive.namelist() == ["users.csv", "manifest.csv"]
        users = archive.read("users.csv").decode("utf-8")
        manifest = dict(csv.reader(io.StringIO(archive.read("manifest.csv").decode())))
    lines = users.split("\r\n")
    assert lines[0] == SPEC_COLUMNS["users"] and len(lines) == 4 and lines[3] == ""
    assert "de Vries" in lines[1]  # a line break inside a value became a space
    assert manifest["file.users"] == "delta" and manifest["file.enrollments"] == "absent"
    assert manifest["manifest.version"] == "1.0" and manifest["oneroster.version"] == "1.2"
    assert {f"file.{n}" for n in MANIFEST_FILES} <= set(manifest)
