"""Replay of a dead-lettered delivery: queue the offering or application to be sent again.

The RIO delivery and the intake forwarding follow the event log by cursor, so an offering
RIO refused (or an application the SIS refused) is only sent again when it changes. Once
the cause is fixed at the target (RIO knows the code now, the SIS accepts the cohort), an
operator replays its quarantine record (``gateway dlq replay TENANT RECORD``): the item's
outcome row is marked (:meth:`~gateway.store.tenant_cursors.CursorFollower.requeue`) and
the next run sends it in its CURRENT stored state, as a fresh delivery would. The record
is marked replayed only once the mark is stored; replaying a record again re-queues
nothing. A replay that fails again is dead-lettered and quarantined anew.

A record of another origin (a pull's bad record) has nothing to send: it is fixed at its
source, and the next complete pull closes it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from uuid import UUID

from sqlalchemy import Engine

from gateway.domain import Application
from gateway.domain.catalogue import ProgrammeOffering
from gateway.errors import GatewayError, NotFoundError
from gateway.store.intake_forwarding import ForwardingState
from gateway.store.quarantine import Quarantine, QuarantinedRecord
from gateway.store.rio_state import RioDeliveryState
from gateway.sync.rio_failures import TARGET as RIO_TARGET

__all__ = ["NotReplayable", "Replay", "ReplayTarget", "replay"]


class NotReplayable(GatewayError):
    """A quarantine record that no delivery wrote: it is fixed at its source, not replayed."""

    code = "not-replayable"


class ReplayTarget(StrEnum):
    RIO = "rio"  # the RIO delivery (``gateway rio deliver``)
    INTAKE = "intake"  # the intake forwarding (``gateway intake forward``)


@dataclass(frozen=True)
class Replay:
    """What a replay did: the target and item queued, or that the record was handled."""

    record_id: int
    target: ReplayTarget
    item: UUID
    #: False when the record was already marked handled: nothing was queued again.
    queued: bool

    def line(self) -> str:
        what = "offering" if self.target is ReplayTarget.RIO else "application"
        if not self.queued:
            return (f"record {self.record_id} was already handled; {what} {self.item} "
                    "not queued again")
        return (f"record {self.record_id} replayed: {what} {self.item} queued for the next "
                f"{'RIO delivery' if self.target is ReplayTarget.RIO else 'intake forwarding'}")


def replay(
    engine: Engine, tenant: str, record_id: int, *,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> Replay:
    """Queue the item of one quarantine record for its next delivery; mark the record.

    Args:
        engine: the gateway's database.
        tenant: the tenant whose record it is.
        record_id: the quarantine record.
        clock: the time of the marks.

    Returns:
        The queued item (``queued`` False when the record was handled already).

    Raises:
        NotFoundError: the tenant has no such record.
        NotReplayable: a record no delivery wrote (a pull's), or whose item the delivery
            never handled.
    """
    quarantine = Quarantine(engine, clock=clock)
    record = quarantine.get(tenant, record_id)
    if record is None:
        raise NotFoundError(f"tenant {tenant} has no quarantined record {record_id}")
    target, item = _origin(engine, tenant, record, clock)
    if record.replayed_at is not None:
        return Replay(record_id, target, item, queued=False)
    state = (RioDeliveryState(engine, clock=clock) if target is ReplayTarget.RIO
             else ForwardingState(engine, clock=clock))
    if not state.requeue(tenant, str(item), record_id):
        raise NotReplayable(f"record {record_id}: the {target} delivery has no outcome for "
                            f"{item} to replay")
    quarantine.mark_replayed(tenant, record_id)
    return Replay(record_id, target, item, queued=True)


def _origin(
    engine: Engine, tenant: str, record: QuarantinedRecord, clock: Callable[[], datetime],
) -> tuple[ReplayTarget, UUID]:
    """Which delivery wrote the record (see rio_failures / intake_refusals), and its item."""
    try:
        item = UUID(record.path)
    except ValueError:
        item = None
    if item is not None and record.kind == ProgrammeOffering.kind \
            and record.source == RIO_TARGET \
            and item in RioDeliveryState(engine, clock=clock).offerings(tenant):
        return ReplayTarget.RIO, item
    if item is not None and record.kind == Application.kind:
        forwarded = ForwardingState(engine, clock=clock).get(tenant, item)
        if forwarded is not None and forwarded.target == record.source:
            return ReplayTarget.INTAKE, item
    raise NotReplayable(
        f"record {record.id} ({record.source} {record.kind}) was not written by the RIO "
        "delivery or the intake forwarding, so there is nothing to replay: fix the record "
        f"at its source ({record.source}) and sync; the next full run closes it")
