"""Canonical rostering -> 1EdTech OneRoster 1.2 objects (the REST JSON form); pure functions.

What becomes what:

- org: the tenant institution (its BRIN as ``identifier``), type ``school``;
- academicSession: a Dutch school year (1 August - 31 July), type ``schoolYear``,
  ``schoolYear`` the year it ends in; the gateway has no basis for terms, so a class's
  ``terms`` are the school years its group runs in;
- course: a programme offering (``courseCode`` = crebo), a catalogue course (module,
  keuzedeel: its code), or, for a group that belongs to no offering, the group itself
  (OneRoster demands a course for every class). That course cannot take the group's id:
  a ``sourcedId`` names one object across all types (the CSV bundle's files and the REST
  references share one id space), so it is :func:`own_course_id` of the group;
- class: a group; a klas is ``homeroom``, a lesgroep (or other group) ``scheduled``;
- user: a person who is a member of a group, with only the personal data OneRoster
  requires (``givenName``, ``familyName``; ``username`` = the SIS's person id), role
  ``teacher`` when any membership is not a student's, else ``student``;
- enrollment: a membership (a cancelled one is ``tobedeleted``).

``sourcedId`` is the canonical entity id; the org and the school years, which are no
entities, get UUIDv5 ids in the gateway's namespace. ``status`` is ``tobedeleted`` for a
deleted entity, ``dateLastModified`` its ``updated_at`` in UTC.

``dateLastModified`` of what is no entity, so that a delta (``filter=dateLastModified>``
or a delta CSV bundle, which carries exactly the records modified after its moment)
reaches the consumer when it changes:

- a school year's is the latest ``updated_at`` of the groups that run in it (nothing else
  can change it), and no older than its 1 August when an open-ended group makes it
  (:mod:`gateway.adapters.oneroster.session_reads`);
- the org's name and BRIN come from the tenant's configuration, which has no modification
  time and is not stored: the caller passes when that content was first served (see
  :mod:`gateway.adapters.oneroster.org_modified`); :data:`CONFIGURED_AT` is the default.

Not covered: a class of a group with an open start or end gains (or loses) a term when
today enters a school year, but keeps its group's ``dateLastModified`` (the SQL
collections know no ``today``): a delta consumer sees that term with the next change.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any

from gateway.domain import PersonalData
from gateway.domain.ids import GATEWAY_NAMESPACE

__all__ = [
    "CONFIGURED_AT",
    "ENROLLMENT_ROLES",
    "Record",
    "academic_session",
    "class_object",
    "course_object",
    "enrollment_object",
    "enrollment_role",
    "iso_datetime",
    "org_id",
    "org_object",
    "own_course_group",
    "own_course_id",
    "role_id",
    "school_year_id",
    "school_year_of",
    "school_years",
    "user_object",
]

#: ``dateLastModified`` of what comes from configuration (the org) or is derived (school
#: years): they have no modification time of their own.
CONFIGURED_AT = datetime(2000, 1, 1, tzinfo=UTC)

#: A group runs in at most this many school years (a bound against nonsense dates).
_MAX_YEARS = 10

#: Canonical membership role -> OneRoster enrollment role (``ext:`` for what it lacks).
ENROLLMENT_ROLES = {
    "student": "student", "teacher": "teacher", "teaching_assistant": "teacher",
    "coordinator": "administrator", "invigilator": "proctor", "assessor": "proctor",
    "guest": "ext:guest",
}


@dataclass(frozen=True)
class Record:
    """A stored canonical entity as the mapping needs it."""

    state: Mapping[str, Any]
    deleted: bool
    updated_at: datetime


def _derived(*parts: str) -> uuid.UUID:
    return uuid.uuid5(GATEWAY_NAMESPACE, "\x1f".join(("oneroster", *parts)))


@lru_cache(maxsize=256)  # every object refers to its org: derive the id once
def org_id(tenant: str) -> uuid.UUID:
    """The ``sourcedId`` of the tenant's org."""
    return _derived(tenant, "org")


@lru_cache(maxsize=4096)
def school_year_id(tenant: str, year: int) -> uuid.UUID:
    """The ``sourcedId`` of the school year that ends in ``year``."""
    return _derived(tenant, "school-year", str(year))


def role_id(tenant: str, user: str) -> uuid.UUID:
    """The ``sourcedId`` of a user's (one, primary) role at the tenant's org (roles.csv)."""
    return _derived(tenant, "role", user)


def own_course_id(group_id: str) -> str:
    """The ``sourcedId`` of the course of a group without an offering.

    The group's UUIDv5 with the version nibble set to 8 (RFC 9562's vendor-specific UUID):
    deterministic, never equal to any entity's or derived id (all UUIDv5), and reversible
    (:func:`own_course_group`), so the database can look the course up by its group's id.
    """
    return f"{group_id[:14]}8{group_id[15:]}"


def own_course_group(course_id: str) -> str | None:
    """The group id behind :func:`own_course_id`, None when ``course_id`` is no such id."""
    if len(course_id) != 36 or course_id[14] != "8":
        return None
    return f"{course_id[:14]}5{course_id[15:]}"


def iso_datetime(when: datetime) -> str:
    """``dateLastModified``: ISO 8601 in UTC with milliseconds, ``...T12:00:00.000Z``."""
    utc = when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def school_year_of(day: date) -> int:
    """The school year a day lies in, named by the year it ends in (1 Aug - 31 Jul)."""
    return day.year + 1 if day.month >= 8 else day.year


