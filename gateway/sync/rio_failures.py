"""What the RIO delivery does with an offering it could not deliver: dead letter + quarantine.

Both keep the original message (the XML that was, or would have been, sent; the canonical
state when no message could be built) and the reason, so an operator can see what RIO
said and replay the offering once the cause is fixed. The dead-letter event's data follows
``schemas/events/nl.mbo.deadletter.entry.v1.json``; its id is derived from the offering,
its version and the failure code, so the same failure recorded twice is one entry.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any, ClassVar
from uuid import UUID

import pydantic

from gateway.adapters.rio.client import RioRejection, RioUnavailable
from gateway.bootstrap import Gateway
from gateway.errors import GatewayError, UpstreamError, ValidationError
from gateway.store.entities import StoredEntity
from gateway.store.quarantine import Quarantine
from gateway.store.rio_state import DeliveryStatus

__all__ = ["TARGET", "DeliveryFailure", "FailureRecorder", "failure_of"]

#: The target's name in dead-letter entries and quarantine rows.
TARGET = "rio"
_NAMESPACE = UUID("6f6d2b8e-4c1a-5d0e-9a53-7a1f2f0d6c11")


@dataclass(frozen=True)
class DeliveryFailure:
    """One offering that was not delivered, with everything the operator needs."""

    #: What the delivery loop turns into a failure; anything else propagates.
    CAUGHT: ClassVar[tuple[type[Exception], ...]] = (
        UpstreamError, ValidationError, pydantic.ValidationError)

    offering_id: UUID
    version: int
    status: DeliveryStatus
    code: str
    reason: str
    errors: tuple[dict[str, str], ...]
    original: str
    content_type: str


def _errors_of(exc: Exception) -> tuple[dict[str, str], ...]:
    if isinstance(exc, RioRejection):
        return tuple(
            {"code": f.code, "message": f.text,
             **({"path": "; ".join(f"{k}={v}" for k, v in f.keys)} if f.keys else {})}
            for f in exc.foutmeldingen)
    if isinstance(exc, ValidationError):
        return tuple({"code": exc.code, "message": str(e.get("message", exc.message)),
                      "path": str(e.get("path", ""))} for e in exc.errors)
    if isinstance(exc, pydantic.ValidationError):
        return tuple({"code": "invalid-state", "message": e["msg"],
                      "path": "/" + "/".join(str(p) for p in e["loc"])} for e in exc.errors())
    return ({"code": getattr(exc, "code", type(exc).__name__), "message": str(exc)},)


def failure_of(
    exc: Exception, offering_id: UUID, stored: StoredEntity, message: bytes | None
) -> DeliveryFailure:
    """Classify an exception of one offering's delivery.

    Args:
        exc: what the builder or the client raised (one of ``DeliveryFailure.CAUGHT``).
        offering_id: the offering.
        stored: its stored row (the original when no message was built).
        message: the RIO message, if it was built.
    """
    if isinstance(exc, RioRejection):
        status, code = DeliveryStatus.REJECTED, exc.code
    elif isinstance(exc, RioUnavailable):
        status, code = DeliveryStatus.FAILED, "retries-exhausted"
    elif isinstance(exc, GatewayError):
        status, code = DeliveryStatus.FAILED, exc.code
    else:
        status, code = DeliveryStatus.FAILED, "invalid-state"
    if message is not None:
        original, content_type = message.decode("utf-8"), "application/xml"
    else:
        original = json.dumps(stored.state, sort_keys=True, ensure_ascii=False)
        content_type = "application/json"
    return DeliveryFailure(offering_id, stored.version, status, code, str(exc)[:2000],
                           _errors_of(exc), original, content_type)


class FailureRecorder:
    """Writes a failure to the dead-letter topic (through the outbox) and the quarantine."""

    def __init__(self, gateway: Gateway, quarantine: Quarantine) -> None:
        self.gateway = gateway
        self.outbox = gateway.store.outbox
        self.quarantine = quarantine

    def record(self, tenant: str, failure: DeliveryFailure, *, replay_of: int | None = None,
               ) -> UUID:
        """Dead-letter and quarantine one failure; returns the dead-letter entry id.

        Args:
            tenant: the tenant.
            failure: what went wrong.
            replay_of: the quarantine record whose replay failed again: the entry is a new
                one (its id names the replay), beside a new quarantine record.
        """
        replay = f"/replay-{replay_of}" if replay_of is not None else ""
        entry = uuid.uuid5(_NAMESPACE, f"{tenant}/{TARGET}/{failure.offering_id}/"
                                       f"{failure.version}/{failure.code}{replay}")
        data: dict[str, Any] = {
            "target": TARGET, "reason": failure.reason, "code": failure.code,
            "errors": list(failure.errors), "original": failure.original,
            "originalContentType": failure.content_type,
            "entityId": str(failure.offering_id),
        }
        event = self.outbox.deadletter_event(tenant=tenant, entry_id=entry, target=TARGET,
                                             data=data, now=self.gateway.clock())
        with self.gateway.engine.begin() as conn:
            self.outbox.write(conn, [event])
        shown = "; ".join(f"{e['code']}: {e['message']}" for e in failure.errors[:10])
        self.quarantine.put(
            tenant=tenant, source=TARGET, kind="programme-offering",
            reason=f"{failure.code}: {shown or failure.reason}", raw=failure.original,
            path=str(failure.offering_id),
        )
        return entry
