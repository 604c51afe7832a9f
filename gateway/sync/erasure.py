"""Use case: the right to erasure. A person's personal data leaves every place the gateway keeps it.

Where a person's personal data can sit, and what happens to it:

- ``person_data`` (names, birth date, e-mail, address, the profile's Person document) and
  the mbo profile documents that name the person: removed, and the ``Person`` entity
  reduced to a tombstone, by :meth:`PersonStore.erase`, which writes the
  ``nl.mbo.person.person.deleted.v1`` event (ids only);
- quarantined raw payloads of the person (a person record that failed validation, an
  association that embeds one): scrubbed in place, see :mod:`gateway.store.person_traces`;
- stored responses of idempotency keys that name the person: removed (the key is then
  new again; its request fingerprint, a hash over the body, goes with it);
- the digests of the person's source records (hashes over the raw record): removed;
- applicants' motivations: removed;
- intake forwarding details (an SIS's refusal may echo the data): scrubbed;
- the ECK iD in the person's earlier ``person.upserted`` events of the event log (the
  outbox, which ``/events`` serves and the relay publishes): set to null, so the log no
  longer ties the pseudonymous id to the chain-wide one. Copies already delivered to Kafka
  consumers cannot be recalled; the tombstone event tells them to forget the person;
- calendar feed subscriptions of the person (``/calendar/{token}.ics``): revoked, so the
  feed URL stops answering;
- the same human under another id: a new applicant the intake forwarded to the SIS comes
  back from a pull as a second ``Person``; both are erased (:func:`linked_persons`).

The steps that need the person's values run first and the removal of ``person_data``
last, so an erasure cut short can simply be run again. Events and logs hold ids only. The
source system keeps its own copy: a later sync or ``PUT`` of the same person stores it
anew, so the school erases it in the SIS as well.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from sqlalchemy import Connection, Text, cast, delete, or_, select, update

from gateway.bootstrap import Gateway
from gateway.domain import Application, Person, PersonalData
from gateway.errors import NotFoundError
from gateway.mappings.ooapi_v5_mbo_in import canonical_id
from gateway.store.audit import AuditAction, AuditLog, AuditOutcome
from gateway.store.calendar_subscriptions import calendar_subscriptions
from gateway.store.idempotency import idempotency_keys
from gateway.store.intake_forwarding import intake_forwarding
from gateway.store.motivations import Motivations
from gateway.store.person_traces import PersonTraces
from gateway.store.persons import PersonStore
from gateway.store.record_digests import record_digests
from gateway.store.tables import entities, outbox, quarantine
from gateway.store.timetable_index import TargetKind

__all__ = ["ErasureReport", "erase_person", "linked_persons"]

log = logging.getLogger(__name__)

PERSON_UPSERTED = "nl.mbo.person.person.upserted.v1"


@dataclass
class ErasureReport:
    """What one erasure removed, as counts per place (ids and counts only)."""

    tenant: str
    person_id: UUID
    personal_data: bool = False
    tombstone_event: str | None = None
    counts: dict[str, int] = field(default_factory=dict)
    #: The same human under another id, erased along (see :func:`linked_persons`).
    linked: list[ErasureReport] = field(default_factory=list)

    def places(self) -> list[str]:
        """The places personal data was removed from (for the audit log)."""
        places = ["person_data"] if self.personal_data else []
        return places + sorted(name for name, count in self.counts.items() if count)

    def line(self) -> str:
        counts = " ".join(f"{name}={count}" for name, count in sorted(self.counts.items()))
        line = (f"erased person {self.person_id} of {self.tenant}: personal_data="
                f"{'removed' if self.personal_data else 'none'} {counts} "
                f"tombstone={self.tombstone_event or 'none'}")
        return "; ".join([line, *(other.line() for other in self.linked)])


def erase_person(
    gateway: Gateway, tenant: str, person_id: UUID, *, client_id: str, issuer: str
) -> ErasureReport:
    """Erase a person's personal data everywhere (see the module docstring) and audit it.

    Erasing an erased person again sweeps the raw payloads again and writes no event. A
    person the store never accepted (its record failed validation) can be erased too: its
    quarantined records are found by the canonical id of their ``personId``.

    Args:
        gateway: the composed gateway.
        tenant: the person's tenant.
        person_id: the canonical (pseudonymous) id.
        client_id: who asks (the API client, or the operator for the CLI).
        issuer: who vouches for ``client_id`` (a token issuer, or ``"gateway-cli"``).

    Returns:
        What was removed.

    Raises:
        NotFoundError: the tenant has no such person, nor a quarantined record of one
            (also audited).
    """
    report = _erase_one(gateway, tenant, person_id, client_id=client_id, issuer=issuer)
    for other in linked_persons(gateway, tenant, person_id):
        report.linked.append(
            _erase_one(gateway, tenant, other, client_id=client_id, issuer=issuer))
    log.info("erasure: %s", report.line())
    return report


def linked_persons(gateway: Gateway, tenant: str, person_id: UUID) -> list[UUID]:
    """Stored persons that are the same human as ``person_id`` under another id.

    A person the gateway made (a new applicant of the intake) goes to the SIS by its
    canonical id as ``personId``; the SIS serves it back and a pull stores it under the
    canonical id of that ``personId``. Erasing either must erase both.
    """
    source_id = _source_id(gateway, tenant, person_id)
    if source_id is None:
        return []
    candidates = {canonical_id(tenant, Person.kind, str(person_id))}
    with contextlib.suppress(ValueError):  # only a UUID can be one of our ids
        candidates.add(UUID(source_id))
    return sorted(c for c in candidates
                  if c != person_id and _source_id(gateway, tenant, c) is not None)


def _erase_one(
    gateway: Gateway, tenant: str, person_id: UUID, *, client_id: str, issuer: str
) -> ErasureReport:
    audit = AuditLog(gateway.engine, clock=gateway.clock)
    persons = PersonStore(gateway.store)
    report = ErasureReport(tenant, person_id)
    source_id = _source_id(gateway, tenant, person_id)
    if source_id is None:  # never stored, but a bad record of it may be in the quarantine
        traces = PersonTraces(person_id, id_of=_profile_id_of(tenant))
        with gateway.engine.begin() as conn:
            report.counts["quarantine"] = _scrub_quarantine(conn, tenant, traces, every=True)
        if not report.counts["quarantine"]:
            audit.record(tenant=tenant, client_id=client_id, issuer=issuer,
                         person_id=person_id, action=AuditAction.ERASE,
                         outcome=AuditOutcome.NOT_FOUND)
            raise NotFoundError(f"no person {person_id}")
    else:
        data: PersonalData | None
        try:
            data = persons.get_personal_data(tenant, person_id)
        except NotFoundError:
            data = None
        report.personal_data = data is not None
        traces = PersonTraces.of(person_id, [source_id], data, id_of=_profile_id_of(tenant))
        with gateway.engine.begin() as conn:
            report.counts["quarantine"] = _scrub_quarantine(conn, tenant, traces)
            report.counts["idempotency_keys"] = _forget_responses(conn, tenant, traces)
            report.counts["record_digests"] = _forget_digests(conn, tenant, person_id)
            report.counts["intake_forwarding"] = _scrub_forwarding(conn, tenant, traces)
            report.counts["event_log"] = _scrub_events(conn, tenant, person_id)
            report.counts["calendar_subscriptions"] = _revoke_feeds(
                conn, tenant, person_id, gateway.clock())
        report.counts["application_motivations"] = Motivations(gateway.engine).erase_person(
            tenant, person_id)
        result = persons.erase(tenant, person_id)
        if result.events:
            report.tombstone_event = result.events[0].event_id
    audit.record(tenant=tenant, client_id=client_id, issuer=issuer, person_id=person_id,
                 action=AuditAction.ERASE, outcome=AuditOutcome.GRANTED,
                 fields=report.places())
    return report


def _scrub_events(conn: Connection, tenant: str, person_id: UUID) -> int:
    """Null the ECK iD in the person's ``person.upserted`` events; returns how many changed."""
    c = outbox.c
    rows = conn.execute(select(c.seq, c.data).where(
        c.tenant == tenant, c.subject == str(person_id), c.type == PERSON_UPSERTED)).all()
    changed = 0
    for seq, text in rows:
        data = json.loads(text)
        entity = data.get("entity") if isinstance(data, dict) else None
        if isinstance(entity, dict) and entity.get("eck_id") is not None:
            entity["eck_id"] = None
            conn.execute(update(outbox).where(outbox.c.seq == seq).values(
                data=json.dumps(data, separators=(",", ":"), ensure_ascii=False)))
            changed += 1
    return changed


