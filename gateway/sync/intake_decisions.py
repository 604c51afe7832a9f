"""The SIS's decisions on forwarded applications, however they arrive: pulled or pushed.

An application the gateway forwarded is a programme association in the SIS under the
application's id; the SIS's record of it comes back as an :class:`Enrolment` linked to the
application (``application_id``), either from a pull (:mod:`gateway.sync.ooapi_enrolment`)
or from the SIS's own ``PUT``/``PATCH /associations/{associationId}`` to the gateway's mbo
profile receiver. Every change of such an enrolment is an ``enrolment.upserted`` event;
the forwarding loop (:mod:`.intake_forwarding`) reads them in order with the applications'
own events and hands each here, so the application follows the SIS on both paths.

The application's state is a function of the enrolment's (:func:`application_state`):
undecided stays in review, admitted (enrolled, interrupted or ended later) is accepted,
denied is rejected, cancelled before enrolment is withdrawn. The state machine decides
from the stored state: an event read after the application moved on (a pull already
passed the decision on, or the applicant withdrew meanwhile) changes nothing, and a
refusal is logged with ids only.
"""

from __future__ import annotations

import logging
from typing import Any
from uuid import UUID

from gateway.bootstrap import Gateway
from gateway.domain import Enrolment
from gateway.domain.enrolment import EnrolmentState
from gateway.errors import GatewayError
from gateway.events.outbox import OutboxEvent
from gateway.events.types import Change, event_type
from gateway.mappings.association_states import to_association_state
from gateway.sync.intake_applications import IntakeApplications

__all__ = ["ENROLMENT_UPSERTED", "SisDecisions", "application_state"]

log = logging.getLogger(__name__)

ENROLMENT_UPSERTED = event_type(Enrolment, Change.UPSERTED)


def application_state(enrolment: EnrolmentState) -> str:
    """The OOAPI association state that carries an enrolment's state to its application
    (``associated``/``finished`` -> accepted, ``pending`` -> in review, ...)."""
    return to_association_state(enrolment).value


class SisDecisions:
    """Passes the state of enrolments linked to applications on to the applications.

    Args:
        gateway: the composed gateway.
        intake: the intake use case; default on the gateway.
    """

    def __init__(self, gateway: Gateway, intake: IntakeApplications | None = None) -> None:
        self.intake = intake or IntakeApplications(gateway)

    def apply(self, tenant: str, event: OutboxEvent) -> bool | None:
        """Pass one ``enrolment.upserted`` event on.

        Returns:
            None when the enrolment follows no application; True when the application
            changed; False when it stayed as it was (already there, or refused).
        """
        entity: dict[str, Any] = event.data.get("entity") or {}
        application = entity.get("application_id")
        if not application:
            return None
        try:
            change = self.intake.apply_association_state(
                tenant, UUID(str(application)),
                application_state(EnrolmentState(entity["state"])))
        except (GatewayError, ValueError, KeyError) as exc:
            log.warning("intake decisions tenant=%s application=%s keeps its state (%s)",
                        tenant, application, type(exc).__name__)
            return False
        return bool(change.result.events)
