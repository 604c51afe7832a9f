"""What the OneRoster 1.2 CSV binding defines for the rostering files: columns in order,
required fields, enumerations, date fields and references.

Transcribed from the 1EdTech OneRoster 1.2 CSV Binding (one table per file; the manifest's
properties; data types: ``date`` is ``YYYY-MM-DD``, ``dateTime`` is ISO 8601 in UTC with a
``Z``, ``year`` is ``YYYY``) and the Rostering information model's enumerations. The
gradebook and resources files are only checked for presence against the manifest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = ["BINDING", "DATE", "DATETIME", "FILES", "MANIFEST_PROPERTIES", "MODES", "REST",
           "FileSpec", "Ref", "YEAR"]

BINDING = "1EdTech OneRoster 1.2 CSV Binding"
REST = "1EdTech OneRoster 1.2 Rostering Service REST Binding"

DATE = re.compile(r"\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])")
DATETIME = re.compile(r"\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:"
                      r"[0-5]\d(\.\d{1,9})?Z")
YEAR = re.compile(r"\d{4}")

MODES = frozenset({"bulk", "delta", "absent"})
#: Every ``file.*`` property the 1.2 manifest lists.
MANIFEST_PROPERTIES = (
    "academicSessions", "categories", "classes", "classResources", "courses",
    "courseResources", "demographics", "enrollments", "lineItemLearningObjectiveIds",
    "lineItems", "lineItemScoreScales", "orgs", "resources", "resultLearningObjectiveIds",
    "results", "resultScoreScales", "roles", "scoreScales", "userProfiles", "userResources",
    "users",
)

_HEAD = ("sourcedId", "status", "dateLastModified")
_BOOLEAN = frozenset({"true", "false"})
_ROLES = frozenset({"aide", "counselor", "districtAdministrator", "guardian", "parent",
                    "principal", "proctor", "relative", "siteAdministrator", "student",
                    "systemAdministrator", "teacher"})


@dataclass(frozen=True)
class Ref:
    """A column naming records of another file (``many``: a comma-separated list)."""

    file: str
    many: bool = False


@dataclass(frozen=True)
class FileSpec:
    """One data file of the binding: the table the binding gives for ``<name>.csv``."""

    name: str
    columns: tuple[str, ...]
    required: tuple[str, ...]
    enums: dict[str, frozenset[str]] = field(default_factory=dict)
    dates: tuple[str, ...] = ()
    years: tuple[str, ...] = ()
    refs: dict[str, Ref] = field(default_factory=dict)

    @property
    def filename(self) -> str:
        return f"{self.name}.csv"


FILES: dict[str, FileSpec] = {spec.name: spec for spec in (
    FileSpec("academicSessions", (*_HEAD, "title", "type", "startDate", "endDate",
                                           "parentSourcedId", "schoolYear"),
             ("sourcedId", "title", "type", "startDate", "endDate", "schoolYear"),
             enums={"type": frozenset({"gradingPeriod", "semester", "schoolYear", "term"})},
             dates=("startDate", "endDate"), years=("schoolYear",),
             refs={"parentSourcedId": Ref("academicSessions")}),
    FileSpec("classes", (*_HEAD, "title", "grades", "courseSourcedId", "classCode",
                                 "classType", "location", "schoolSourcedId", "termSourcedIds",
                                 "subjects", "subjectCodes", "periods"),
             ("sourcedId", "title", "courseSourcedId", "classType", "schoolSourcedId",
              "termSourcedIds"),
             enums={"classType": frozenset({"homeroom", "scheduled"})},
             refs={"courseSourcedId": Ref("courses"), "schoolSourcedId": Ref("orgs"),
                   "termSourcedIds": Ref("academicSessions", many=True)}),
    FileSpec("courses", (*_HEAD, "schoolYearSourcedId", "title", "courseCode",
                                 "grades", "orgSourcedId", "subjects", "subjectCodes"),
             ("sourcedId", "title", "orgSourcedId"),
             refs={"schoolYearSourcedId": Ref("academicSessions"), "orgSourcedId": Ref("orgs")}),
    FileSpec("demographics", (*_HEAD, "birthDate", "sex", "americanIndianOrAlaskaNative",
                                      "asian", "blackOrAfricanAmerican",
                                      "nativeHawaiianOrOtherPacificIslander", "white",
                                      "demographicRaceTwoOrMoreRaces",
                                      "hispanicOrLatinoEthnicity", "countryOfBirthCode",
                                      "stateOfBirthAbbreviation", "cityOfBirth",
                                      "publicSchoolResidenceStatus"),
             ("sourcedId",), dates=("birthDate",)),
    FileSpec("enrollments", (*_HEAD, "classSourcedId", "schoolSourcedId",
                                     "userSourcedId", "role", "primary", "beginDate",
                                     "endDate"),
             ("sourcedId", "classSourcedId", "schoolSourcedId", "userSourcedId", "role"),
             enums={"role": frozenset({"administrator", "proctor", "student", "teacher"}),
                    "primary": _BOOLEAN},
             dates=("beginDate", "endDate"),
             refs={"classSourcedId": Ref("classes"), "schoolSourcedId": Ref("orgs"),
                   "userSourcedId": Ref("users")}),
    FileSpec("orgs", (*_HEAD, "name", "type", "identifier", "parentSourcedId"),
             ("sourcedId", "name", "type"),
             enums={"type": frozenset({"department", "district", "local", "national", "school",
                                       "state"})},
             refs={"parentSourcedId": Ref("orgs")}),
    FileSpec("roles", (*_HEAD, "userSourcedId", "roleType", "role", "beginDate",
                                "endDate", "orgSourcedId", "userProfileSourcedId"),
             ("sourcedId", "userSourcedId", "roleType", "role", "orgSourcedId"),
             enums={"roleType": frozenset({"primary", "secondary"}), "role": _ROLES},
             dates=("beginDate", "endDate"),
             refs={"userSourcedId": Ref("users"), "orgSourcedId": Ref("orgs")}),
    FileSpec("users", (*_HEAD, "enabledUser", "username", "userIds", "givenName",
                                "familyName", "middleName", "identifier", "email", "sms",
                                "phone", "agentSourcedIds", "grades", "password",
                                "userMasterIdentifier", "preferredGivenName",
                                "preferredMiddleName", "preferredFamilyName",
                                "primaryOrgSourcedId", "pronouns"),
             ("sourcedId", "enabledUser", "username", "givenName", "familyName"),
             enums={"enabledUser": _BOOLEAN},
             refs={"agentSourcedIds": Ref("users", many=True),
                   "primaryOrgSourcedId": Ref("orgs")}),
)}
