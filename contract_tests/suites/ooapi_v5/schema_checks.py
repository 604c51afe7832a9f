"""Every response the suite fetches, against the schema ``ooapi.json`` gives it."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from contract_tests.checks import Finding, NotApplicable, Severity
from contract_tests.http import NOT_JSON, Exchange
from contract_tests.suites.ooapi_v5.base import SPEC, suite
from contract_tests.suites.ooapi_v5.context import OoapiContext
from contract_tests.suites.ooapi_v5.support import Reporter, at_pointer, ident, json_reply
from gateway.adapters.ooapi.schema_errors import SchemaError

_MAX_ERRORS_PER_RESPONSE = 20
#: Responses whose ``oneOf`` no document can pass: ``EducationSpecificationExpanded`` only
#: adds optional ``timelineOverrides``, so every plain specification matches both
#: alternatives. The alternative is chosen the way the spec's titles describe it.
_ONE_OF_BY_FIELD = {
    "/education-specifications/{educationSpecificationId}": (
        "timelineOverrides", "EducationSpecificationExpanded", "EducationSpecification"),
}


#: Lists whose items are ``oneOf`` alternatives that differ only in what an item may
#: hold, not in what it must: ``{Program,Course,Component}OfferingAssociationExpandable``
#: differ in the type of ``result`` (optional) and of an expanded ``offering``, so an
#: association naming its offering by id matches all three. Matching several is accepted
#: there; matching none is still an error.
_AMBIGUOUS_ONE_OF = {"/offerings/{offeringId}/associations"}


def _errors(ctx: OoapiContext, template: str, body: Any) -> list[SchemaError]:
    chosen = _ONE_OF_BY_FIELD.get(template)
    if chosen is not None and isinstance(body, dict):
        field, with_field, without = chosen
        return ctx.schemas.validate(with_field if field in body else without, body)
    errors = ctx.schemas.validate_response(template, "get", 200, body)
    if template in _AMBIGUOUS_ONE_OF:
        errors = [e for e in errors if not (e.schema_path.endswith("/oneOf")
                                            and "more than one" in e.message)]
    return errors


def schema_findings(report: Reporter, ctx: OoapiContext, template: str,
                    exchange: Exchange) -> Iterator[Finding]:
    """Findings for one 200 reply: status, media type, JSON, then the schema's errors."""
    body = yield from json_reply(report, exchange, 200)
    if body is NOT_JSON:
        return
    errors = _errors(ctx, template, body)
    for error in errors[:_MAX_ERRORS_PER_RESPONSE]:
        yield report(f"{error.message} (schema: {error.schema_path})", exchange,
                     pointer=error.pointer, value=at_pointer(body, error.pointer))
    if len(errors) > _MAX_ERRORS_PER_RESPONSE:
        yield report(f"... and {len(errors) - _MAX_ERRORS_PER_RESPONSE} more schema errors",
                     exchange)


_SERVICE = "ooapi-v5.schema.service"


@suite.check(_SERVICE, title="The service document is valid",
             rule="GET / answers 200 with a Service document valid against ooapi.json",
             reference=f"{SPEC} #/paths/~1/get (Service)")
def service_document(ctx: OoapiContext) -> Iterable[Finding]:
    yield from schema_findings(Reporter(_SERVICE), ctx, "/", ctx.http.get("/"))


_LISTS = "ooapi-v5.schema.collections"


@suite.check(_LISTS, title="Every offered list answers valid pages",
             rule="GET of a list answers 200 with a Pagination document whose items are "
                  "valid against the list's item schema",
             reference=f"{SPEC} #/components/schemas/Pagination and each list's 200 response")
def collections(ctx: OoapiContext) -> Iterable[Finding]:
    report = Reporter(_LISTS)
    if not ctx.collections:
        yield report("no OOAPI list answered: the endpoint offers none of "
                     + ", ".join(ctx.candidate_paths()), value=ctx.http.base_url)
    for collection in ctx.collections:
        yield from schema_findings(report, ctx, collection.path, ctx.first_page(collection))


_ITEMS = "ooapi-v5.schema.items"


@suite.check(_ITEMS, title="Every sampled item is valid on its own path",
             rule="GET of a listed item's own path answers 200 with a document valid against "
                  "ooapi.json, carrying the same id as the list",
             reference=f"{SPEC} #/paths (the single-item operations)")
def items(ctx: OoapiContext) -> Iterable[Finding]:
    report = Reporter(_ITEMS)
    fetched = False
    for collection in ctx.offered():
        if collection.item_path is None:
            continue
        replies = []
        for item in ctx.sample(collection):
            key = ident(item, collection.id_key)
            if key is not None:  # (the list's schema check reports a missing id)
                replies.append((key, ctx.http.get(collection.item_url(key))))
        fetched = fetched or bool(replies)
        if replies and all(exchange.status == 404 for _, exchange in replies):
            # OOAPI endpoints are optional: a list whose item path answers 404 for every
            # listed id most likely does not offer that path. Clients that follow the ids
            # will fail, so it is worth a warning, not an error.
            yield report(f"{collection.path} lists items, but {collection.item_path} answers "
                         f"404 for all {len(replies)} sampled ids: not offered?",
                         replies[0][1], value=404, severity=Severity.WARNING)
            continue
        for key, exchange in replies:
            yield from schema_findings(report, ctx, collection.item_path, exchange)
            body = exchange.json()
            if exchange.status == 200 and ident(body, collection.id_key) != key:
                yield report(f"the item answered for {collection.id_key} {key} carries "
                             "another id", exchange, pointer=f"/{collection.id_key}",
                             value=ident(body, collection.id_key))
    if not fetched:
        raise NotApplicable("no offered list with an item path listed an item with an id "
                            "to fetch")


_NESTED = "ooapi-v5.schema.nested-lists"
#: Lists under one item, with the parent list and its id key.
_NESTED_LISTS = (
    ("/programs/{programId}/offerings", "/programs", "programId"),
    ("/courses/{courseId}/offerings", "/courses", "courseId"),
    ("/persons/{personId}/associations", "/persons", "personId"),
    ("/offerings/{offeringId}/associations", "/offerings", "offeringId"),
)


@suite.check(_NESTED, title="Lists under an item answer valid pages",
             rule="A program's or course's offerings and a person's or offering's "
                  "associations answer pages valid against ooapi.json (a 404 is taken as "
                  "not offered)",
             reference=f"{SPEC} #/paths/~1programs~1{{programId}}~1offerings, "
                       "~1persons~1{personId}~1associations, ...")
def nested_lists(ctx: OoapiContext) -> Iterable[Finding]:
    report = Reporter(_NESTED)
    judged = False
    ctx.offered()
    for template, parent, id_key in _NESTED_LISTS:
        owner = ctx.collection(parent)
        if owner is None or template not in ctx.document["paths"]:
            continue
        keys = [k for item in ctx.sample(owner)[:3] if (k := ident(item, id_key))]
        replies = [ctx.page(template.replace("{" + id_key + "}", k), 1, 10) for k in keys]
        for exchange in replies:
            if exchange.status != 404:  # 404: not offered (for this item)
                judged = True
                yield from schema_findings(report, ctx, template, exchange)
    if not judged:
        raise NotApplicable("no sampled program, course, person or offering has a list under "
                            "it that answered (404 is taken as not offered)")
