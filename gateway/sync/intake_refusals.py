"""What the intake forwarding does with an application it cannot forward: dead letter +
quarantine, and the outcome the intake API shows.

Both keep the association that was (or would have been) sent, with an expanded person
reduced to its id (:func:`gateway.mappings.mbo_association.redacted`): dead-letter events
and the quarantine hold no personal data. When no association could be built, the
canonical application (ids only) stands in for it. The dead-letter event's data follows
``schemas/events/nl.mbo.deadletter.entry.v1.json``; its id is derived from the
application, its version and the failure code, so one failure recorded twice is one entry.
"""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any
from uuid import UUID

from gateway.bootstrap import Gateway
from gateway.domain import Application
from gateway.errors import FatalUpstreamError, ValidationError
from gateway.mappings.mbo_association import redacted
from gateway.store.intake_forwarding import ForwardingState, ForwardingStatus
from gateway.store.quarantine import Quarantine

__all__ = ["Refused", "RefusalRecorder"]

log = logging.getLogger(__name__)

_NAMESPACE = UUID("3b0f8c52-9a0e-5d3c-8f63-2f7d8c1e4a90")


class Refused(Exception):
    """An application that cannot be forwarded: ``code``, ``reason`` and the target's errors.

    Messages carry ids, statuses and schema places only, never a value.
    """

    def __init__(self, code: str, reason: str, errors: list[dict[str, str]] | None = None,
                 ) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason
        self.errors = errors or []

    @classmethod
    def of(cls, exc: Exception) -> Refused:
        """The refusal an exception of the forwarding stands for.

        A ``FatalUpstreamError`` is the SIS's refusal (``sis-rejected``, with the status);
        a ``ValidationError`` a body the profile refuses (with each schema place).
        """
        if isinstance(exc, Refused):
            return exc
        if isinstance(exc, FatalUpstreamError):
            status = exc.context.get("status")
            return cls("sis-rejected", exc.message,
                       [{"code": f"http-{status}", "message": exc.message}])
        if isinstance(exc, ValidationError):
            return cls(exc.code, exc.message, [
                {"code": exc.code, "message": str(e.get("message", "")),
                 "path": str(e.get("path", ""))} for e in exc.errors])
        return cls(type(exc).__name__, type(exc).__name__)


class RefusalRecorder:
    """Writes a refusal to the dead-letter topic (outbox), the quarantine and the outcomes."""

    def __init__(self, gateway: Gateway, state: ForwardingState, quarantine: Quarantine) -> None:
        self.gateway = gateway
        self.state = state
        self.quarantine = quarantine

    def record(
        self, tenant: str, application: Application, version: int, target: str,
        association: dict[str, Any] | None, refused: Refused, *, replay_of: int | None = None,
    ) -> UUID:
        """Dead-letter, quarantine and record one refused application; returns the entry id.

        ``replay_of`` names the quarantine record whose replay was refused again: the entry
        is then a new one (its id names the replay), beside a new quarantine record.
        """
        replay = f"/replay-{replay_of}" if replay_of is not None else ""
        original = redacted(association) if association is not None else {
            "application": application.snapshot()}
        text = json.dumps(original, sort_keys=True, ensure_ascii=False)
        entry = uuid.uuid5(_NAMESPACE, f"{tenant}/{target}/{application.id}/{version}/"
                                       f"{refused.code}{replay}")
        data = {"target": target, "reason": refused.reason, "code": refused.code,
                "errors": refused.errors, "original": text,
                "originalContentType": "application/json", "entityId": str(application.id)}
        outbox = self.gateway.store.outbox
        with self.gateway.engine.begin() as conn:
            outbox.write(conn, [outbox.deadletter_event(
                tenant=tenant, entry_id=entry, target=target, data=data,
                now=self.gateway.clock())])
        self.quarantine.put(tenant=tenant, source=target, kind=Application.kind,
                            reason=f"{refused.code}: {refused.reason}", raw=text,
                            path=str(application.id))
        self.state.record(tenant, application.id, ForwardingStatus.REJECTED, version,
                          target=target, detail=refused.reason)
        log.warning("intake forwarding tenant=%s entity=%s refused: %s", tenant,
                    application.id, refused.code)
        return entry
