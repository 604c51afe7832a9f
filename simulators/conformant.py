"""Conformant inputs of the file and stream suites, made by the gateway itself.

The fault modes of :mod:`simulators.rio_faults` and :mod:`simulators.event_faults` mutate
these; the suites must find nothing in them. They come from the gateway's own code paths
(the RIO builders and Edukoppeling envelope, the entity store, outbox and relay), so a
change there that breaks the standard shows up as findings on the conformant input.

    messages = rio_delivery(standards)            # file name -> bytes, delivery order
    recording = event_recording(tmp_path)         # list[RecordedMessage]
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from lxml import etree

from contract_tests.suites.events.records import RecordedMessage
from gateway.adapters.rio.document import DUO_OIN
from gateway.adapters.rio.soap import (
    Addressing,
    RioService,
    address_for_oin,
    build_envelope,
    new_message_id,
)
from gateway.adapters.standards import Standards
from gateway.api.testing import TENANT_A, gateway_on_sqlite
from gateway.bootstrap import Gateway
from gateway.domain import Cohort, Group, Person, ProgrammeOffering, SourceRef
from gateway.events.publisher import InMemoryEventPublisher
from gateway.mappings.rio_v4 import build_aanleveren, build_verwijderen
from gateway.settings import TenantConfig
from gateway.store.quarantine import Quarantine
from gateway.store.rio_state import DeliveryStatus
from gateway.sync.rio_failures import DeliveryFailure, FailureRecorder

__all__ = ["RIO_TENANT", "event_recording", "rio_delivery", "seed_events"]

RIO_TENANT = TenantConfig(id=TENANT_A, name="ROC A", onderwijsaanbiedercode="123A456",
                          oin="00000001234567890000")
_SENT_AT = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
_SIS = "sis"


def _offering(ident: str, **fields: object) -> ProgrammeOffering:
    values: dict[str, object] = {"crebo": "25604", "leerweg": "BOL", "level": 4,
                                 "location": "123X456", "valid_from": date(2026, 8, 1),
                                 "name": "Software developer"}
    values.update(fields)
    offering: ProgrammeOffering = ProgrammeOffering.create(
        tenant=TENANT_A, source=SourceRef(system=_SIS, id=ident), **values)
    return offering


def _cohort(ident: str, offering: ProgrammeOffering, code: str, year: int,
            **fields: object) -> Cohort:
    values: dict[str, object] = {
        "offering_id": offering.id, "code": code, "status": "open",
        "application_start": date(year, 1, 1), "application_end": date(year, 8, 15),
        "start_date": date(year, 9, 1)}
    values.update(fields)
    cohort: Cohort = Cohort.create(tenant=TENANT_A, source=SourceRef(system=_SIS, id=ident),
                                   **values)
    return cohort


def _envelope(body: bytes, operation: str) -> bytes:
    addressing = Addressing(
        action=RioService.BEHEREN.action(operation), to=address_for_oin(DUO_OIN),
        from_=address_for_oin(str(RIO_TENANT.oin)), message_id=new_message_id())
    envelope = build_envelope(etree.fromstring(body), addressing)
    return etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")


def rio_delivery(standards: Standards) -> dict[str, bytes]:
    """Two deliveries of one offering (the second adds a cohort), another offering, and the
    deletion of a third; bare messages and Edukoppeling envelopes, by file name."""
    software = _offering("o1", description="Je leert software bouwen.",
                         valid_until=date(2031, 7, 31))
    fixed = _cohort("c1", software, "2026-BOL", 2026, mode_of_delivery="online", capacity=30)
    flexible = _cohort(
        "c2", software, "2027-FLEX", 2027, status="closed", application_end=None,
        start_date=None, flexible_intake={"start": date(2027, 9, 1), "end": date(2027, 12, 1)},
        consent_required=True, price={"amount": "1200.5"}, end_date=date(2029, 7, 31))
    later = _cohort("c3", software, "2028-BOL", 2028)
    nursing = _offering("o2", crebo="25655", leerweg="BBL", level=3, name="Verpleegkundige")
    gone = _offering("o3", name="Gestopte opleiding")

    def aanleveren(offering: ProgrammeOffering, cohorts: list[Cohort]) -> bytes:
        return build_aanleveren(RIO_TENANT, offering, cohorts, standards=standards,
                                sent_at=_SENT_AT)

    operation = "aanleveren_aangebodenOpleiding"
    removal = build_verwijderen(RIO_TENANT, gone, standards=standards, sent_at=_SENT_AT)
    return {
        "01-software.xml": aanleveren(software, [fixed, flexible]),
        "02-nursing.xml": _envelope(aanleveren(
            nursing, [_cohort("c4", nursing, "2026-BBL", 2026)]), operation),
        "03-software.xml": _envelope(aanleveren(software, [fixed, flexible, later]), operation),
        "04-gone.xml": _envelope(removal, "verwijderen_aangebodenOpleiding"),
    }


def seed_events(gateway: Gateway) -> int:
    """Changes of three domains (one entity changed twice, one deleted) and a dead letter.

    Returns:
        How many events land on the tenant's catalogue topic.
    """
    offering = _offering("o1")
    first = _cohort("c1", offering, "2026-BOL", 2026)
    second = _cohort("c2", offering, "2027-BOL", 2027)
    gateway.store.upsert([offering, first, second, _offering("o2", name="Verpleegkundige")])
    gateway.store.upsert([offering.model_copy(update={"name": "Software developer (nieuw)"})])
    gateway.store.delete(TENANT_A, [second.id])
    gateway.store.upsert([
        Person.create(tenant=TENANT_A, source=SourceRef(system=_SIS, id="p1"),
                      eck_id="https://ketenid.nl/abc"),
        Group.create(tenant=TENANT_A, source=SourceRef(system=_SIS, id="g1"),
                     group_kind="class", code="SD4A", name="Software developer 4A"),
    ])
    _dead_letter(gateway, offering)
    return 6


def _dead_letter(gateway: Gateway, offering: ProgrammeOffering) -> None:
    """RIO refusing a delivery of ``offering``: an entry on the dead-letter topic."""
    failure = DeliveryFailure(
        offering.id, 2, DeliveryStatus.REJECTED, "RIO-AO-002",
        "RIO refused the delivery", ({"code": "RIO-AO-002", "message": "einde voor begin"},),
        "<aanleveren_aangebodenOpleiding_request/>", "application/xml")
    FailureRecorder(gateway, Quarantine(gateway.engine)).record(TENANT_A, failure)


def event_recording(workdir: Path) -> list[RecordedMessage]:
    """The events of :func:`seed_events`, relayed to the in-memory publisher, in order.

    Args:
        workdir: a folder for the gateway's SQLite database.
    """
    publisher = InMemoryEventPublisher()
    gateway = gateway_on_sqlite(workdir / "conformant-events.db", publisher=publisher)
    try:
        seed_events(gateway)
        if gateway.relay is None:
            raise RuntimeError("the gateway was built without a relay")
        gateway.relay.drain()
    finally:
        gateway.close()
    return [RecordedMessage.of(m.topic, m.key, m.headers, m.value, f"published #{n}")
            for n, m in enumerate(publisher.published)]
