"""Checks of an SIS (``--option role=sis``): what it serves, against the profile's schemas
and its error rules. Each reads a bounded sample (see :mod:`.sis_reads`)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from typing import Any

from contract_tests.checks import Finding, NotApplicable, Severity
from contract_tests.suites.ooapi_v5.support import Reporter, ident
from contract_tests.suites.ooapi_v5_mbo.base import PROFILE, suite
from contract_tests.suites.ooapi_v5_mbo.context import MboContext
from contract_tests.suites.ooapi_v5_mbo.findings import (
    ERROR_RULES,
    problem_findings,
    profile_findings,
)
from contract_tests.suites.ooapi_v5_mbo.sis_reads import (
    association_pages,
    associations,
    offering_ids,
    persons_page,
    sampled_persons,
)

_PERSONS = "ooapi-v5-mbo.sis.persons"


@suite.check(_PERSONS, title="Persons carry the profile's required fields",
             rule="(role=sis) GET /persons/{personId} answers 200 with a person valid against "
                  "the profile (personId, givenName, surname, displayName, affiliations, mail, "
                  "primaryCode, activeEnrollment required)",
             reference=f"{PROFILE} #/paths/~1persons~1{{personId}}/get")
def persons(ctx: MboContext) -> Iterable[Finding]:
    ctx.require_role("sis")
    report = Reporter(_PERSONS)
    listed = persons_page(ctx)
    if listed.status != 200 or not sampled_persons(ctx):
        yield report(f"GET /persons answers {listed.status} with no person to read", listed,
                     value=listed.status)
    yield from _items_read(report, ctx, "/persons/{personId}", sampled_persons(ctx))


_ASSOCIATIONS = "ooapi-v5-mbo.sis.associations"


@suite.check(_ASSOCIATIONS, title="Associations are valid on every path that serves them",
             rule="(role=sis) /persons/{personId}/associations, /associations/{associationId} "
                  "and /offerings/{offeringId}/associations answer documents valid against "
                  "the profile",
             reference=f"{PROFILE} #/paths/~1persons~1{{personId}}~1associations/get, "
                       "~1associations~1{associationId}/get, "
                       "~1offerings~1{offeringId}~1associations/get")
def association_documents(ctx: MboContext) -> Iterable[Finding]:
    ctx.require_role("sis")
    report = Reporter(_ASSOCIATIONS)
    if not association_pages(ctx):
        raise NotApplicable("no person was sampled, so no associations could be read "
                            "(ooapi-v5-mbo.sis.persons reports it)")
    for _, page in association_pages(ctx):
        yield from profile_findings(report, ctx, "/persons/{personId}/associations", page)
    yield from _items_read(report, ctx, "/associations/{associationId}", [
        ident(item, "associationId") for _, _, item in associations(ctx)[: ctx.sample_size]])
    for oid in offering_ids(ctx):
        page = ctx.page(f"/offerings/{oid}/associations")
        yield from profile_findings(report, ctx, "/offerings/{offeringId}/associations", page,
                                    judged=_without_person_ids)
        for n, item in enumerate(ctx.items(page)):
            if _person_id_object(item):
                yield report("person is a PersonId object (ooapi.json's "
                             "OfferingAssociationExpandable); the profile wants the person in "
                             "full or left out", page, pointer=f"/items/{n}/person",
                             value=item["person"], severity=Severity.WARNING)
                break


def _items_read(report: Reporter, ctx: MboContext, template: str,
                ids: Iterable[str | None]) -> Iterator[Finding]:
    """The profile's findings for GET of each item path (``template`` with each id that is
    not None in its placeholder)."""
    for item_id in ids:
        if item_id is not None:
            yield from profile_findings(report, ctx, template,
                                        ctx.http.get(template.split("{", 1)[0] + item_id))


def _person_id_object(item: Any) -> bool:
    person = item.get("person") if isinstance(item, dict) else None
    return isinstance(person, dict) and set(person) == {"personId"}


def _without_person_ids(body: Any) -> Any:
    """The page as judged: ooapi.json's ``PersonId`` objects (a warning of their own) left
    out, so the profile's schema judges everything else."""
    if not isinstance(body, dict) or not isinstance(body.get("items"), list):
        return body
    items = [{k: v for k, v in item.items() if k != "person"} if _person_id_object(item)
             else item for item in body["items"]]
    return {**body, "items": items}


_OFFERINGS = "ooapi-v5-mbo.sis.offerings"


