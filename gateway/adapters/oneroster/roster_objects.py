"""The tenant's roster as OneRoster 1.2 objects: pages, single objects and streams per resource.

Joins the SQL reads (:mod:`.roster_reads`) to the mapping
(:mod:`gateway.mappings.oneroster_v1p2`). The org (the tenant, from its configuration)
and the school years (derived from the groups' dates) are a handful of objects, filtered
and sorted in memory with the same grammar; the rest is filtered, sorted and paged by the
database.

Example::

    objects = RosterObjects(engine, tenant_config, today=date.today(), base=url)
    items, total = objects.page("users", where, sort, Page(100, 0))
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine

from gateway.adapters.oneroster.course_reads import OWN_CLASSES, OWN_COURSES
from gateway.adapters.oneroster.query import FieldType, Filter, Page, Sort, matches
from gateway.adapters.oneroster.roster_collections import ENROLLMENTS, USERS, Collection, Row
from gateway.adapters.oneroster.roster_reads import RosterReads
from gateway.adapters.oneroster.session_reads import school_year_times
from gateway.domain import PersonalData
from gateway.mappings import oneroster_v1p2 as mapping
from gateway.settings import TenantConfig

__all__ = ["RESOURCES", "Resource", "RosterObjects"]

T, D, DT = FieldType.TEXT, FieldType.DATE, FieldType.DATETIME
_COMMON = {"sourcedId": T, "status": T, "dateLastModified": DT}


@dataclass(frozen=True)
class Resource:
    """A collection endpoint: its JSON keys, where its data lives, and a fixed selection."""

    plural: str
    singular: str
    #: The fields of its objects (for ``fields``).
    fields: frozenset[str]
    collection: Collection | None = None
    #: Fixed equalities that narrow the collection (students, teachers, terms, schools).
    fixed: Mapping[str, str] | None = None


_USER_FIELDS = frozenset({"sourcedId", "status", "dateLastModified", "username",
                          "enabledUser", "givenName", "familyName", "roles", "primaryOrg"})
_ORG_FIELDS = frozenset({"sourcedId", "status", "dateLastModified", "name", "type",
                         "identifier"})
_SESSION_FIELDS = frozenset({"sourcedId", "status", "dateLastModified", "title", "type",
                             "startDate", "endDate", "schoolYear"})
_ORG_SPEC = {**_COMMON, "name": T, "type": T, "identifier": T}
_SESSION_SPEC = {**_COMMON, "title": T, "type": T, "startDate": D, "endDate": D,
                 "schoolYear": T}

RESOURCES: dict[str, Resource] = {
    "orgs": Resource("orgs", "org", _ORG_FIELDS),
    "schools": Resource("orgs", "org", _ORG_FIELDS, fixed={"type": "school"}),
    "academicSessions": Resource("academicSessions", "academicSession", _SESSION_FIELDS),
    "terms": Resource("academicSessions", "academicSession", _SESSION_FIELDS,
                      fixed={"type": "term"}),
    # the gateway has no grading periods: an empty collection, every one unknown
    "gradingPeriods": Resource("academicSessions", "academicSession", _SESSION_FIELDS,
                               fixed={"type": "gradingPeriod"}),
    "courses": Resource("courses", "course", frozenset(
        {"sourcedId", "status", "dateLastModified", "title", "courseCode", "org"}),
        OWN_COURSES),
    "classes": Resource("classes", "class", frozenset(
        {"sourcedId", "status", "dateLastModified", "title", "classCode", "classType",
         "course", "school", "terms"}), OWN_CLASSES),
    "users": Resource("users", "user", _USER_FIELDS, USERS),
    "students": Resource("users", "user", _USER_FIELDS, USERS, {"roles.role": "student"}),
    "teachers": Resource("users", "user", _USER_FIELDS, USERS, {"roles.role": "teacher"}),
    "enrollments": Resource("enrollments", "enrollment", frozenset(
        {"sourcedId", "status", "dateLastModified", "user", "class", "school", "role",
         "primary", "beginDate", "endDate"}), ENROLLMENTS),
}


class RosterObjects:
    """One tenant's roster as OneRoster objects.

    Args:
        engine: the store's engine.
        tenant: the tenant's configuration (its name and BRIN make the org).
        today: the day that places groups without dates in a school year.
        base: the REST service's base URL, for the ``href`` of references.
        org_modified: the org's ``dateLastModified`` (see
            :mod:`gateway.adapters.oneroster.org_modified`).
    """

    def __init__(self, engine: Engine, tenant: TenantConfig, *, today: date, base: str,
                 org_modified: datetime = mapping.CONFIGURED_AT) -> None:
        self.engine = engine
        self.reads = RosterReads(engine)
        self.tenant = tenant
        self.today = today
        self.base = base
        self.org_modified = org_modified

    def filter_spec(self, resource: Resource) -> dict[str, FieldType]:
        """The fields ``filter`` and ``sort`` may name for ``resource``, with their types."""
        if resource.collection is None:
            return _ORG_SPEC if resource.singular == "org" else _SESSION_SPEC
        return {name: kind for name, (_, kind) in
                resource.collection.build(self.tenant.id)[1].items()}

    # -- the derived collections ---------------------------------------------------------
    def _derived(self, resource: Resource) -> list[dict[str, Any]]:
        tenant = self.tenant.id
        if resource.singular == "org":
            found = [mapping.org_object(tenant, self.tenant.name, self.tenant.brin,
                                        modified=self.org_modified)]
        else:
            times = school_year_times(self.engine, tenant, self.today)
            found = [mapping.academic_session(tenant, year, modified=times[year])
                     for year in sorted(times)]
        fixed = resource.fixed or {}
        return [o for o in found if all(o.get(k) == v for k, v in fixed.items())]

    # -- objects -------------------------------------------------------------------------
    def _object(self, resource: Resource, row: Row) -> dict[str, Any]:
        tenant, base = self.tenant.id, self.base
        if resource.plural == "courses":
            return mapping.course_object(base, tenant, row.kind, row.record)
        if resource.plural == "classes":
            return mapping.class_object(base, tenant, row.record, self.today)
        if resource.plural == "users":
            names = row.extra.get("names")
            data = PersonalData.model_validate(
                {k: v for k, v in names.items() if v is not None}) if names else None
            return mapping.user_object(base, tenant, row.record, row.extra["role"], data)
        return mapping.enrollment_object(base, tenant, row.record, gone=row.extra["gone"])

    def page(self, resource: Resource, where: Filter | None, sort: Sort | None,
             page: Page) -> tuple[list[dict[str, Any]], int]:
        """One page of ``resource`` and the number of matching objects."""
        if resource.collection is None:
            found = [o for o in self._derived(resource) if matches(where, o)]
            if sort is not None:
                found.sort(key=lambda o: str(o.get(sort.field) or "").lower(),
                           reverse=sort.descending)
            return found[page.offset:page.offset + page.limit], len(found)
        listing = self.reads.page(resource.collection, self.tenant.id, where, sort, page,
                                  fixed=resource.fixed)
        return [self._object(resource, row) for row in listing.rows], listing.total

    def one(self, resource: Resource, ident: str) -> dict[str, Any] | None:
        """The object ``ident`` of ``resource``, None when there is none."""
        if resource.collection is None:
            return next((o for o in self._derived(resource) if o["sourcedId"] == ident), None)
        row = self.reads.one(resource.collection, self.tenant.id, ident)
        if row is None:
            return None
        found = self._object(resource, row)
        fixed = resource.fixed or {}
        if "roles.role" in fixed and found["roles"][0]["role"] != fixed["roles.role"]:
            return None
        return found

    def stream(self, resource: Resource, where: Filter | None) -> Iterator[list[dict[str, Any]]]:
        """All objects of ``resource`` matching ``where``, in chunks (for the CSV export)."""
        if resource.collection is None:
            yield [o for o in self._derived(resource) if matches(where, o)]
            return
        for rows in self.reads.stream(resource.collection, self.tenant.id, where):
            yield [self._object(resource, row) for row in rows]
