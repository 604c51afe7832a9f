"""The full-state rule: a new delivery of an offering keeps the cohorts RIO holds.

``aanleveren_aangebodenOpleiding`` replaces everything RIO holds for the offering: a
cohort left out is deleted, with the applications hanging on it. A producer that sends
"what changed" instead of the complete cohort set deletes cohorts without meaning to.

The deliveries are compared in order: first those of ``--option previous=PATH`` (what RIO
holds now), then the target's files by name. For each ``aanleveren`` of an offering, every
cohort code of the offering's previous delivery must be there again, unless a
``verwijderen`` of the offering came in between or the supplier lists the code in
``--option removed_cohorts=CODE,...`` (a deliberate removal). With nothing to compare
(each offering delivered once, no ``previous``) the check is skipped as not applicable.
"""

from __future__ import annotations

from collections.abc import Iterator

from lxml import etree

from contract_tests.checks import Finding, NotApplicable
from contract_tests.suites.rio_v4.definition import suite, violation
from contract_tests.suites.rio_v4.documents import RioContext, RioDocument, children, local
from contract_tests.suites.rio_v4.rules import cohorts_of, offerings_in

__all__: list[str] = []


def _text(parent: etree._Element, name: str) -> str:
    found = children(parent, name)
    return (found[0].text or "").strip() if found else ""


@suite.check(
    "rio-v4.full-state.keeps-cohorts", title="A full-state delivery keeps existing cohorts",
    rule="An aanleveren_aangebodenOpleiding carries every cohort of the offering's previous "
         "delivery (RIO deletes cohorts left out), unless the offering was deleted in "
         "between or the removal is declared with --option removed_cohorts",
    reference="RIO V4 aanleveren_aangebodenOpleiding: full-state delivery "
              "(standards/README.md; gateway/mappings/rio_full_state.py)",
)
def keeps_cohorts(ctx: RioContext) -> Iterator[Finding]:
    ctx.messages()  # not applicable without a readable RIO message
    held: dict[str, tuple[frozenset[str], str]] = {}
    compared = False
    target = {id(document) for document in ctx.documents}
    sequence: list[RioDocument] = [*ctx.previous, *ctx.documents]
    for document in sequence:
        payload = document.payload
        if payload is None:
            continue
        operation = local(payload)
        if operation == "verwijderen_aangebodenOpleiding_request":
            held.pop(_text(payload, "aangebodenOpleidingCode").lower(), None)
            continue
        if operation != "aanleveren_aangebodenOpleiding_request":
            continue
        for offering in offerings_in(payload):
            code = _text(offering, "aangebodenOpleidingCode").lower()
            cohorts = frozenset(_text(c, "cohortcode") for c in cohorts_of(offering))
            before = held.get(code)
            if before is not None and id(document) in target:
                compared = True
                dropped = sorted(before[0] - cohorts - ctx.removed_cohorts)
                if dropped:
                    yield violation(
                        "rio-v4.full-state.keeps-cohorts",
                        f"offering {code} leaves out cohort(s) {', '.join(dropped)} delivered "
                        f"in {before[1]}: RIO would delete them", document, offering,
                        ", ".join(dropped))
            held[code] = (cohorts, document.name)
    if not compared:
        raise NotApplicable("no offering of these files had a delivery before it to compare "
                            "with (--option previous=PATH names what RIO holds now)")
