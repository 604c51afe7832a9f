"""The audit log of personal data: who read or erased which person's data, when, and how it went.

Every read of personal data through the API (granted or refused) and every erasure is
one row. The log itself holds ids only: client id and issuer, tenant, person id, the
names of the fields returned, never their values; it can be kept as long as the school
must account for access without becoming a second copy of the data.

Append-only from the application's point of view: :class:`AuditLog` inserts and reads,
and has no way to change or remove a row.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from sqlalchemy import (
    Column,
    DateTime,
    Engine,
    Index,
    Row,
    String,
    Table,
    Text,
    insert,
    select,
)

from gateway.store.tables import BigSerial, metadata

__all__ = ["AuditAction", "AuditEntry", "AuditLog", "AuditOutcome", "audit_log"]

audit_log = Table(
    "audit_log",
    metadata,
    Column("seq", BigSerial, primary_key=True, autoincrement=True),
    Column("tenant", String(63), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("client_id", String(255), nullable=False),
    Column("issuer", String(255), nullable=False),
    Column("person_id", String(36), nullable=False),
    Column("action", String(20), nullable=False),
    Column("outcome", String(20), nullable=False),
    #: JSON list of the names of the fields returned (or erased); never their values.
    Column("fields", Text, nullable=False),
    Index("ix_audit_log_tenant_person_seq", "tenant", "person_id", "seq"),
    Index("ix_audit_log_tenant_seq", "tenant", "seq"),
)


class AuditAction(StrEnum):
    READ = "read"
    ERASE = "erase"


class AuditOutcome(StrEnum):
    GRANTED = "granted"  # the data was returned (read) or removed (erase)
    FORBIDDEN = "forbidden"  # the caller lacked the scope; nothing was read
    NOT_FOUND = "not-found"  # the tenant has no personal data of this person


@dataclass(frozen=True)
class AuditEntry:
    """One audited access; ``fields`` names what was returned or removed."""

    seq: int
    tenant: str
    at: datetime
    client_id: str
    issuer: str
    person_id: UUID
    action: AuditAction
    outcome: AuditOutcome
    fields: tuple[str, ...]

    def line(self) -> str:
        """A tab-separated line for the CLI."""
        return "\t".join((
            str(self.seq), self.at.isoformat(timespec="seconds"), self.client_id, self.issuer,
            str(self.person_id), self.action.value, self.outcome.value, ",".join(self.fields),
        ))


class AuditLog:
    """Records and lists audited accesses to personal data, per tenant.

    Example::

        audit = AuditLog(engine)
        audit.record(tenant="roc-a", client_id="lms", issuer="mbo-gateway", person_id=pid,
                     action=AuditAction.READ, outcome=AuditOutcome.GRANTED,
                     fields=["given_name", "email"])
        entries = audit.list("roc-a", person=pid)
    """

    def __init__(
        self, engine: Engine, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        self.engine = engine
        self.clock = clock

    def record(
        self,
        *,
        tenant: str,
        client_id: str,
        issuer: str,
        person_id: UUID,
        action: AuditAction,
        outcome: AuditOutcome,
        fields: Iterable[str] = (),
    ) -> AuditEntry:
        """Append one entry, in its own transaction, and return it.

        Callers record before they hand data out: when the log cannot be written, the
        data must not leave.
        """
        names = tuple(sorted(set(fields)))
        at = self.clock()
        client_id, issuer = client_id[:255], issuer[:255]
        with self.engine.begin() as conn:
            key = conn.execute(insert(audit_log).values(
                tenant=tenant, at=at, client_id=client_id, issuer=issuer,
                person_id=str(person_id), action=action.value, outcome=outcome.value,
                fields=json.dumps(list(names)),
            )).inserted_primary_key
        assert key is not None  # noqa: S101 - an insert always has one
        return AuditEntry(int(key[0]), tenant, at, client_id, issuer, person_id, action,
                          outcome, names)

    def record_reads(
        self, *, tenant: str, client_id: str, issuer: str,
        reads: Mapping[UUID, Iterable[str]] | Mapping[str, Iterable[str]],
    ) -> int:
        """Append one granted ``read`` entry per person of ``reads`` (person -> fields) in
        one transaction: a page of a list hands out many persons' data at once.

        Returns:
            The number of entries written.
        """
        at = self.clock()
        rows = [{"tenant": tenant, "at": at, "client_id": client_id[:255],
                 "issuer": issuer[:255], "person_id": str(person),
                 "action": AuditAction.READ.value, "outcome": AuditOutcome.GRANTED.value,
                 "fields": json.dumps(sorted(set(fields)))}
                for person, fields in reads.items()]
        if rows:
            with self.engine.begin() as conn:
                conn.execute(insert(audit_log), rows)
        return len(rows)

    def list(
        self, tenant: str, *, person: UUID | None = None, after: int = 0, limit: int = 100
    ) -> list[AuditEntry]:
        """A tenant's entries after the cursor ``after``, oldest first, optionally of one person.

        Args:
            tenant: whose log.
            person: only entries about this person.
            after: the ``seq`` of the last entry already read (0 from the start).
            limit: at most this many entries.

        Returns:
            The entries; pass the last one's ``seq`` as ``after`` to read on.
        """
        query = select(audit_log).where(audit_log.c.tenant == tenant, audit_log.c.seq > after)
        if person is not None:
            query = query.where(audit_log.c.person_id == str(person))
        query = query.order_by(audit_log.c.seq).limit(limit)
        with self.engine.connect() as conn:
            return [_entry(row) for row in conn.execute(query)]


def _entry(row: Row[Any]) -> AuditEntry:
    m = row._mapping
    at = m["at"] if m["at"].tzinfo else m["at"].replace(tzinfo=UTC)
    return AuditEntry(
        seq=int(m["seq"]), tenant=m["tenant"], at=at, client_id=m["client_id"],
        issuer=m["issuer"], person_id=UUID(m["person_id"]), action=AuditAction(m["action"]),
        outcome=AuditOutcome(m["outcome"]), fields=tuple(json.loads(m["fields"])),
    )
