"""Use case: deliver a tenant's catalogue changes to RIO, from the event log, in order.

Each batch reads the catalogue events after the tenant's cursor, finds the offerings they
touch (a cohort event touches its offering), and sends each offering once, in its current
stored state with ALL its cohorts (RIO deliveries are full state: a cohort left out is
deleted by RIO). A deleted offering that RIO holds gets a ``verwijderen``.

Outcomes per offering: accepted -> recorded; a business rejection (foutmeldingen), retries
exhausted, an answer the gateway refuses, or a message that cannot be built (fails the XSD,
would drop a cohort) -> a dead-letter event with the original message AND a quarantine
entry, never retried by the loop. The cursor then moves on. A configuration error stops the
batch without moving the cursor. An operator's replay (``gateway dlq replay``,
:mod:`.dlq_replay`) queues a dead-lettered offering again: the next run sends it, in its
current stored state, beside the events it reads.

    delivery = RioDelivery(gateway, tenant, client, standards=standards)
    report = delivery.run_until_idle()       # `gateway rio deliver TENANT`
    delivery.run_forever(stop, interval=30)   # beside `gateway serve`
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from uuid import UUID

from gateway.adapters.rio.client import RioClient
from gateway.adapters.rio.values import ValueLists, load_value_lists
from gateway.adapters.standards import Standards
from gateway.bootstrap import Gateway
from gateway.domain.catalogue import Cohort, ProgrammeOffering
from gateway.errors import ConfigurationError, NotFoundError
from gateway.events.outbox import OutboxEvent
from gateway.events.types import Change, event_type
from gateway.mappings.rio_full_state import select_cohorts
from gateway.mappings.rio_v4 import build_aanleveren, build_verwijderen
from gateway.settings import TenantConfig
from gateway.store.entities import StoredEntity
from gateway.store.quarantine import Quarantine
from gateway.store.rio_state import DeliveryStatus, RioDeliveryState, RioOfferingRecord
from gateway.sync.rio_failures import DeliveryFailure, FailureRecorder, failure_of

__all__ = ["CATALOGUE_EVENT_TYPES", "DeliveryReport", "RioDelivery"]

log = logging.getLogger(__name__)

#: The events that can change what RIO should hold.
CATALOGUE_EVENT_TYPES = tuple(
    event_type(kind, change)
    for kind in (ProgrammeOffering, Cohort) for change in (Change.UPSERTED, Change.DELETED)
)


@dataclass
class DeliveryReport:
    """What one run did; ``line()`` prints it for the CLI."""

    events: int = 0
    delivered: int = 0
    deleted: int = 0
    rejected: int = 0
    failed: int = 0
    skipped: int = 0
    busy: bool = False  # another replica holds this tenant's cursor

    def __iadd__(self, other: DeliveryReport) -> DeliveryReport:
        for name in ("events", "delivered", "deleted", "rejected", "failed", "skipped"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.busy = self.busy or other.busy
        return self

    def line(self) -> str:
        return ", ".join(f"{k} {v}" for k, v in self.__dict__.items() if k != "busy")


class RioDelivery:
    """Delivers one tenant's offerings to RIO through a :class:`RioClient`."""

    def __init__(
        self,
        gateway: Gateway,
        tenant: TenantConfig,
        client: RioClient,
        *,
        standards: Standards,
        state: RioDeliveryState | None = None,
        quarantine: Quarantine | None = None,
        values: ValueLists | None = None,
        batch_size: int = 200,
    ) -> None:
        self.gateway = gateway
        self.tenant = tenant
        self.client = client
        self.standards = standards
        self.state = state or RioDeliveryState(gateway.engine, clock=gateway.clock)
        self.failures = FailureRecorder(
            gateway, quarantine or Quarantine(gateway.engine, clock=gateway.clock))
        self.values = values or load_value_lists(gateway.settings.rio_value_lists)
        self.batch_size = batch_size

    def run_once(self) -> DeliveryReport:
        """Deliver one batch of events after the cursor; the cursor moves past them."""
        report = DeliveryReport()
        with self.state.claim(self.tenant.id) as claim:
            if claim is None:
                report.busy = True
                return report
            page = self.gateway.event_log.read(
                self.tenant.id, after=claim.cursor, limit=self.batch_size,
                types=CATALOGUE_EVENT_TYPES)
            report.events = len(page.events)
            touched = self._touched(page.events)
            replays = {UUID(k): v for k, v in self.state.requeued(self.tenant.id).items()}
            touched += [o for o in replays if o not in touched]
            if touched:
                cohorts = self.gateway.store.list(self.tenant.id, Cohort.kind,
                                                  include_deleted=True)
                records = self.state.offerings(self.tenant.id)
                for offering_id in touched:
                    self._deliver(offering_id, cohorts, records.get(offering_id), report,
                                  replays.get(offering_id))
            claim.advance(page.cursor)
        return report

    def run_until_idle(self, max_batches: int = 10_000) -> DeliveryReport:
        """Deliver batches until no event is left (``gateway rio deliver TENANT``)."""
        total = DeliveryReport()
        for _ in range(max_batches):
            report = self.run_once()
            total += report
            if report.events == 0 or report.busy:
                break
        return total

    def run_forever(self, stop: threading.Event, interval: float = 30.0) -> None:
        """Deliver until ``stop`` is set; a failing run is logged and tried again later."""
        while not stop.is_set():
            try:
                report = self.run_until_idle()
                if report.events:
                    log.info("rio delivery tenant=%s: %s", self.tenant.id, report.line())
            except ConfigurationError as exc:
                log.error("rio delivery tenant=%s stopped: %s", self.tenant.id, exc.message)
                return
            except Exception:  # a crash of one run must not end the loop
                log.exception("rio delivery tenant=%s failed; retrying", self.tenant.id)
            stop.wait(interval)

    def _touched(self, events: Iterable[OutboxEvent]) -> list[UUID]:
        """The offerings a batch of events touches, in order of first appearance."""
        seen: dict[UUID, None] = {}
        for event in events:
            subject = UUID(event.subject)
            if event.type.startswith(f"nl.mbo.catalogue.{ProgrammeOffering.kind}."):
                seen.setdefault(subject, None)
                continue
            offering = event.data.get("entity", {}).get("offering_id")
            if offering is None:  # a tombstone: the stored state still names the offering
                try:
                    offering = self.gateway.store.get(
                        self.tenant.id, subject, include_deleted=True).state.get("offering_id")
                except NotFoundError:
                    continue
            if offering is not None:
                seen.setdefault(UUID(str(offering)), None)
        return list(seen)

    def _deliver(
        self, offering_id: UUID, cohorts: list[StoredEntity],
        record: RioOfferingRecord | None, report: DeliveryReport, replay_of: int | None = None,
    ) -> None:
        try:
            stored = self.gateway.store.get(self.tenant.id, offering_id, include_deleted=True)
        except NotFoundError:
            if record is not None and replay_of is not None:  # nothing left to replay
                self.state.record(self.tenant.id, offering_id, record.status,
                                  record.entity_version, held=record.held,
                                  cohort_codes=record.cohort_codes, detail="not stored")
            report.skipped += 1
            return
        held = record is not None and record.held
        message: bytes | None = None
        try:
            if stored.deleted:
                if not held:  # RIO never had it (or it was deleted there already)
                    if replay_of is not None:
                        self.state.record(self.tenant.id, offering_id, DeliveryStatus.DELETED,
                                          stored.version, held=False)
                    report.skipped += 1
                    return
                message = build_verwijderen(self.tenant, offering_id, standards=self.standards,
                                            receiver_oin=self.client.target.duo_oin)
                self.client.verwijderen(message)
                self.state.record(self.tenant.id, offering_id, DeliveryStatus.DELETED,
                                  stored.version, held=False)
                report.deleted += 1
                return
            offering = ProgrammeOffering.model_validate(stored.state)
            rio_codes = record.cohort_codes if record is not None and held else None
            codes = select_cohorts(offering, cohorts, held_by_rio=rio_codes).codes
            message = build_aanleveren(self.tenant, offering, cohorts, standards=self.standards,
                                       values=self.values, held_by_rio=rio_codes,
                                       receiver_oin=self.client.target.duo_oin)
            self.client.aanleveren(message)
        except ConfigurationError:
            raise
        except DeliveryFailure.CAUGHT as exc:
            failure = failure_of(exc, offering_id, stored, message)
            self.failures.record(self.tenant.id, failure, replay_of=replay_of)
            self.state.record(self.tenant.id, offering_id, failure.status, stored.version,
                              held=held, cohort_codes=record.cohort_codes if record else (),
                              detail=failure.reason)
            if failure.status is DeliveryStatus.REJECTED:
                report.rejected += 1
            else:
                report.failed += 1
            return
        self.state.record(self.tenant.id, offering_id, DeliveryStatus.DELIVERED, stored.version,
                          held=True, cohort_codes=tuple(codes))
        report.delivered += 1
