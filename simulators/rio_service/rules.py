"""The business rules the simulated RIO checks beyond the XSD, answered with foutmeldingen.

DUO checks far more than its schema: that the crebo exists in the register, that periods
end after they begin, that a cohort's application window opens before the cohort starts.
A violation is not a SOAP fault but a normal answer with ``requestGoedgekeurd=false`` and
up to 99 ``foutmelding`` elements (code, text, up to five key values of 25 characters).

The codes are the simulator's own (DUO's real codes are not public); they are stable, so
tests and operators can rely on them.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from lxml import etree

__all__ = [
    "AANMELDPERIODE_NA_START",
    "COHORTCODE_DUBBEL",
    "EINDE_VOOR_BEGIN",
    "ONBEKENDE_AANGEBODEN_OPLEIDING",
    "ONBEKENDE_OPLEIDINGSCODE",
    "VERZENDER_ONJUIST",
    "Foutmelding",
    "check_aangeboden_opleiding",
]

ONBEKENDE_OPLEIDINGSCODE = "RIO-AO-001"
EINDE_VOOR_BEGIN = "RIO-AO-002"
AANMELDPERIODE_NA_START = "RIO-AO-003"
COHORTCODE_DUBBEL = "RIO-AO-004"
ONBEKENDE_AANGEBODEN_OPLEIDING = "RIO-AO-005"
VERZENDER_ONJUIST = "RIO-AO-006"


@dataclass(frozen=True)
class Foutmelding:
    """One ``foutmelding``: code, text (at most 200 characters) and key values."""

    code: str
    text: str
    keys: tuple[tuple[str, str], ...]


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname


def _child(element: etree._Element, name: str) -> etree._Element | None:
    return next((c for c in element if isinstance(c.tag, str) and _local(c) == name), None)


def _date(element: etree._Element | None, name: str) -> date | None:
    child = _child(element, name) if element is not None else None
    return date.fromisoformat(child.text.strip()[:10]) if child is not None and child.text else None


def _text(element: etree._Element, name: str) -> str:
    child = _child(element, name)
    return (child.text or "").strip() if child is not None else ""


def _key(name: str, value: str) -> tuple[str, str]:
    return (name[:25], value[:25])


def check_aangeboden_opleiding(
    offering: etree._Element, known_crebos: Collection[str]
) -> list[Foutmelding]:
    """Every rule the offering (an ``aangebodenMboOpleiding`` element) breaks.

    Args:
        offering: the element from an XSD-valid aanleveren request.
        known_crebos: the crebo codes the simulated register knows.

    Returns:
        The foutmeldingen, at most 99 (RIO's limit); empty when the offering is accepted.
    """
    errors: list[Foutmelding] = []
    key = _child(offering, "opleidingserkenningSleutel")
    if key is not None:
        crebo = _text(key, "opleidingscode")
        if crebo not in known_crebos:
            errors.append(Foutmelding(
                ONBEKENDE_OPLEIDINGSCODE,
                f"De opleidingscode {crebo} is niet bekend in het register.",
                (_key("opleidingscode", crebo),)))
    begin, end = _date(offering, "begindatum"), _date(offering, "einddatum")
    if begin and end and end < begin:
        errors.append(Foutmelding(
            EINDE_VOOR_BEGIN, "De einddatum van de aangeboden opleiding ligt voor de begindatum.",
            (_key("einddatum", end.isoformat()),)))
    seen: set[str] = set()
    for cohort in (c for c in offering if isinstance(c.tag, str)
                   and _local(c).endswith("OpleidingCohort")):
        errors.extend(_check_cohort(cohort, seen))
    return errors[:99]


def _check_cohort(cohort: etree._Element, seen: set[str]) -> list[Foutmelding]:
    errors = []
    code = _text(cohort, "cohortcode")
    keys = (_key("cohortcode", code),)
    if code in seen:
        errors.append(Foutmelding(COHORTCODE_DUBBEL, f"Cohortcode {code} komt twee keer voor.",
                                  keys))
    seen.add(code)
    fixed, flexible = _child(cohort, "vastInstroommoment"), _child(cohort, "flexibeleInstroom")
    start = _date(fixed, "instroommoment") or _date(flexible, "beginInstroomperiode")
    flexible_end = _date(flexible, "eindeInstroomperiode")
    applications = _date(cohort, "beginAanmeldperiode")
    applications_end = _date(cohort, "eindeAanmeldperiode")
    end = _date(cohort, "einddatum")
    if start and applications and applications > start:
        errors.append(Foutmelding(
            AANMELDPERIODE_NA_START,
            f"De aanmeldperiode van cohort {code} begint na de start van het cohort.", keys))
    for first, last, what in ((applications, applications_end, "aanmeldperiode"),
                              (start, flexible_end, "instroomperiode"),
                              (start, end, "cohort")):
        if first and last and last < first:
            errors.append(Foutmelding(
                EINDE_VOOR_BEGIN,
                f"Het einde van de {what} van cohort {code} ligt voor het begin.", keys))
    return errors