def school_years(valid_from: date | None, valid_until: date | None, today: date) -> list[int]:
    """The school years a group runs in; an open start or end counts as ``today``."""
    start = valid_from or min(today, valid_until or today)
    end = valid_until or max(start, today)
    first, last = school_year_of(start), school_year_of(end)
    return list(range(max(first, last - _MAX_YEARS + 1), last + 1))


def _ref(base: str, path: str, ident: Any, kind: str) -> dict[str, str]:
    return {"href": f"{base}/{path}/{ident}", "sourcedId": str(ident), "type": kind}


def _base(ident: Any, deleted: bool, updated_at: datetime) -> dict[str, Any]:
    return {"sourcedId": str(ident), "status": "tobedeleted" if deleted else "active",
            "dateLastModified": iso_datetime(updated_at)}


def org_object(tenant: str, name: str, brin: str | None, *,
               modified: datetime = CONFIGURED_AT) -> dict[str, Any]:
    """The tenant institution as an org; ``identifier`` is its BRIN (else the tenant id)."""
    return {**_base(org_id(tenant), False, modified), "name": name, "type": "school",
            "identifier": brin or tenant}


def academic_session(tenant: str, year: int, *,
                     modified: datetime = CONFIGURED_AT) -> dict[str, Any]:
    """The school year ``year - 1``/``year`` as an academicSession (``modified``: see above)."""
    return {**_base(school_year_id(tenant, year), False, modified),
            "title": f"Schooljaar {year - 1}-{year}", "type": "schoolYear",
            "startDate": date(year - 1, 8, 1).isoformat(),
            "endDate": date(year, 7, 31).isoformat(), "schoolYear": str(year)}


def course_object(base: str, tenant: str, kind: str, record: Record) -> dict[str, Any]:
    """A programme offering, a catalogue course, or a group without an offering, as a course."""
    state = record.state
    if kind == "programme-offering":
        title, code = state.get("name"), state.get("crebo")
    else:  # course or group: both have a code and a name
        title, code = state.get("name"), state.get("code")
    ident = own_course_id(str(state["id"])) if kind == "group" else str(state["id"])
    return {**_base(ident, record.deleted, record.updated_at),
            "title": title or str(state["id"]), "courseCode": code or "",
            "org": _ref(base, "orgs", org_id(tenant), "org")}


def _day(raw: Any) -> date | None:
    return date.fromisoformat(raw) if raw else None


def class_object(base: str, tenant: str, record: Record, today: date) -> dict[str, Any]:
    """A group as a class of its offering's course (or of its own), in its school years."""
    state = record.state
    course = state.get("offering_id") or own_course_id(str(state["id"]))
    years = school_years(_day(state.get("valid_from")), _day(state.get("valid_until")), today)
    return {**_base(state["id"], record.deleted, record.updated_at),
            "title": state.get("name") or state.get("code") or str(state["id"]),
            "classCode": state.get("code") or "",
            "classType": "homeroom" if state.get("group_kind") == "class" else "scheduled",
            "course": _ref(base, "courses", course, "course"),
            "school": _ref(base, "orgs", org_id(tenant), "org"),
            "terms": [_ref(base, "academicSessions", school_year_id(tenant, y), "academicSession")
                      for y in years]}


def _family_name(data: PersonalData | None) -> str:
    if data is None:
        return ""
    return " ".join(p for p in (data.family_name_prefix, data.family_name) if p)


def user_object(
    base: str, tenant: str, record: Record, role: str, data: PersonalData | None
) -> dict[str, Any]:
    """A person as a user: names only (no e-mail, phone, birth date, ECK iD).

    ``data`` is None for a person without personal data (an erased one): OneRoster
    requires the names, so they are empty strings then.
    """
    state = record.state
    org = _ref(base, "orgs", org_id(tenant), "org")
    return {**_base(state["id"], record.deleted, record.updated_at),
            "username": str(state["source"]["id"]),
            "enabledUser": "false" if record.deleted else "true",
            "givenName": (data.given_name or "") if data else "",
            "familyName": _family_name(data),
            "roles": [{"roleType": "primary", "role": role, "org": org}],
            "primaryOrg": org}


def enrollment_role(member_role: str) -> str:
    """The OneRoster enrollment role of a canonical membership role."""
    return ENROLLMENT_ROLES.get(member_role, "student")


def enrollment_object(base: str, tenant: str, record: Record, *, gone: bool) -> dict[str, Any]:
    """A membership as an enrollment; ``gone``: its group or person no longer exists."""
    state = record.state
    member_role = str(state.get("role", "student"))
    deleted = record.deleted or gone or state.get("state") == "cancelled"
    obj = {**_base(state["id"], deleted, record.updated_at),
           "user": _ref(base, "users", state["person_id"], "user"),
           "class": _ref(base, "classes", state["group_id"], "class"),
           "school": _ref(base, "orgs", org_id(tenant), "org"),
           "role": enrollment_role(member_role),
           "primary": "true" if member_role == "teacher" else "false"}
    for key, name in (("start_date", "beginDate"), ("end_date", "endDate")):
        if state.get(key):
            obj[name] = state[key]
    return obj
