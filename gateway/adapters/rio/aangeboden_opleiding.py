"""An ``aangebodenMboOpleiding`` element read into plain, comparable values (RIO's codes).

The same reader serves both sides of a reconciliation: what RIO answers to opvragen
(Raadplegen namespace) and what the gateway would deliver (the Beheren element the builder
makes). Both are read into :class:`RioOffering`, so comparing them compares like with like:
RIO's codes, dates and texts, with no second mapping that could drift from the builder.

    offering = read_aangeboden_opleiding(element)
    offering.cohorts["2026-BOL"].status        -> "O"
    offering.comparable()                      -> {"leertrajectMBO": "BOL", ...}
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from lxml import etree

__all__ = ["RioCohort", "RioOffering", "read_aangeboden_opleiding"]


@dataclass(frozen=True)
class RioCohort:
    """An ``aangebodenMboOpleidingCohort`` as RIO holds it."""

    code: str
    status: str | None = None
    application_start: date | None = None
    application_end: date | None = None
    start_date: date | None = None
    flexible_start: date | None = None
    flexible_end: date | None = None
    consent_required: str | None = None
    consent_explanation: str | None = None
    end_date: date | None = None
    #: (soort, bedrag with two decimals)
    prices: tuple[tuple[str, str], ...] = ()
    kenmerken: tuple[tuple[str, str], ...] = ()

    def comparable(self) -> dict[str, Any]:
        """Field name -> value, the form the diff compares."""
        values = {k: v for k, v in self.__dict__.items() if k not in ("code", "kenmerken")}
        values.update({f"kenmerk:{name}": value for name, value in self.kenmerken})
        return values


@dataclass(frozen=True)
class RioOffering:
    """An ``aangebodenMboOpleiding`` as RIO holds it; cohorts keyed by cohort code."""

    code: str
    onderwijsaanbiedercode: str | None = None
    onderwijslocatiecode: str | None = None
    begindatum: date | None = None
    einddatum: date | None = None
    opleidingsstelsel: str | None = None
    opleidingscode: str | None = None
    name: str | None = None
    description: str | None = None
    leertraject: str | None = None
    mbo_niveau: str | None = None
    toelatingseisen: str | None = None
    toegankelijkheid: str | None = None
    kenmerken: tuple[tuple[str, str], ...] = ()
    cohorts: dict[str, RioCohort] = field(default_factory=dict)

    def comparable(self) -> dict[str, Any]:
        """Field name -> value (cohorts left out: the diff compares them one by one)."""
        skip = ("code", "kenmerken", "cohorts")
        values = {k: v for k, v in self.__dict__.items() if k not in skip}
        values.update({f"kenmerk:{name}": value for name, value in self.kenmerken})
        return values


def _children(element: etree._Element, name: str) -> list[etree._Element]:
    return [c for c in element if isinstance(c.tag, str) and etree.QName(c).localname == name]


def _text(element: etree._Element, name: str) -> str | None:
    found = _children(element, name)
    if not found or found[0].text is None:
        return None
    text = found[0].text
    return " ".join(text.split()) if name.startswith(("eigen", "toelichting")) else text.strip()


def _date(element: etree._Element, name: str) -> date | None:
    text = _text(element, name)
    return date.fromisoformat(text[:10]) if text else None


def _kenmerken(element: etree._Element) -> tuple[tuple[str, str], ...]:
    pairs = []
    for kenmerk in _children(element, "kenmerken"):
        name = _text(kenmerk, "kenmerknaam")
        values = [c for c in kenmerk if isinstance(c.tag, str)][1:]
        if name and values and values[0].text is not None:
            pairs.append((name, _kenmerkwaarde(values[0])))
    return tuple(sorted(pairs))


def _kenmerkwaarde(element: etree._Element) -> str:
    text = (element.text or "").strip()
    if etree.QName(element).localname == "kenmerkwaardeGetal":
        try:  # "30", "30.0" and "30.000000" are one number
            return format(Decimal(text).normalize(), "f")
        except InvalidOperation:
            return text
    return text


def _price(element: etree._Element) -> tuple[str, str]:
    text = _text(element, "bedrag") or ""
    with suppress(InvalidOperation):  # "1200.5" and "1200.50" are one amount
        text = str(Decimal(text).quantize(Decimal("0.01")))
    return (_text(element, "soort") or "", text)


def _cohort(element: etree._Element) -> RioCohort:
    fixed = _children(element, "vastInstroommoment")
    flexible = _children(element, "flexibeleInstroom")
    return RioCohort(
        code=_text(element, "cohortcode") or "",
        status=_text(element, "cohortstatus"),
        application_start=_date(element, "beginAanmeldperiode"),
        application_end=_date(element, "eindeAanmeldperiode"),
        start_date=_date(fixed[0], "instroommoment") if fixed else None,
        flexible_start=_date(flexible[0], "beginInstroomperiode") if flexible else None,
        flexible_end=_date(flexible[0], "eindeInstroomperiode") if flexible else None,
        consent_required=_text(element, "toestemmingVereistVoorAanmelding"),
        consent_explanation=_text(element, "toelichtingVereisteToestemming"),
        end_date=_date(element, "einddatum"),
        prices=tuple(sorted(_price(p) for p in _children(element, "prijs"))),
        kenmerken=_kenmerken(element),
    )


def read_aangeboden_opleiding(element: etree._Element) -> RioOffering:
    """Read an ``aangebodenMboOpleiding`` element of either RIO namespace.

    Of several ``aangebodenOpleidingPeriode`` elements (RIO keeps a timeline), name and
    description come from the one that began last.
    """
    key = _children(element, "opleidingserkenningSleutel")
    periods = sorted(
        (p for p in element if isinstance(p.tag, str)
         and etree.QName(p).localname.endswith("OpleidingPeriode")),
        key=lambda p: _date(p, "begindatum") or date.min,
    )
    latest = periods[-1] if periods else None
    cohorts = [
        _cohort(c) for c in element
        if isinstance(c.tag, str) and etree.QName(c).localname.endswith("OpleidingCohort")
    ]
    return RioOffering(
        code=(_text(element, "aangebodenOpleidingCode") or "").lower(),
        onderwijsaanbiedercode=_text(element, "onderwijsaanbiedercode"),
        onderwijslocatiecode=_text(element, "onderwijslocatiecode"),
        begindatum=_date(element, "begindatum"),
        einddatum=_date(element, "einddatum"),
        opleidingsstelsel=_text(key[0], "opleidingsstelsel") if key else None,
        opleidingscode=_text(key[0], "opleidingscode") if key else None,
        name=_text(latest, "eigenNaamAangebodenOpleiding") if latest is not None else None,
        description=_text(latest, "eigenOmschrijving") if latest is not None else None,
        leertraject=_text(element, "leertrajectMBO"),
        mbo_niveau=_text(element, "mboNiveau"),
        toelatingseisen=_text(element, "toelatingseisen"),
        toegankelijkheid=_text(element, "toegankelijkheid"),
        kenmerken=_kenmerken(element),
        cohorts={c.code: c for c in cohorts},
    )
