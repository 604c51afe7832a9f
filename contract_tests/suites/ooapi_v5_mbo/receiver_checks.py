"""Checks of a receiving endpoint (``--option role=receiver``): the suite sends the
profile's PUT and PATCH requests and reads them back.

A receiver is what an SIS pushes to (a toetsplanner, the gateway): ``PUT`` creates or
replaces (the profile answers 200 or 201, no body), ``GET`` answers the profile's document
with what was sent, a repeated ``PUT`` changes nothing, ``PATCH`` merges (RFC 7386), a
body the profile refuses is a 400 with the error object and is not stored (the error
rules: :mod:`.receiver_errors`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any

from contract_tests.checks import Finding
from contract_tests.http import Exchange
from contract_tests.suites.ooapi_v5.support import Reporter, ident
from contract_tests.suites.ooapi_v5_mbo.base import PROFILE, suite
from contract_tests.suites.ooapi_v5_mbo.context import MboContext
from contract_tests.suites.ooapi_v5_mbo.documents import CONSUMER, Sent
from contract_tests.suites.ooapi_v5_mbo.findings import profile_findings

MEMBERS = "/groups/{groupId}/members"



def _differences(report: Reporter, sent: dict[str, Any], body: Any, exchange: Exchange,
                 pointer: str = "") -> Iterator[Finding]:
    """Every field sent that comes back missing or with another value."""
    returned = body if isinstance(body, dict) else {}
    for key, value in sent.items():
        if returned.get(key) != value:
            yield report(f"{key} was not returned as it was sent", exchange,
                         pointer=f"{pointer}/{key}", value=returned.get(key, "(missing)"))


def _member_row(ctx: MboContext, exchange: Exchange, pid: str) -> list[tuple[int, Any]]:
    return [(n, item) for n, item in enumerate(ctx.items(exchange))
            if ident(item, "personId") == pid]


_PUT = "ooapi-v5-mbo.receiver.put-accepted"


@suite.check(_PUT, title="A conformant PUT is accepted",
             rule="(role=receiver) PUT of a conformant person, component offering, association, "
                  "group and member answers 200 or 201",
             reference=f"{PROFILE} #/paths/*/put/responses (200, 201)")
def put_accepted(ctx: MboContext) -> Iterable[Finding]:
    ctx.require_role("receiver")
    report = Reporter(_PUT)
    for sent in ctx.session().puts:
        if sent.exchange.status not in (200, 201):
            yield report(f"PUT of a conformant {sent.kind} answers {sent.exchange.status}",
                         sent.exchange, value=sent.exchange.body[:200])


_READ = "ooapi-v5-mbo.receiver.read-back"


@suite.check(_READ, title="What was PUT is read back as sent",
             rule="(role=receiver) GET of each PUT resource answers 200 with a document valid "
                  "against the profile that holds every field as it was sent",
             reference=f"{PROFILE} #/paths/~1persons~1{{personId}}/get, ~1offerings~1"
                       "{offeringId}/get, ~1associations~1{associationId}/get, ~1groups~1"
                       "{groupId}/get, ~1groups~1{groupId}~1members/get")
def read_back(ctx: MboContext) -> Iterable[Finding]:
    ctx.require_role("receiver")
    report = Reporter(_READ)
    pushed = ctx.session()
    for sent in pushed.puts:
        if sent.kind == "member":
            yield from _member_read(report, ctx, sent, pushed.pid)
            continue
        exchange = ctx.http.get(sent.path)
        yield from profile_findings(report, ctx, sent.template, exchange)
        if exchange.status == 200:
            yield from _differences(report, sent.body, exchange.json(), exchange)


def _member_read(report: Reporter, ctx: MboContext, sent: Sent, pid: str) -> Iterator[Finding]:
    exchange = ctx.http.get(sent.path)
    yield from profile_findings(report, ctx, MEMBERS, exchange)
    rows = _member_row(ctx, exchange, pid)
    if exchange.status == 200 and not rows:
        yield report("the member PUT is not in the group's members", exchange,
                     pointer="/items", value=pid)
    for n, row in rows[:1]:
        yield from _differences(report, sent.body, row, exchange, f"/items/{n}")


_LISTS = "ooapi-v5-mbo.receiver.association-lists"


@suite.check(_LISTS, title="An association PUT is listed for its person and its offering",
             rule="(role=receiver) GET /persons/{personId}/associations and /offerings/"
                  "{offeringId}/associations answer valid pages that hold the association",
             reference=f"{PROFILE} #/paths/~1persons~1{{personId}}~1associations/get, "
                       "~1offerings~1{offeringId}~1associations/get")
def association_lists(ctx: MboContext) -> Iterable[Finding]:
    ctx.require_role("receiver")
    report = Reporter(_LISTS)
    pushed = ctx.session()
    for template, path in (("/persons/{personId}/associations",
                            f"/persons/{pushed.pid}/associations"),
                           ("/offerings/{offeringId}/associations",
                            f"/offerings/{pushed.oid}/associations")):
        exchange = ctx.page(path)
        yield from profile_findings(report, ctx, template, exchange)
        listed = {ident(item, "associationId") for item in ctx.items(exchange)}
        if exchange.status == 200 and pushed.aid not in listed:
            yield report(f"association {pushed.aid} is not listed", exchange,
                         pointer="/items", value=sorted(x for x in listed if x)[:5])


_AGAIN = "ooapi-v5-mbo.receiver.idempotent-put"


@suite.check(_AGAIN, title="A repeated PUT changes nothing",
             rule="(role=receiver) PUT of the same document again answers 200 (nothing is "
                  "created) and GET answers what it answered before",
             reference=f"{PROFILE} #/paths/*/put (create or replace); RFC 9110 9.2.2 "
                       "(PUT is idempotent)")
def idempotent_put(ctx: MboContext) -> Iterable[Finding]:
    ctx.require_role("receiver")
    report = Reporter(_AGAIN)
    pushed = ctx.session()
    for sent in pushed.puts:
        before = ctx.http.get(sent.path)
        again = ctx.http.request("PUT", sent.path, json_body=sent.body)
        if again.status != 200:
            yield report(f"a repeated PUT of the same {sent.kind} answers {again.status}, "
                         "not 200", again, value=again.status)
        after = ctx.http.request("GET", sent.path)
        if sent.kind == "member":
            rows = _member_row(ctx, after, pushed.pid)
            if len(rows) != len(_member_row(ctx, before, pushed.pid)):
                yield report(f"after a repeated PUT the person is listed {len(rows)} times",
                             after, pointer="/items", value=len(rows))
        elif before.status == 200 and (after.status, after.json()) != (200, before.json()):
            yield report(f"the {sent.kind} read after a repeated PUT differs from before",
                         after, value=after.body[:200])


_PATCH = "ooapi-v5-mbo.receiver.patch"


@suite.check(_PATCH, title="PATCH merges as the profile says",
             rule="(role=receiver) PATCH (application/merge-patch+json) of an offering's state "
                  "and of an association's result answers 200 (an association: the profile's "
                  "answer) and GET shows the merge",
             reference=f"{PROFILE} #/paths/~1offerings~1{{offeringId}}/patch, "
                       "~1associations~1{associationId}/patch; RFC 7386")
def patch(ctx: MboContext) -> Iterable[Finding]:
    ctx.require_role("receiver")
    report = Reporter(_PATCH)
    pushed = ctx.session("patch")
    merge = {"Content-Type": "application/merge-patch+json"}
    cancel = {"offeringType": "component",
              "consumers": [{"consumerKey": CONSUMER, "offeringState": "canceled"}]}
    changed = ctx.http.request("PATCH", f"/offerings/{pushed.oid}", json_body=cancel,
                               headers=merge)
    if changed.status != 200:
        yield report(f"PATCH of the offering's state answers {changed.status}", changed,
                     value=changed.body[:200])
    read = ctx.http.request("GET", f"/offerings/{pushed.oid}")
    yield from profile_findings(report, ctx, "/offerings/{offeringId}", read)
    if read.status == 200 and (read.json() or {}).get("consumers") != cancel["consumers"]:
        yield report("the offering read after PATCH does not hold the patched consumers",
                     read, pointer="/consumers", value=(read.json() or {}).get("consumers"))
    result = {"state": "in progress", "resultDate": date.today().isoformat(), "weight": 100,
              "consumers": [{"consumerKey": CONSUMER, "attendance": "present"}]}
    body = {"associationType": "componentOfferingAssociation", "result": result}
    template = "/associations/{associationId}"
    answered = ctx.http.request("PATCH", f"/associations/{pushed.aid}", json_body=body,
                                headers=merge)
    yield from profile_findings(report, ctx, template, answered, method="patch")
    read = ctx.http.request("GET", f"/associations/{pushed.aid}")
    if read.status == 200 and (read.json() or {}).get("result") != result:
        yield report("the association read after PATCH does not hold the patched result",
                     read, pointer="/result", value=(read.json() or {}).get("result"))
