"""Use case: forward a tenant's intake applications to its SIS, from the event log, in order.

Each batch reads the ``application.upserted`` events after the tenant's cursor. An
application the intake made (source ``intake``) in a state the gateway decides
(``received``: the SIS gets a ``pending`` association; ``withdrawn``: ``canceled``) is
sent as ``PUT /associations/{applicationId}`` through the mbo profile
(:mod:`gateway.mappings.mbo_association`); states the SIS decided are not echoed back.
The same ordered read takes the ``enrolment.upserted`` events: the SIS's record of a
forwarded application, pulled or pushed, which the application follows
(:mod:`.intake_decisions`). Which SIS, which offering id and which ``personId`` (the
person's id in the mbo profile's id space, so that the SIS's copy of the person is the
same ``Person``): :mod:`.intake_targets`. The send of one application, and of the
operator's replays: :mod:`.intake_sending`.

Outcomes: accepted -> recorded (the intake API shows ``forwarded``); refused by the SIS
(4xx) or not buildable (no SIS, a body the profile refuses) -> a dead-letter event with
the association (its expanded person reduced to the id: no personal data) and a
quarantine entry, recorded as ``rejected``; the cursor moves on. Retries exhausted (the
SIS is down) -> the batch stops *before* that event, so the next run tries it again:
nothing is lost and the order per application holds. A configuration error stops the run.
An operator's replay (``gateway dlq replay``, :mod:`.dlq_replay`) queues a refused
application again: the next run sends it first, in its current stored state.

    forwarding = IntakeForwarding(gateway, "roc-a", standards=standards)
    report = forwarding.run_until_idle()        # e.g. `gateway intake forward roc-a`
    forwarding.run_forever(stop, interval=10)   # beside `gateway serve`
    threads = start_intake_forwarding(gateway, standards, stop)   # every tenant with an SIS
"""

from __future__ import annotations

import logging
import threading
from contextlib import ExitStack
from dataclasses import dataclass
from uuid import UUID

from gateway.adapters.ooapi.association_sink import AssociationSink
from gateway.adapters.standards import Standards
from gateway.bootstrap import Gateway
from gateway.domain import Application
from gateway.errors import ConfigurationError, NotFoundError
from gateway.events.outbox import OutboxEvent
from gateway.events.types import Change, event_type
from gateway.store.intake_forwarding import ForwardingState
from gateway.store.quarantine import Quarantine
from gateway.sync.intake_decisions import ENROLMENT_UPSERTED, SisDecisions
from gateway.sync.intake_refusals import RefusalRecorder
from gateway.sync.intake_sending import ApplicationSender, Sent, SinkFactory

__all__ = [
    "APPLICATION_UPSERTED",
    "ForwardingReport",
    "IntakeForwarding",
    "start_intake_forwarding",
]

log = logging.getLogger(__name__)

APPLICATION_UPSERTED = event_type(Application, Change.UPSERTED)


