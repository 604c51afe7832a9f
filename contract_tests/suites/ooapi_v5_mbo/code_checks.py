"""The profile's codes a schema cannot see: crebo codes and association states.

- crebo: a programme (and an education specification of type program) names its
  qualification with a code of codeType ``crohoCreboCode`` or ``nationalEducationCode``
  (the RIO opleidingscode, for mbo the crebo) of five digits, in ``primaryCode`` or
  ``otherCodes``; a ``crohoCreboCode`` anywhere holds five digits. Keuzedelen (courses)
  carry their own K-codes as ``nationalEducationCode`` and are left alone.
- association states: ``state`` is one of the profile's six; a state outside them is an
  enrolment no receiver can place.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from contract_tests.checks import Finding, NotApplicable
from contract_tests.http import Exchange
from contract_tests.suites.ooapi_v5.support import Reporter, ident
from contract_tests.suites.ooapi_v5_mbo.base import PROFILE, suite
from contract_tests.suites.ooapi_v5_mbo.context import MboContext
from contract_tests.suites.ooapi_v5_mbo.sis_reads import associations

CREBO_CODE_TYPES = ("crohoCreboCode", "nationalEducationCode")
_CREBO = re.compile(r"^\d{5}$")
#: The profile's association states (``Association.state``).
STATES = ("pending", "canceled", "denied", "associated", "queued", "finished")
#: list -> (id key, type key) of the documents that name a qualification.
_QUALIFIED = {"/programs": ("programId", "programType"),
              "/education-specifications": ("educationSpecificationId",
                                            "educationSpecificationType")}


def _codes(doc: dict[str, Any]) -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = [("/primaryCode", doc.get("primaryCode"))]
    listed = doc.get("otherCodes")
    if isinstance(listed, list):
        found += [(f"/otherCodes/{n}", entry) for n, entry in enumerate(listed)]
    return [(p, e) for p, e in found if isinstance(e, dict)]


def crebo_findings(report: Reporter, exchange: Exchange, doc: dict[str, Any], at: str,
                   what: str, qualified: bool) -> Iterator[Finding]:
    """Findings for the codes of one document (``qualified``: it must carry a crebo)."""
    crebos = []
    for pointer, entry in _codes(doc):
        code_type, code = entry.get("codeType"), str(entry.get("code", ""))
        if code_type not in CREBO_CODE_TYPES:
            continue
        if _CREBO.match(code):
            crebos.append(code)
        elif code_type == "crohoCreboCode" or qualified:
            yield report(f"{what}: a {code_type} is not a crebo code of five digits",
                         exchange, pointer=f"{at}{pointer}/code", value=code)
    if qualified and not crebos and not any(
            e.get("codeType") in CREBO_CODE_TYPES for _, e in _codes(doc)):
        yield report(f"{what} names no crebo code (primaryCode or otherCodes of codeType "
                     "crohoCreboCode or nationalEducationCode)", exchange,
                     pointer=f"{at}/otherCodes", value=[e.get("codeType") for _, e in
                                                       _codes(doc)])


_CREBO_CHECK = "ooapi-v5-mbo.sis.crebo"


@suite.check(_CREBO_CHECK, title="Programmes carry a five-digit crebo code",
             rule="(role=sis) every program and program education specification has a code of "
                  "codeType crohoCreboCode or nationalEducationCode of five digits; every "
                  "crohoCreboCode holds five digits",
             reference=f"{PROFILE} #/components codeType (crohoCreboCode: 'programs with a "
                       "CREBO and CROHO number'; nationalEducationCode: 'RIO opleidingscode')")
def crebo(ctx: MboContext) -> Iterable[Finding]:
    ctx.require_role("sis")
    report = Reporter(_CREBO_CHECK)
    read = False
    for path, (id_key, type_key) in _QUALIFIED.items():
        exchange = ctx.page(path)
        for n, item in enumerate(ctx.items(exchange)):
            read = True
            qualified = item.get(type_key, "program") == "program"
            yield from crebo_findings(report, exchange, item, f"/items/{n}",
                                      f"{id_key} {ident(item, id_key)}", qualified)
    if not read:
        raise NotApplicable("neither /programs nor /education-specifications answered a "
                            "page holding items: no programme to read a crebo code from")


_STATES = "ooapi-v5-mbo.sis.association-states"


@suite.check(_STATES, title="Associations are in one of the profile's states",
             rule="(role=sis) every association's state is pending, canceled, denied, "
                  "associated, queued or finished",
             reference=f"{PROFILE} #/components Association.state (enum)")
def association_states(ctx: MboContext) -> Iterable[Finding]:
    ctx.require_role("sis")
    report = Reporter(_STATES)
    seen = associations(ctx)
    if not seen:
        raise NotApplicable("no association was read: the sampled persons list none "
                            "(ooapi-v5-mbo.sis.persons reports a missing person)")
    for page, n, item in seen:
        state = item.get("state")
        if state not in STATES:
            yield report(f"association {ident(item, 'associationId')} is in state {state!r}, "
                         "which the profile does not know", page, pointer=f"/items/{n}/state",
                         value=state)
    for _, _, item in seen[: ctx.sample_size]:  # the same reads as the associations check
        aid = ident(item, "associationId")
        single = ctx.http.get(f"/associations/{aid}")
        body = single.json() if single.status == 200 else None
        if isinstance(body, dict) and body.get("state") not in STATES:
            yield report(f"association {aid} is in state {body.get('state')!r} on its own "
                         "path", single, pointer="/state", value=body.get("state"))
