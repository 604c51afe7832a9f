"""Rules DUO applies that the XSD cannot express: dates in order, value lists, cohort codes.

The XSD types every date as ``xs:date`` and every code list as a free
``WaardenlijstType``: an offering ending before it begins, a cohort whose application
window opens after it starts, or a ``cohortstatus`` of ``"X"`` all pass the schema and are
rejected by RIO (or worse, accepted and shown to students). These checks find them in
the files, before RIO does. A check that finds nothing of what its rule is about (no
offering in a run of ``verwijderen`` messages, no cohort, no coded value) is skipped as
not applicable, not passed.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from lxml import etree

from contract_tests.checks import Finding, NotApplicable, Severity
from contract_tests.suites.rio_v4.definition import XSD, suite, violation
from contract_tests.suites.rio_v4.documents import RioContext, RioDocument, children, local

__all__ = ["cohorts_of", "offerings_in"]

_RULES = "RIO V4 business rules (DUO, Gegevenswoordenboek RIO)"
_VALUES = "DUO waardenlijsten for RIO (gateway/adapters/rio/waardenlijsten.yaml)"


def offerings_in(payload: etree._Element) -> Iterator[etree._Element]:
    """Every ``aangeboden...Opleiding`` element of a message (either namespace)."""
    for element in payload.iter():
        if isinstance(element.tag, str):
            name = local(element)
            if name.startswith("aangeboden") and name.endswith("Opleiding"):
                yield element


def cohorts_of(offering: etree._Element) -> list[etree._Element]:
    return [c for c in children(offering) if local(c).endswith("OpleidingCohort")]


def _offerings(ctx: RioContext) -> list[tuple[RioDocument, etree._Element]]:
    """Every offering of every message, with its file.

    Raises:
        NotApplicable: no readable RIO message, or none holds an aangeboden opleiding.
    """
    found = [(document, offering) for document, payload in ctx.messages()
             for offering in offerings_in(payload)]
    if not found:
        raise NotApplicable("no aangeboden opleiding in the RIO messages (only other "
                            "operations, such as verwijderen or opvragen requests)")
    return found


def _cohorts(ctx: RioContext) -> list[tuple[RioDocument, etree._Element, etree._Element]]:
    """(file, offering, cohort) for every cohort of every offering.

    Raises:
        NotApplicable: no offering in the messages holds a cohort.
    """
    found = [(document, offering, cohort) for document, offering in _offerings(ctx)
             for cohort in cohorts_of(offering)]
    if not found:
        raise NotApplicable("no offering in the RIO messages holds a cohort")
    return found


def _date(parent: etree._Element | None, name: str) -> tuple[date | None, etree._Element | None]:
    """The date in child ``name`` and the element; None for absent or unreadable dates
    (the XSD check reports those)."""
    if parent is None:
        return None, None
    found = children(parent, name)
    if not found or not found[0].text:
        return None, None
    try:
        return date.fromisoformat(found[0].text.strip()[:10]), found[0]
    except ValueError:
        return None, None


def _first(parent: etree._Element, name: str) -> etree._Element | None:
    found = children(parent, name)
    return found[0] if found else None


def _cohort_start(cohort: etree._Element) -> tuple[date | None, etree._Element | None]:
    start = _date(_first(cohort, "vastInstroommoment"), "instroommoment")
    return start if start[0] is not None else _date(
        _first(cohort, "flexibeleInstroom"), "beginInstroomperiode")


def _code(cohort: etree._Element) -> str:
    found = children(cohort, "cohortcode")
    return (found[0].text or "").strip() if found else "?"


def _order(document: RioDocument, parent: etree._Element, what: str, begin: str, end: str,
           *, begin_parent: etree._Element | None = None) -> Iterator[Finding]:
    first, _ = _date(begin_parent if begin_parent is not None else parent, begin)
    last, element = _date(parent, end)
    if first is not None and last is not None and last < first:
        yield violation("rio-v4.dates.order", f"{what}: {end} {last} is before {begin} {first}",
                        document, element, last.isoformat())


@suite.check(
    "rio-v4.dates.order", title="Every period ends after it begins",
    rule="The end of an offering, of its periods, of a cohort's application window, intake "
         "period and of the cohort itself is not before its begin",
    reference=f"{_RULES}; simulated RIO foutmelding RIO-AO-002",
)
def dates_in_order(ctx: RioContext) -> Iterator[Finding]:
    for document, offering in _offerings(ctx):
        yield from _order(document, offering, "offering", "begindatum", "einddatum")
        for period in children(offering):
            if local(period).endswith("OpleidingPeriode"):
                yield from _order(document, period, "period", "begindatum", "einddatum")
        for cohort in cohorts_of(offering):
            what = f"cohort {_code(cohort)}"
            yield from _order(document, cohort, what, "beginAanmeldperiode",
                              "eindeAanmeldperiode")
            flexible = _first(cohort, "flexibeleInstroom")
            if flexible is not None:
                yield from _order(document, flexible, what, "beginInstroomperiode",
                                  "eindeInstroomperiode")
            start, _ = _cohort_start(cohort)
            end, element = _date(cohort, "einddatum")
            if start is not None and end is not None and end < start:
                yield violation("rio-v4.dates.order",
                                f"{what}: einddatum {end} is before the start {start}",
                                document, element, end.isoformat())


@suite.check(
    "rio-v4.cohort.application-window", title="Applications open before the cohort starts",
    rule="beginAanmeldperiode of a cohort is on or before its instroommoment (or the begin "
         "of its flexible intake period)",
    reference=f"{_RULES}; simulated RIO foutmelding RIO-AO-003",
)
def application_window(ctx: RioContext) -> Iterator[Finding]:
    compared = False
    for document, _, cohort in _cohorts(ctx):
        opens, element = _date(cohort, "beginAanmeldperiode")
        start, _ = _cohort_start(cohort)
        compared = compared or (opens is not None and start is not None)
        if opens is not None and start is not None and opens > start:
            yield violation(
                "rio-v4.cohort.application-window",
                f"cohort {_code(cohort)}: the application window opens {opens}, "
                f"after the cohort starts {start}", document, element, opens.isoformat())
    if not compared:
        raise NotApplicable("no cohort carries both a beginAanmeldperiode and a start "
                            "(instroommoment or beginInstroomperiode) to compare")


@suite.check(
    "rio-v4.cohort.unique-codes", title="Cohort codes are unique within an offering",
    rule="No two cohorts of one aangeboden opleiding share a cohortcode (RIO would keep one)",
    reference=f"{_RULES}; simulated RIO foutmelding RIO-AO-004",
)
def unique_cohort_codes(ctx: RioContext) -> Iterator[Finding]:
    _cohorts(ctx)  # not applicable without any cohort
    for document, payload in ctx.messages():
        for offering in offerings_in(payload):
            seen: set[str] = set()
            for cohort in cohorts_of(offering):
                code = _code(cohort)
                if code in seen:
                    yield violation("rio-v4.cohort.unique-codes",
                                    f"cohortcode {code} occurs more than once", document,
                                    _first(cohort, "cohortcode"), code)
                seen.add(code)


def _coded(payload: etree._Element) -> Iterator[tuple[str, etree._Element]]:
    """(value list name, element holding the code) for each coded value in a message."""
    for element in payload.iter():
        if not isinstance(element.tag, str):
            continue
        name = local(element)
        parent = element.getparent()
        if name == "soort" and parent is not None and local(parent) == "prijs":
            yield "prijssoort", element
        elif name == "kenmerknaam":
            value = next(iter(children(parent, "kenmerkwaardeEnumeratiewaarde")), None) if (
                parent is not None) else None
            if value is not None:
                yield (element.text or "").strip(), value
        elif not children(element):
            yield name, element


def _value_findings(ctx: RioContext, *, verified: bool, check_id: str) -> Iterator[Finding]:
    coded = 0
    for document, payload in ctx.messages():
        for list_name, element in _coded(payload):
            known = ctx.values.lists.get(list_name)
            if known is None or known.verified is not verified:
                continue
            coded += 1
            code = (element.text or "").strip()
            if code not in known.values:
                allowed = ", ".join(sorted(known.values))
                yield violation(check_id, f"{code!r} is not on DUO's value list {list_name} "
                                f"(allowed: {allowed})", document, element, code)
    if not coded:
        which = "confirmed" if verified else "unconfirmed"
        raise NotApplicable(f"the RIO messages hold no code of a {which} value list")


@suite.check(
    "rio-v4.values.listed", title="Codes come from DUO's value lists",
    rule="Every coded value (cohortstatus, opleidingsvorm, voertaal, toestemming, "
         "prijssoort, ...) is a code of its DUO waardenlijst",
    reference=f"{XSD} WaardenlijstType; {_VALUES}",
)
def values_listed(ctx: RioContext) -> Iterator[Finding]:
    return _value_findings(ctx, verified=True, check_id="rio-v4.values.listed")


@suite.check(
    "rio-v4.values.unconfirmed-lists", title="Codes of value lists not yet confirmed",
    rule="Codes of value lists the gateway holds from best knowledge (leertrajectMBO, "
         "mboNiveau, toelatingseisen, ...) are on those lists; extend them with "
         "--option value_lists=FILE when DUO's current list has more",
    reference=_VALUES,
    severity=Severity.WARNING,
)
def values_unconfirmed(ctx: RioContext) -> Iterator[Finding]:
    return _value_findings(ctx, verified=False, check_id="rio-v4.values.unconfirmed-lists")
