"""Canonical catalogue -> RIO V4 Beheren requests, each validated against DUO's XSD.

    build_aanleveren(tenant, offering, cohorts, standards=...)  -> bytes
        ``aanleveren_aangebodenOpleiding_request`` holding one ``aangebodenMboOpleiding``
        (key: ``opleidingserkenningSleutel`` = opleidingsstelsel + crebo) with ALL its
        cohorts as ``aangebodenMboOpleidingCohort``; full state, see
        :mod:`gateway.mappings.rio_full_state`.
    build_verwijderen(tenant, offering, standards=...)          -> bytes
        ``verwijderen_aangebodenOpleiding_request`` for a deleted offering.

The bytes are the message for the SOAP body (UTF-8, XML declaration). Every message is
validated against the official XSD before it is returned; one that fails raises
:class:`~gateway.adapters.rio.codec.RioMessageInvalid` with each XSD error and its location,
and is never returned. A canonical value RIO has no code for raises ``UnknownValueError``;
a delivery that would drop a cohort raises ``FullStateViolation`` (all ValidationErrors:
quarantine the offering, do not retry).

Example::

    stored = store.list(tenant.id, "cohort", include_deleted=True)
    body = build_aanleveren(tenant, offering, stored, standards=standards,
                            held_by_rio=last_delivered_codes)

``aangebodenOpleidingCode`` is the canonical offering id (a UUID), so the same offering
always lands on the same RIO record, and ``onderwijsaanbiedercode`` and the sender OIN come
from the tenant's configuration.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from lxml import etree

from gateway.adapters.rio.codec import BEHEREN_NS, ensure_valid
from gateway.adapters.rio.document import (
    DUO_OIN,
    PREFIX,
    DocumentHeader,
    add,
    serialise,
    start_message,
)
from gateway.adapters.rio.values import ValueLists, load_value_lists
from gateway.adapters.standards import Standards
from gateway.domain.catalogue import Cohort, ProgrammeOffering
from gateway.errors import ConfigurationError, DomainRuleError
from gateway.mappings.rio_full_state import FullStateViolation, select_cohorts
from gateway.settings import TenantConfig
from gateway.store.entities import StoredEntity

__all__ = [
    "FullStateViolation",
    "aangeboden_mbo_opleiding",
    "build_aanleveren",
    "build_verwijderen",
]

#: RIO's range for ``deelnemersplaatsen`` (Opleidingscapaciteit-v01).
CAPACITY_RANGE = range(1, 32_001)


def build_aanleveren(
    tenant: TenantConfig,
    offering: ProgrammeOffering,
    cohorts: Iterable[Cohort | StoredEntity],
    *,
    standards: Standards,
    values: ValueLists | None = None,
    held_by_rio: Collection[str] | None = None,
    receiver_oin: str = DUO_OIN,
    document_id: str | None = None,
    sent_at: datetime | None = None,
) -> bytes:
    """The full-state ``aanleveren_aangebodenOpleiding_request`` of one offering.

    Args:
        tenant: the institution (``oin`` and ``onderwijsaanbiedercode`` are required).
        offering: the offering, as stored now.
        cohorts: its complete stored cohort set (see :func:`select_cohorts`).
        standards: where DUO's XSDs are.
        values: DUO's value lists; the packaged ones when None.
        held_by_rio: cohort codes RIO holds for this offering now, when known.
        receiver_oin: DUO's OIN (``RioTargetConfig.duo_oin``).
        document_id: ``identificatiecodeBedrijfsdocument``; a fresh UUID when None.
        sent_at: ``datumTijdBedrijfsdocument``; now when None.

    Returns:
        The XSD-valid message as UTF-8 bytes.

    Raises:
        ConfigurationError: the tenant lacks its OIN or onderwijsaanbiedercode.
        FullStateViolation: the cohort set is partial or inconsistent.
        UnknownValueError: a canonical value has no code on DUO's list.
        DomainRuleError: a fact RIO cannot hold (capacity out of range, a non-euro price).
        RioMessageInvalid: the built message fails the XSD (never returned).
    """
    values = values or load_value_lists()
    _check_tenant(tenant, offering)
    selection = select_cohorts(offering, cohorts, held_by_rio=held_by_rio)
    header = DocumentHeader.new(tenant.oin, receiver_oin, document_id=document_id,
                                sent_at=sent_at)
    root = start_message(BEHEREN_NS, "aanleveren_aangebodenOpleiding_request", header)
    aangeboden_mbo_opleiding(tenant, offering, selection.cohorts, values, parent=root)
    body = serialise(root)
    ensure_valid(body, standards)
    return body


def build_verwijderen(
    tenant: TenantConfig,
    offering: ProgrammeOffering | UUID,
    *,
    standards: Standards,
    receiver_oin: str = DUO_OIN,
    document_id: str | None = None,
    sent_at: datetime | None = None,
) -> bytes:
    """The ``verwijderen_aangebodenOpleiding_request`` of a deleted offering (or its id).

    Raises:
        ConfigurationError: the tenant has no OIN.
        RioMessageInvalid: the built message fails the XSD (never returned).
    """
    if isinstance(offering, ProgrammeOffering):
        _check_tenant(tenant, offering)
        offering = offering.id
    header = DocumentHeader.new(tenant.oin, receiver_oin, document_id=document_id,
                                sent_at=sent_at)
    root = start_message(BEHEREN_NS, "verwijderen_aangebodenOpleiding_request", header)
    add(root, "aangebodenOpleidingCode", str(offering))
    body = serialise(root)
    ensure_valid(body, standards)
    return body


def _check_tenant(tenant: TenantConfig, offering: ProgrammeOffering) -> None:
    if offering.tenant != tenant.id:
        raise ConfigurationError(
            f"offering {offering.id} belongs to tenant {offering.tenant}, not {tenant.id}"
        )


def aangeboden_mbo_opleiding(
    tenant: TenantConfig,
    offering: ProgrammeOffering,
    cohorts: Sequence[Cohort],
    values: ValueLists,
    *,
    parent: etree._Element | None = None,
) -> etree._Element:
    """The ``aangebodenMboOpleiding`` element of an offering with exactly ``cohorts``.

    Not validated and not full-state checked: :func:`build_aanleveren` does both and is the
    only way to a message that is sent. This element alone serves comparisons
    (:mod:`gateway.sync.rio_diff`).

    Args:
        tenant: the institution (its ``onderwijsaanbiedercode`` is required).
        offering: the offering.
        cohorts: the cohorts to include, in the order given.
        values: DUO's value lists.
        parent: the request element to append to; a standalone element when None.

    Raises:
        ConfigurationError: the tenant has no onderwijsaanbiedercode.
        UnknownValueError: a canonical value has no code on DUO's list.
        DomainRuleError: a fact RIO cannot hold.
    """
    name = f"{{{BEHEREN_NS}}}aangebodenMboOpleiding"
    element = (etree.Element(name, nsmap={PREFIX: BEHEREN_NS}) if parent is None
               else etree.SubElement(parent, name))
    _offering(element, tenant, offering, cohorts, values)
    return element


def _offering(
    element: etree._Element,
    tenant: TenantConfig,
    offering: ProgrammeOffering,
    cohorts: Sequence[Cohort],
    values: ValueLists,
) -> None:
    if not tenant.onderwijsaanbiedercode:
        raise ConfigurationError(
            f"tenant {tenant.id} has no onderwijsaanbiedercode: set it to deliver to RIO"
        )
    # The order below is the XSD's: AangebodenOpleiding, then the AangebodenMboOpleiding part.
    add(element, "aangebodenOpleidingCode", str(offering.id))
    add(element, "onderwijsaanbiedercode", tenant.onderwijsaanbiedercode)
    add(element, "onderwijslocatiecode", offering.location)
    add(element, "begindatum", offering.valid_from)
    if offering.valid_until is not None:
        add(element, "einddatum", offering.valid_until)
    key = add(element, "opleidingserkenningSleutel")
    add(key, "opleidingsstelsel", values.default("opleidingsstelsel"))
    add(key, "opleidingscode", offering.crebo)
    period = add(element, "aangebodenMboOpleidingPeriode")
    add(period, "begindatum", offering.valid_from)
    add(period, "eigenNaamAangebodenOpleiding", offering.name)
    if offering.description:
        add(period, "eigenOmschrijving", offering.description)
    for cohort in cohorts:
        _cohort(add(element, "aangebodenMboOpleidingCohort"), cohort, values)
    _kenmerk(element, "voertaal", enumeratie=values.check("voertaal", offering.language))
    add(element, "leertrajectMBO", values.map("leerweg", offering.leerweg.value))
    add(element, "mboNiveau", values.map("level", offering.level))
    add(element, "toelatingseisen", _code(values, "toelatingseisen",
                                          offering.admission_requirements))
    add(element, "toegankelijkheid", _code(values, "toegankelijkheid", offering.accessibility))


def _cohort(element: etree._Element, cohort: Cohort, values: ValueLists) -> None:
    add(element, "cohortcode", cohort.code)
    add(element, "cohortstatus", values.map("cohort_status", cohort.status.value))
    mode = cohort.mode_of_delivery
    vorm = values.map("mode_of_delivery", mode) if mode else values.default("opleidingsvorm")
    _kenmerk(element, "opleidingsvorm", enumeratie=vorm)
    if cohort.capacity is not None:
        if cohort.capacity not in CAPACITY_RANGE:
            raise DomainRuleError(
                f"cohort {cohort.code}: RIO takes a capacity of 1 to 32000, not "
                f"{cohort.capacity}", path="capacity",
            )
        _kenmerk(element, "deelnemersplaatsen", getal=cohort.capacity)
    add(element, "beginAanmeldperiode", cohort.application_start)
    if cohort.flexible_intake is not None:
        flexible = add(element, "flexibeleInstroom")
        add(flexible, "beginInstroomperiode", cohort.flexible_intake.start)
        add(flexible, "eindeInstroomperiode", cohort.flexible_intake.end)
    else:
        add(add(element, "vastInstroommoment"), "instroommoment", cohort.start_date)
    if cohort.application_end is not None:
        add(element, "eindeAanmeldperiode", cohort.application_end)
    add(element, "toestemmingVereistVoorAanmelding",
        values.map("consent_required", cohort.consent_required))
    if cohort.consent_explanation:
        add(element, "toelichtingVereisteToestemming", cohort.consent_explanation)
    if cohort.end_date is not None:
        add(element, "einddatum", cohort.end_date)
    if cohort.price is not None:
        if cohort.price.currency != "EUR":
            raise DomainRuleError(
                f"cohort {cohort.code}: RIO takes prices in euro, not {cohort.price.currency}",
                path="price.currency",
            )
        price = add(element, "prijs")
        add(price, "soort", values.default("prijssoort"))
        add(price, "bedrag", f"{cohort.price.amount.quantize(Decimal('0.01'))}")


def _kenmerk(
    parent: etree._Element, name: str, *, enumeratie: str | None = None,
    getal: int | None = None,
) -> None:
    kenmerk = add(parent, "kenmerken")
    add(kenmerk, "kenmerknaam", name)
    if enumeratie is not None:
        add(kenmerk, "kenmerkwaardeEnumeratiewaarde", enumeratie)
    else:
        add(kenmerk, "kenmerkwaardeGetal", getal)


def _code(values: ValueLists, name: str, value: str | None) -> str:
    return values.check(name, value) if value else values.default(name)