@dataclass
class ForwardingReport:
    """What one run did; ``line()`` prints it for the CLI."""

    events: int = 0
    forwarded: int = 0
    rejected: int = 0
    skipped: int = 0
    #: Applications whose state followed the SIS's record (``enrolment.upserted``).
    decided: int = 0
    #: The SIS did not answer (retries exhausted): the run stopped, to try again later.
    waiting: bool = False
    busy: bool = False  # another replica holds this tenant's cursor

    def __iadd__(self, other: ForwardingReport) -> ForwardingReport:
        for name in ("events", "forwarded", "rejected", "skipped", "decided"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.waiting = self.waiting or other.waiting
        self.busy = self.busy or other.busy
        return self

    def count(self, outcome: Sent) -> bool:
        """Count one application's outcome; False when the SIS did not answer."""
        if outcome is Sent.WAITING:
            self.waiting = True
            return False
        setattr(self, outcome.value, getattr(self, outcome.value) + 1)
        return True

    def line(self) -> str:
        return ", ".join(f"{k} {v}" for k, v in self.__dict__.items())


class IntakeForwarding:
    """Forwards one tenant's applications (see the module docstring).

    Args:
        gateway: the composed gateway.
        tenant: the tenant id.
        standards: the official files (bodies are checked against the mbo profile).
        sinks: builds the sink of a source; the default uses its URL and credentials.
        state: the cursor and outcomes; default on the gateway's database.
        quarantine: where refused associations go for operators.
        batch_size: events per batch.
    """

    def __init__(
        self,
        gateway: Gateway,
        tenant: str,
        *,
        standards: Standards,
        sinks: SinkFactory | None = None,
        state: ForwardingState | None = None,
        quarantine: Quarantine | None = None,
        batch_size: int = 100,
    ) -> None:
        self.gateway = gateway
        self.tenant = tenant
        self.state = state or ForwardingState(gateway.engine, clock=gateway.clock)
        self.sender = ApplicationSender(
            gateway, tenant,
            sinks=sinks or (lambda source: AssociationSink.for_source(source, standards)),
            state=self.state,
            refusals=RefusalRecorder(gateway, self.state, quarantine
                                     or Quarantine(gateway.engine, clock=gateway.clock)))
        self.decisions = SisDecisions(gateway)
        self.batch_size = batch_size

    def run_once(self) -> ForwardingReport:
        """Forward one batch of events after the cursor."""
        report = ForwardingReport()
        with self.state.claim(self.tenant) as claim, ExitStack() as open_sinks:
            if claim is None:
                report.busy = True
                return report
            page = self.gateway.event_log.read(self.tenant, after=claim.cursor,
                                               limit=self.batch_size,
                                               types=(APPLICATION_UPSERTED,
                                                      ENROLMENT_UPSERTED))
            sinks: dict[str, AssociationSink] = {}
            if not self._replay(sinks, open_sinks, report):
                return report
            for event in page.events:
                report.events += 1
                if not self._forward(event, sinks, open_sinks, report):
                    break
                claim.advance(int(event.seq or claim.cursor))
        return report

    def run_until_idle(self, max_batches: int = 10_000) -> ForwardingReport:
        """Forward batches until no event is left or the SIS stops answering."""
        total = ForwardingReport()
        for _ in range(max_batches):
            report = self.run_once()
            total += report
            if report.events == 0 or report.busy or report.waiting:
                break
        return total

    def run_forever(self, stop: threading.Event, interval: float = 10.0) -> None:
        """Forward until ``stop`` is set; a failing run is logged and tried again later."""
        while not stop.is_set():
            try:
                report = self.run_until_idle()
                if report.events:
                    log.info("intake forwarding tenant=%s: %s", self.tenant, report.line())
            except ConfigurationError as exc:
                log.error("intake forwarding tenant=%s stopped: %s", self.tenant, exc.message)
                return
            except Exception:  # a crash of one run must not end the loop
                log.exception("intake forwarding tenant=%s failed; retrying", self.tenant)
            stop.wait(interval)

    # -- one event ----------------------------------------------------------------------
    def _forward(
        self, event: OutboxEvent, sinks: dict[str, AssociationSink], open_sinks: ExitStack,
        report: ForwardingReport,
    ) -> bool:
        """Forward one event's application; False when the SIS is unavailable."""
        if event.type == ENROLMENT_UPSERTED:
            decided = self.decisions.apply(self.tenant, event)
            report.decided += bool(decided)
            report.skipped += decided is None
            return True
        application = Application.model_validate(event.data["entity"])
        return report.count(self.sender.send(application, event.entity_version, sinks,
                                             open_sinks))

    def _replay(
        self, sinks: dict[str, AssociationSink], open_sinks: ExitStack,
        report: ForwardingReport,
    ) -> bool:
        """Send the applications an operator replayed, in their current stored state."""
        for item, record_id in self.state.requeued(self.tenant).items():
            try:
                stored = self.gateway.store.get(self.tenant, UUID(item))
            except NotFoundError:  # erased or gone since: nothing left to send
                self.sender.drop_replay(UUID(item), "not replayed: no longer stored")
                report.skipped += 1
                continue
            application = Application.model_validate(stored.state)
            if not report.count(self.sender.send(application, stored.version, sinks,
                                                 open_sinks, replay_of=record_id)):
                return False
        return True


def start_intake_forwarding(
    gateway: Gateway, standards: Standards, stop: threading.Event, *, interval: float = 10.0,
) -> list[threading.Thread]:
    """Start a forwarding loop (a daemon thread) per tenant that has an SIS source.

    Args:
        gateway: the composed gateway.
        standards: the official files.
        stop: set it to end the loops; join the returned threads afterwards.
        interval: seconds between runs once a tenant's events are forwarded.

    Returns:
        The started threads.
    """
    tenants = sorted({s.tenant for s in gateway.settings.sources})
    threads = []
    for tenant in tenants:
        forwarding = IntakeForwarding(gateway, tenant, standards=standards)
        thread = threading.Thread(target=forwarding.run_forever, args=(stop, interval),
                                  name=f"intake-forwarding-{tenant}", daemon=True)
        thread.start()
        threads.append(thread)
    return threads
