"""Reads of personal data through the mbo profile go to the audit log, like every other.

``GET /persons/{personId}`` and ``expand=person`` on an association return a person's
personal data; each such read (granted, refused for the scope, or of an unknown person)
is one entry of :class:`~gateway.store.audit.AuditLog`, written before the data leaves,
naming the fields returned and never their values.
"""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from fastapi import Request

from gateway.api.auth.bearer import authenticate
from gateway.api.deps import GatewayDep
from gateway.api.routers.ooapi.params import path_uuid
from gateway.api.routers.ooapi_mbo.context import FLOW_1_5, Mbo, build_mbo
from gateway.errors import AuthError
from gateway.mappings.ooapi_v5_mbo_in import canonical_id
from gateway.store.audit import AuditAction, AuditLog, AuditOutcome

__all__ = ["person_reader", "record_read"]


def record_read(mbo: Mbo, person_id: UUID, outcome: AuditOutcome,
                fields: Iterable[str] = ()) -> None:
    """One audit entry for a read of the person ``person_id`` (canonical id)."""
    AuditLog(mbo.receiver.engine, clock=mbo.receiver.store.clock).record(
        tenant=mbo.tenant, client_id=mbo.principal.client_id, issuer=mbo.principal.issuer,
        person_id=person_id, action=AuditAction.READ, outcome=outcome, fields=fields)


def person_reader(request: Request, gateway: GatewayDep) -> Mbo:
    """``GET /persons/{personId}``: a valid token first, then the scope; a refusal for the
    scope is audited (the id of the path is checked first, so the log holds ids only)."""
    mbo = build_mbo(authenticate(request, gateway, ()), gateway)
    if not mbo.may(FLOW_1_5):
        ref = path_uuid(str(request.path_params.get("personId", "")), "personId")
        record_read(mbo, canonical_id(mbo.tenant, "person", ref), AuditOutcome.FORBIDDEN)
        raise AuthError(f"this needs one of the scopes: {FLOW_1_5}", forbidden=True)
    return mbo
