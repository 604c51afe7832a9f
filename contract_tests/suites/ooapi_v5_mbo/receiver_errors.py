"""Checks of a receiving endpoint's error rules (``--option role=receiver``): a body the
profile refuses, a request without a token and an unknown id each answer with their
status and the profile's error object, and nothing refused is stored."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from contract_tests.checks import Finding, NotApplicable
from contract_tests.suites.ooapi_v5.support import Reporter
from contract_tests.suites.ooapi_v5_mbo.base import PROFILE, suite
from contract_tests.suites.ooapi_v5_mbo.context import MboContext
from contract_tests.suites.ooapi_v5_mbo.documents import association, person
from contract_tests.suites.ooapi_v5_mbo.findings import ERROR_RULES, problem_findings


def _fresh() -> str:
    return str(uuid.uuid4())


_INVALID = "ooapi-v5-mbo.receiver.invalid-body"


@suite.check(_INVALID, title="A body the profile refuses is a 400 and is not stored",
             rule="(role=receiver) PUT of a person without a required field and with a value "
                  "outside an enum, and of an association in a state the profile does not "
                  "know, answers 400 with the profile's error object; GET then answers 404",
             reference=f"{ERROR_RULES}; {PROFILE} #/paths/~1persons~1{{personId}}/put")
def invalid_body(ctx: MboContext) -> Iterable[Finding]:
    ctx.require_role("receiver")
    report = Reporter(_INVALID)
    pushed = ctx.session()
    bad_person = {**person(pushed.pid), "affiliations": ["pupil"]}
    del bad_person["surname"]
    pid = _fresh()
    bad_person["personId"] = pid
    aid = _fresh()
    bad_association = association(aid, pushed.pid, pushed.oid, state="enrolled")
    for template, path, body in (("/persons/{personId}", f"/persons/{pid}", bad_person),
                                 ("/associations/{associationId}", f"/associations/{aid}",
                                  bad_association)):
        refused = ctx.http.request("PUT", path, json_body=body)
        yield from problem_findings(report, ctx, refused, template, 400, method="put")
        stored = ctx.http.request("GET", path)
        if stored.status != 404:
            yield report("a refused body was stored: GET answers "
                         f"{stored.status}, not 404", stored, value=stored.status)


_ANONYMOUS = "ooapi-v5-mbo.receiver.no-token"


@suite.check(_ANONYMOUS, title="Without a token a receiver answers 401 and stores nothing",
             rule="(role=receiver) PUT and GET without credentials answer 401 with the "
                  "profile's error object; the PUT is not stored",
             reference=f"ooapi-v5-mbo/ErrorHandling.md (OAuth2 client credentials); "
                       f"{PROFILE} responses 401")
def no_token(ctx: MboContext) -> Iterable[Finding]:
    ctx.require_role("receiver")
    if ctx.http.authorization is None:
        raise NotApplicable("no credentials were given: an open endpoint has no 401 to test")
    report = Reporter(_ANONYMOUS)
    pid = _fresh()
    sent = ctx.http.request("PUT", f"/persons/{pid}", json_body=person(pid),
                            authenticated=False)
    yield from problem_findings(report, ctx, sent, "/persons/{personId}", 401, method="put")
    stored = ctx.http.request("GET", f"/persons/{pid}")
    if stored.status != 404:
        yield report(f"a PUT without a token was stored: GET answers {stored.status}", stored,
                     value=stored.status)
    read = ctx.http.get(f"/persons/{ctx.session().pid}", authenticated=False)
    yield from problem_findings(report, ctx, read, "/persons/{personId}", 401)


_UNKNOWN = "ooapi-v5-mbo.receiver.not-found"


@suite.check(_UNKNOWN, title="An unknown id answers 404 with the error object",
             rule="(role=receiver) GET of a person, offering, association or group that was "
                  "never PUT answers 404 with the profile's error object",
             reference=f"{ERROR_RULES} (404)")
def not_found(ctx: MboContext) -> Iterable[Finding]:
    ctx.require_role("receiver")
    report = Reporter(_UNKNOWN)
    for template in ("/persons/{personId}", "/offerings/{offeringId}",
                     "/associations/{associationId}", "/groups/{groupId}"):
        path = template.split("{", 1)[0] + _fresh()
        yield from problem_findings(report, ctx, ctx.http.get(path), template, 404)
