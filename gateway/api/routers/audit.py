"""The audit log of personal data for operators: who read or erased whose data, and when.

Scope ``audit:read``; an operator sees only the tenant of its token. Entries hold ids
and field names only, so reading them needs no audit of its own.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from gateway.api.deps import GatewayDep, Principal, require_scope
from gateway.store.audit import AuditEntry, AuditLog

__all__ = ["AUDIT_SCOPE", "AuditPage", "AuditRecord", "router"]

AUDIT_SCOPE = "audit:read"
_MAX_CURSOR = 2**63 - 1

router = APIRouter(prefix="/api/v1", tags=["audit"])

Operator = Annotated[Principal, Depends(require_scope(AUDIT_SCOPE))]


class AuditRecord(BaseModel):
    """One audited access to a person's personal data."""

    seq: int
    at: datetime
    clientId: str
    issuer: str
    personId: UUID
    action: str = Field(description="read or erase")
    outcome: str = Field(description="granted, forbidden or not-found")
    fields: list[str] = Field(description="Names of the fields returned or places erased.")

    @classmethod
    def of(cls, entry: AuditEntry) -> AuditRecord:
        return cls(seq=entry.seq, at=entry.at, clientId=entry.client_id, issuer=entry.issuer,
                   personId=entry.person_id, action=entry.action.value,
                   outcome=entry.outcome.value, fields=list(entry.fields))


class AuditPage(BaseModel):
    entries: list[AuditRecord]
    cursor: int = Field(description="Pass as `after` to read on.")
    next: str


@router.get("/audit", response_model=AuditPage)
def read_audit(
    request: Request,
    gateway: GatewayDep,
    principal: Operator,
    person: Annotated[UUID | None, Query(description="Only entries about this person.")] = None,
    after: Annotated[int, Query(ge=0, le=_MAX_CURSOR)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> AuditPage:
    """A page of the caller's tenant's audit log, oldest first, after the cursor `after`."""
    entries = AuditLog(gateway.engine).list(principal.tenant, person=person, after=after,
                                            limit=limit)
    cursor = entries[-1].seq if entries else after
    return AuditPage(entries=[AuditRecord.of(e) for e in entries], cursor=cursor,
                     next=str(request.url.include_query_params(after=cursor)))