@suite.check(_OFFERINGS, title="Offerings are valid; component offerings on their own path",
             rule="(role=sis) GET /offerings (all, and offeringType=component) answers pages "
                  "valid against the profile; each component offering answers "
                  "/offerings/{offeringId} with the profile's componentOffering",
             reference=f"{PROFILE} #/paths/~1offerings/get, ~1offerings~1{{offeringId}}/get")
def offerings(ctx: MboContext) -> Iterable[Finding]:
    ctx.require_role("sis")
    report = Reporter(_OFFERINGS)
    yield from profile_findings(report, ctx, "/offerings", ctx.page("/offerings"))
    components = ctx.page("/offerings", offeringType="component")
    yield from profile_findings(report, ctx, "/offerings", components)
    yield from _items_read(report, ctx, "/offerings/{offeringId}", [
        ident(item, "offeringId") for item in ctx.items(components)[:3]])


_GROUPS = "ooapi-v5-mbo.sis.groups"


@suite.check(_GROUPS, title="Groups and their members are valid",
             rule="(role=sis) GET /groups, /groups/{groupId} and /groups/{groupId}/members "
                  "answer documents valid against the profile",
             reference=f"{PROFILE} #/paths/~1groups/get, ~1groups~1{{groupId}}/get, "
                       "~1groups~1{groupId}~1members/get")
def groups(ctx: MboContext) -> Iterable[Finding]:
    ctx.require_role("sis")
    report = Reporter(_GROUPS)
    listed = ctx.page("/groups")
    yield from profile_findings(report, ctx, "/groups", listed)
    for item in ctx.items(listed)[:3]:
        gid = ident(item, "groupId")
        if gid is None:
            continue
        yield from profile_findings(report, ctx, "/groups/{groupId}",
                                    ctx.http.get(f"/groups/{gid}"))
        yield from profile_findings(report, ctx, "/groups/{groupId}/members",
                                    ctx.page(f"/groups/{gid}/members"))


_UNKNOWN = "ooapi-v5-mbo.sis.not-found"


@suite.check(_UNKNOWN, title="An unknown id answers 404 with the error object",
             rule="(role=sis) GET of a person, association, offering or group that does not "
                  "exist answers 404 with the profile's error object",
             reference=f"{ERROR_RULES} (404)")
def not_found(ctx: MboContext) -> Iterable[Finding]:
    ctx.require_role("sis")
    report = Reporter(_UNKNOWN)
    for template in ("/persons/{personId}", "/associations/{associationId}",
                     "/offerings/{offeringId}", "/groups/{groupId}"):
        path = template.split("{", 1)[0] + str(uuid.uuid4())
        yield from problem_findings(report, ctx, ctx.http.get(path), template, 404)


_BAD = "ooapi-v5-mbo.sis.bad-request"


@suite.check(_BAD, title="A query outside the profile answers 400 with the error object",
             rule="(role=sis) a state filter outside the profile's enum, and a pageSize "
                  "outside 10, 20, 50, 100, 250, answer 400 with the profile's error object",
             reference=f"{ERROR_RULES} (400); {PROFILE} #/paths/~1persons~1{{personId}}"
                       "~1associations/get (state), #/paths/~1groups/get (pageSize)")
def bad_request(ctx: MboContext) -> Iterable[Finding]:
    ctx.require_role("sis")
    report = Reporter(_BAD)
    for pid in sampled_persons(ctx)[:1]:
        yield from problem_findings(
            report, ctx, ctx.http.get(f"/persons/{pid}/associations", {"state": "lost"}),
            "/persons/{personId}/associations", 400)
    yield from problem_findings(report, ctx, ctx.http.get("/groups", {"pageSize": 7}),
                                "/groups", 400)


_ANONYMOUS = "ooapi-v5-mbo.sis.no-token"


@suite.check(_ANONYMOUS, title="Without a token an SIS answers 401",
             rule="(role=sis) GET of a person and of the groups without credentials answers "
                  "401 with the profile's error object",
             reference="ooapi-v5-mbo/ErrorHandling.md (OAuth2 client credentials); "
                       f"{PROFILE} responses 401")
def no_token(ctx: MboContext) -> Iterable[Finding]:
    ctx.require_role("sis")
    if ctx.http.authorization is None:
        raise NotApplicable("no credentials were given: an open endpoint has no 401 to test")
    report = Reporter(_ANONYMOUS)
    for pid in sampled_persons(ctx)[:1]:
        yield from problem_findings(report, ctx, ctx.http.get(f"/persons/{pid}",
                                                               authenticated=False),
                                    "/persons/{personId}", 401)
    yield from problem_findings(report, ctx, ctx.http.get("/groups", authenticated=False),
                                "/groups", 401)