def _revoke_feeds(conn: Connection, tenant: str, person_id: UUID, now: datetime) -> int:
    """Revoke the person's live calendar feed subscriptions; returns how many."""
    c = calendar_subscriptions.c
    return conn.execute(update(calendar_subscriptions).where(
        c.tenant == tenant, c.target_kind == TargetKind.PERSON.value,
        c.target_ref == str(person_id), c.revoked_at.is_(None)).values(revoked_at=now)).rowcount


def _source_id(gateway: Gateway, tenant: str, person_id: UUID) -> str | None:
    """The source's id of a stored person (erased ones too); None for no such person."""
    try:
        stored = gateway.store.get(tenant, person_id, include_deleted=True)
    except NotFoundError:
        return None
    return str(stored.state["source"]["id"]) if stored.kind == Person.kind else None


def _profile_id_of(tenant: str) -> Callable[[str], UUID | None]:
    """The canonical id the mbo profile's mapping gives a ``personId`` (None if it is none)."""

    def id_of(profile_id: str) -> UUID | None:
        try:
            return canonical_id(tenant, Person.kind, profile_id)
        except ValueError:
            return None

    return id_of


def _scrub_quarantine(
    conn: Connection, tenant: str, traces: PersonTraces, *, every: bool = False
) -> int:
    """Scrub the person's quarantined payloads, and the reasons that quote its values.

    ``every`` reads all the tenant's rows: without a source id there is no text to
    preselect them by (the quarantine holds the few records that failed, not many).
    """
    c = quarantine.c
    email = [c.reason.icontains(traces.email, autoescape=True)] if traces.email else []
    query = select(c.id, c.raw, c.reason).where(c.tenant == tenant)
    if not every:
        query = query.where(or_(
            *(c.raw.icontains(t, autoescape=True) for t in traces.search_terms()), *email))
    rows = conn.execute(query).all()
    changed = 0
    for row in rows:
        own = traces.names_person(row.raw)
        if not own and not (traces.email and traces.email.casefold() in row.reason.casefold()):
            continue
        conn.execute(update(quarantine).where(c.id == row.id).values(
            raw=traces.scrub(row.raw) if own else row.raw,
            reason=traces.scrub_text(row.reason)))
        changed += 1
    return changed


