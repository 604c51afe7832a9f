"""The per-application send of the intake forwarding, for first sends and replays alike.

The forwarding loop (:mod:`.intake_forwarding`) decides *when* an application goes to its
SIS; :class:`ApplicationSender` decides *whether* and *how*: only an application the intake
made, in a state the gateway decides (:data:`FORWARDED_STATES`), is sent as
``PUT /associations/{applicationId}``. Each send ends in a :class:`Sent` outcome, so that
the loop counts it and stops at the first ``waiting`` (the SIS is down: retried next run).
A replay (``gateway dlq replay``) that has nothing of ours left to send ends with the
last outcome kept (:meth:`ApplicationSender.drop_replay`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import ExitStack
from enum import Enum
from typing import Any
from uuid import UUID

from gateway.adapters.ooapi.association_sink import AssociationSink
from gateway.bootstrap import Gateway
from gateway.domain import Application
from gateway.domain.enrolment import EnrolmentState
from gateway.errors import FatalUpstreamError, RetriableUpstreamError, ValidationError
from gateway.settings import SourceConfig
from gateway.store.intake_forwarding import ForwardingState, ForwardingStatus
from gateway.sync.intake_refusals import RefusalRecorder, Refused
from gateway.sync.intake_submission import INTAKE_SOURCE
from gateway.sync.intake_targets import ForwardingTargets

__all__ = ["FORWARDED_STATES", "ApplicationSender", "Sent", "SinkFactory"]

log = logging.getLogger(__name__)

#: The states the gateway itself decides, and so sends to the SIS.
FORWARDED_STATES = frozenset({EnrolmentState.RECEIVED, EnrolmentState.WITHDRAWN})

SinkFactory = Callable[[SourceConfig], AssociationSink]


class Sent(Enum):
    """The outcome of one application; the value names the report's counter."""

    FORWARDED = "forwarded"
    REJECTED = "rejected"
    SKIPPED = "skipped"
    #: The SIS did not answer (retries exhausted): nothing recorded, try again later.
    WAITING = "waiting"


class ApplicationSender:
    """Sends one tenant's applications to their SIS and records each outcome.

    Args:
        gateway: the composed gateway.
        tenant: the tenant id.
        sinks: builds the sink of a source.
        state: where each outcome is recorded.
        refusals: records a refused application (dead letter and quarantine).
    """

    def __init__(self, gateway: Gateway, tenant: str, *, sinks: SinkFactory,
                 state: ForwardingState, refusals: RefusalRecorder) -> None:
        self.gateway = gateway
        self.tenant = tenant
        self.sinks = sinks
        self.state = state
        self.refusals = refusals
        self.targets = ForwardingTargets(gateway, tenant)

    def send(
        self, application: Application, version: int, sinks: dict[str, AssociationSink],
        open_sinks: ExitStack, replay_of: int | None = None,
    ) -> Sent:
        """Forward one application; ``sinks`` caches the run's open sinks by source."""
        if (application.source.system != INTAKE_SOURCE
                or application.state not in FORWARDED_STATES):
            if replay_of is not None:  # the SIS decides it now: nothing of ours to resend
                self.drop_replay(application.id, "not replayed: decided by the SIS")
            return Sent.SKIPPED
        association: dict[str, Any] | None = None
        target = "sis"
        try:
            cohort, source = self.targets.source_of(application)
            target = source.name
            association = self.targets.association(application, cohort, source)
            if source.name not in sinks:
                sinks[source.name] = open_sinks.enter_context(self.sinks(source))
            sinks[source.name].put(association)
        except RetriableUpstreamError as exc:
            log.warning("intake forwarding tenant=%s entity=%s: SIS unavailable (%s)",
                        self.tenant, application.id, type(exc).__name__)
            return Sent.WAITING
        except (FatalUpstreamError, ValidationError, Refused) as exc:
            self.refusals.record(self.tenant, application, version, target,
                                 association, Refused.of(exc), replay_of=replay_of)
            return Sent.REJECTED
        self.state.record(self.tenant, application.id, ForwardingStatus.FORWARDED,
                          version, target=target)
        return Sent.FORWARDED

    def drop_replay(self, application: UUID, detail: str) -> None:
        """End a replay that has nothing to send: the last outcome stays, with ``detail``."""
        last = self.state.get(self.tenant, application)
        if last is not None:
            self.state.record(self.tenant, application, last.status, last.entity_version,
                              target=last.target, detail=detail)
