"""The files of the OneRoster 1.2 CSV binding this gateway writes: columns, in order, and rows.

Every column of each file is written, in the binding's order, optional ones blank. A
row is made from the object's REST form (:mod:`gateway.mappings.oneroster_v1p2`), so the
two bindings cannot drift apart. List fields are comma-separated in one (quoted) field.
In ``bulk`` mode ``status`` and ``dateLastModified`` stay blank, as the binding demands;
in ``delta`` mode they are filled.

Users carry their roles in ``roles.csv`` since OneRoster 1.2 (``users.csv`` has no
``role`` or ``orgSourcedIds`` column any more), so the bundle has that file too.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from gateway.mappings.oneroster_v1p2 import role_id

__all__ = ["MANIFEST_FILES", "TABLES", "CsvTable", "manifest_rows", "role_row_object"]

Obj = Mapping[str, Any]
_HEAD = ("sourcedId", "status", "dateLastModified")


@dataclass(frozen=True)
class CsvTable:
    """One data file: its name in the manifest (``file.<name>``), columns and row maker."""

    name: str
    columns: tuple[str, ...]
    #: The values of the columns after the three common ones.
    cells: Callable[[str, Obj], Sequence[str]]

    @property
    def filename(self) -> str:
        return f"{self.name}.csv"

    def row(self, tenant: str, obj: Obj, *, delta: bool) -> list[str]:
        head = [str(obj["sourcedId"]), obj["status"] if delta else "",
                obj["dateLastModified"] if delta else ""]
        values = list(self.cells(tenant, obj))
        if len(head) + len(values) != len(self.columns):  # a bug in a table, not in the data
            raise AssertionError(f"{self.filename}: {len(values)} cells for {self.columns}")
        return head + values


def _ref(obj: Obj, key: str) -> str:
    ref = obj.get(key)
    return str(ref["sourcedId"]) if isinstance(ref, Mapping) else ""


def _refs(obj: Obj, key: str) -> str:
    return ",".join(str(ref["sourcedId"]) for ref in obj.get(key) or [])


def _text(obj: Obj, key: str) -> str:
    value = obj.get(key)
    return "" if value is None else str(value)


TABLES: dict[str, CsvTable] = {t.name: t for t in (
    CsvTable("academicSessions", (*_HEAD, "title", "type", "startDate", "endDate",
                                  "parentSourcedId", "schoolYear"),
             lambda _, o: [o["title"], o["type"], o["startDate"], o["endDate"],
                           _ref(o, "parent"), o["schoolYear"]]),
    CsvTable("orgs", (*_HEAD, "name", "type", "identifier", "parentSourcedId"),
             lambda _, o: [o["name"], o["type"], _text(o, "identifier"), _ref(o, "parent")]),
    CsvTable("courses", (*_HEAD, "schoolYearSourcedId", "title", "courseCode", "grades",
                         "orgSourcedId", "subjects", "subjectCodes"),
             lambda _, o: [_ref(o, "schoolYear"), o["title"], _text(o, "courseCode"), "",
                           _ref(o, "org"), "", ""]),
    CsvTable("classes", (*_HEAD, "title", "grades", "courseSourcedId", "classCode",
                         "classType", "location", "schoolSourcedId", "termSourcedIds",
                         "subjects", "subjectCodes", "periods"),
             lambda _, o: [o["title"], "", _ref(o, "course"), _text(o, "classCode"),
                           o["classType"], "", _ref(o, "school"), _refs(o, "terms"), "", "",
                           ""]),
    CsvTable("users", (*_HEAD, "enabledUser", "username", "userIds", "givenName",
                       "familyName", "middleName", "identifier", "email", "sms", "phone",
                       "agentSourcedIds", "grades", "password", "userMasterIdentifier",
                       "preferredGivenName", "preferredMiddleName", "preferredFamilyName",
                       "primaryOrgSourcedId", "pronouns"),
             lambda _, o: [o["enabledUser"], o["username"], "", o["givenName"],
                           o["familyName"], "", "", "", "", "", "", "", "", "", "", "", "",
                           _ref(o, "primaryOrg"), ""]),
    CsvTable("roles", (*_HEAD, "userSourcedId", "roleType", "role", "beginDate", "endDate",
                       "orgSourcedId", "userProfileSourcedId"),
             lambda _, o: [str(o["userSourcedId"]), o["roles"][0]["roleType"],
                           o["roles"][0]["role"], "", "", _ref(o["roles"][0], "org"), ""]),
    CsvTable("enrollments", (*_HEAD, "classSourcedId", "schoolSourcedId", "userSourcedId",
                             "role", "primary", "beginDate", "endDate"),
             lambda _, o: [_ref(o, "class"), _ref(o, "school"), _ref(o, "user"), o["role"],
                           _text(o, "primary"), _text(o, "beginDate"), _text(o, "endDate")]),
)}


def role_row_object(tenant: str, user: Obj) -> dict[str, Any]:
    """The roles.csv object of a user: the user's one primary role, with its own sourcedId."""
    return {**user, "sourcedId": str(role_id(tenant, str(user["sourcedId"]))),
            "userSourcedId": str(user["sourcedId"])}


#: Every ``file.*`` property of the 1.2 manifest, in the binding's order.
MANIFEST_FILES = (
    "academicSessions", "categories", "classes", "classResources", "courses",
    "courseResources", "demographics", "enrollments", "lineItemLearningObjectiveIds",
    "lineItems", "lineItemScoreScales", "orgs", "resources", "resultLearningObjectiveIds",
    "results", "resultScoreScales", "roles", "scoreScales", "userProfiles", "userResources",
    "users",
)


def manifest_rows(written: Mapping[str, bool], *, delta: bool) -> list[list[str]]:
    """``manifest.csv``: header, versions, each file's mode (``absent`` when not written)."""
    mode = "delta" if delta else "bulk"
    rows = [["propertyName", "value"], ["manifest.version", "1.0"],
            ["oneroster.version", "1.2"]]
    rows += [[f"file.{name}", mode if written.get(name) else "absent"]
             for name in MANIFEST_FILES]
    rows += [["source.systemName", "mbo-gateway"]]
    return rows