def _forget_responses(conn: Connection, tenant: str, traces: PersonTraces) -> int:
    c = idempotency_keys.c
    rows = conn.execute(select(c.client_id, c.key, c.response_body).where(
        c.tenant == tenant, c.response_body.is_not(None),
        or_(*(c.response_body.icontains(t, autoescape=True) for t in traces.search_terms())),
    )).all()
    removed = 0
    for row in rows:
        if traces.names_person(row.response_body):
            conn.execute(delete(idempotency_keys).where(
                c.tenant == tenant, c.client_id == row.client_id, c.key == row.key))
            removed += 1
    return removed


def _forget_digests(conn: Connection, tenant: str, person_id: UUID) -> int:
    result = conn.execute(delete(record_digests).where(
        record_digests.c.tenant == tenant,
        record_digests.c.entities.contains(str(person_id), autoescape=True)))
    return int(result.rowcount or 0)


def _scrub_forwarding(conn: Connection, tenant: str, traces: PersonTraces) -> int:
    """Scrub the forwarding details of the person's applications."""
    if not traces.values:
        return 0
    applications = select(entities.c.id).where(
        entities.c.tenant == tenant, entities.c.kind == Application.kind,
        cast(entities.c.state, Text).contains(str(traces.person_id), autoescape=True))
    c = intake_forwarding.c
    rows = conn.execute(select(c.application_id, c.detail).where(
        c.tenant == tenant, c.application_id.in_(applications))).all()
    changed = 0
    for row in rows:
        detail = traces.scrub_text(row.detail)
        if detail != row.detail:
            conn.execute(update(intake_forwarding).where(
                c.tenant == tenant, c.application_id == row.application_id).values(
                detail=detail))
            changed += 1
    return changed
