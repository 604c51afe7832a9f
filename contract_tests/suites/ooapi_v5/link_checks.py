"""Links between resources: ids stay the same across calls, and what a document refers to
(an offering's program or course, a program's education specification, an association's
offering) exists on its own path."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from contract_tests.checks import Finding, NotApplicable
from contract_tests.http import Exchange
from contract_tests.suites.ooapi_v5.base import SPEC, suite
from contract_tests.suites.ooapi_v5.context import OoapiContext
from contract_tests.suites.ooapi_v5.support import Reporter, ident, reference_id

_STABLE = "ooapi-v5.ids.stable"


@suite.check(_STABLE, title="Ids are stable across calls",
             rule="Asking the same page twice answers the same items with the same ids, in "
                  "the same order (ids identify resources, they are not per response)",
             reference=f"{SPEC} (each schema's <name>Id: 'Unique id of this ...')")
def stable_ids(ctx: OoapiContext) -> Iterable[Finding]:
    report = Reporter(_STABLE)
    compared = False
    for collection in ctx.offered():
        first = ctx.first_page(collection)
        if first.status != 200 or not ctx.items(first):
            continue  # an empty or failing page has no id to compare
        compared = True
        again = ctx.http.request("GET", first.url)  # not from the cache
        before = [ident(i, collection.id_key) for i in ctx.items(first)]
        after = [ident(i, collection.id_key) for i in ctx.items(again)]
        if before != after:
            changed = [b for b in before if b not in set(after)]
            yield report(f"the same page answered other {collection.id_key}s the second time",
                         again, pointer="/items", value=changed[:5] or after[:5])
    if not compared:
        raise NotApplicable("no offered list answered a first page holding items")


#: reference field -> (list whose item path must answer it, its id key), for offerings.
_OFFERING_LINKS = {
    "program": ("/programs", "programId"),
    "course": ("/courses", "courseId"),
    "component": ("/components", "componentId"),
    "academicSession": ("/academic-sessions", "academicSessionId"),
    "organization": ("/organizations", "organizationId"),
}
#: the same for programs and courses.
_CATALOGUE_LINKS = {
    "educationSpecification": ("/education-specifications", "educationSpecificationId"),
    "organization": ("/organizations", "organizationId"),
    "parent": ("/programs", "programId"),
}


def _resolves(ctx: OoapiContext, report: Reporter, document: dict[str, Any], where: str,
              links: dict[str, tuple[str, str]], origin: Exchange, prefix: str, *,
              required: tuple[str, ...] = (), followed: list[str]) -> Iterator[Finding]:
    """Findings for each reference of ``document`` (at ``prefix`` in ``origin``) that does
    not resolve; each reference followed is appended to ``followed``."""
    for field, (path, id_key) in links.items():
        target = reference_id(document, field, id_key)
        if target is None:
            continue
        if field not in required and ctx.collection(path) is None and path != "/components":
            continue  # the supplier does not serve that kind of resource
        followed.append(f"{path}/{target}")
        exchange = ctx.http.get(f"{path}/{target}")
        if exchange.status != 200 and not _listed(ctx, path, id_key, target):
            yield report(f"{where} refers to {field} {target}, but GET {path}/{target} "
                         f"answers {exchange.status}", exchange, source=origin,
                         pointer=f"{prefix}/{field}", value=target)


def _listed(ctx: OoapiContext, path: str, id_key: str, target: str) -> bool:
    """Whether a short list (one page of 250) holds ``target``: a supplier may serve a list
    without its single-item path (``/organizations`` often), and the link still resolves."""
    if ctx.collection(path) is None:
        return False
    exchange = ctx.page(path, 1, 250)
    return any(ident(item, id_key) == target for item in ctx.items(exchange))


_OFFERING = "ooapi-v5.links.offering-references"


@suite.check(_OFFERING, title="An offering's program, course or session exists",
             rule="The program, course, component, academic session and organization an "
                  "offering names each answer 200 on their own path",
             reference=f"{SPEC} #/components/schemas/ProgramOffering (program), "
                       "CourseOffering (course), Offering (academicSession, organization)")
def offering_references(ctx: OoapiContext) -> Iterable[Finding]:
    report = Reporter(_OFFERING)
    followed: list[str] = []
    for origin, index, offering in ctx.sample_offerings():
        where = f"offering {ident(offering, 'offeringId')}"
        yield from _resolves(ctx, report, offering, where, _OFFERING_LINKS, origin,
                             f"/items/{index}", required=("program", "course"),
                             followed=followed)
    if not followed:
        raise NotApplicable("no sampled offering refers to a program, course, component, "
                            "academic session or organization the endpoint serves")


_PARENT = "ooapi-v5.links.offerings-of-parent"


@suite.check(_PARENT, title="A program's offerings point back to it",
             rule="Every item of /programs/{id}/offerings (/courses/{id}/offerings) names "
                  "that program (course)",
             reference=f"{SPEC} #/paths/~1programs~1{{programId}}~1offerings")
def offerings_of_parent(ctx: OoapiContext) -> Iterable[Finding]:
    report = Reporter(_PARENT)
    asked = False
    for parent, field, id_key in (("/programs", "program", "programId"),
                                  ("/courses", "course", "courseId")):
        owner = ctx.collection(parent)
        if owner is None:
            continue
        for item in ctx.sample(owner)[:3]:
            key = ident(item, id_key)
            asked = True
            exchange = ctx.page(f"{parent}/{key}/offerings", 1, 10)
            if exchange.status != 200:
                yield report(f"GET {parent}/{key}/offerings answers {exchange.status}",
                             exchange, value=exchange.status)
                continue
            for index, offering in enumerate(ctx.items(exchange)):
                named = reference_id(offering, field, id_key)
                if named is not None and named != key:
                    yield report(f"an offering of {field} {key} names {field} {named}",
                                 exchange, pointer=f"/items/{index}/{field}", value=named)
    if not asked:
        raise NotApplicable("the endpoint lists no program or course whose offerings could "
                            "be asked for")


_CATALOGUE = "ooapi-v5.links.catalogue-references"


@suite.check(_CATALOGUE, title="A program's or course's references exist",
             rule="The education specification, organization and parent program that a "
                  "program or course names each answer 200 on their own path",
             reference=f"{SPEC} #/components/schemas/Program, #/components/schemas/Course")
def catalogue_references(ctx: OoapiContext) -> Iterable[Finding]:
    report = Reporter(_CATALOGUE)
    followed: list[str] = []
    for path in ("/programs", "/courses"):
        collection = ctx.collection(path)
        if collection is None:
            continue
        origin = ctx.page(collection.path, 1, 10 if ctx.sample_size <= 10 else 50)
        for index, item in enumerate(ctx.sample(collection)):
            where = f"{collection.id_key} {ident(item, collection.id_key)}"
            yield from _resolves(ctx, report, item, where, _CATALOGUE_LINKS, origin,
                                 f"/items/{index}", followed=followed)
    if not followed:
        raise NotApplicable("no sampled program or course refers to an education "
                            "specification, organization or parent program the endpoint serves")


_ASSOCIATION = "ooapi-v5.links.association-offering"


@suite.check(_ASSOCIATION, title="An association's offering exists",
             rule="The offering an association names answers 200 on /offerings/{offeringId}",
             reference=f"{SPEC} #/components/schemas/Association (offering)")
def association_offering(ctx: OoapiContext) -> Iterable[Finding]:
    report = Reporter(_ASSOCIATION)
    sources = []
    persons = ctx.collection("/persons")
    if persons is not None:
        sources += [f"/persons/{ident(p, 'personId')}/associations"
                    for p in ctx.sample(persons)[:3]]
    sources += [f"/offerings/{ident(o, 'offeringId')}/associations"
                for _, _, o in list(ctx.sample_offerings())[:3]]
    if not sources:
        raise NotApplicable("the endpoint offers no persons or offerings whose associations "
                            "could be followed")
    followed = False
    for path in sources:
        exchange = ctx.page(path, 1, 10)
        if exchange.status != 200:
            continue  # associations are optional in OOAPI; a 404 means not offered
        for index, association in enumerate(ctx.items(exchange)):
            target = reference_id(association, "offering", "offeringId")
            if target is None:
                continue
            followed = True
            found = ctx.http.get(f"/offerings/{target}")
            if found.status != 200:
                yield report(f"association {ident(association, 'associationId')} names "
                             f"offering {target}, but it answers {found.status}", found,
                             source=exchange, pointer=f"/items/{index}/offering",
                             value=target)
    if not followed:
        raise NotApplicable("no association of the sampled persons or offerings names an "
                            "offering to follow")
