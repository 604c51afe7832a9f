"""Reads of personal data through the mbo profile go to the audit log, like every other.

``GET /persons/{personId}`` and ``expand=person`` on an association return a person's
personal data; each such read (granted, refused for the scope, or of an unknown person)
is one entry of :class:`~gateway.store.audit.AuditLog`, written before the data leaves,
naming the fields returned and never their values.

An association's consumer entry may carry a student's needs (``personalNeeds``: extra
time, reading aloud, a spell checker; ``extraTimeInMin``): data about health or
disability, which exam planning needs and which the profile serves on every association
read. Each association read that returns them is audited for its person too
(:func:`record_needs_reads`), and such a response is not cached.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from uuid import UUID

from fastapi import Request

from gateway.api.auth.bearer import authenticate
from gateway.api.deps import GatewayDep
from gateway.api.routers.ooapi.params import path_uuid
from gateway.api.routers.ooapi_mbo.context import FLOW_1_5, Mbo, build_mbo
from gateway.errors import AuthError
from gateway.mappings.ooapi_v5_mbo_in import canonical_id
from gateway.store.audit import AuditAction, AuditLog, AuditOutcome

__all__ = ["NEEDS_KEYS", "NO_STORE", "person_reader", "record_needs_reads", "record_read"]

#: Keys of a consumer entry that describe a student's needs.
NEEDS_KEYS = frozenset({"personalNeeds", "extraTimeInMin", "additionalTimeInMin",
                        "assignedNeeds"})
#: The header of a response that holds personal data: no cache keeps it.
NO_STORE = {"Cache-Control": "no-store"}


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


def record_needs_reads(mbo: Mbo, associations: Iterable[Mapping[str, Any]],
                       person: UUID | None = None) -> bool:
    """Audit, in one transaction, the persons whose needs ``associations`` carry.

    Args:
        mbo: the request's context (tenant, client).
        associations: the profile's association documents about to be returned.
        person: the canonical person all of them belong to (``/persons/{id}/associations``);
            otherwise each document's ``person`` names it.

    Returns:
        Whether any document carried needs (the response must then not be cached).
    """
    reads: dict[UUID, set[str]] = {}
    found = False
    for document in associations:
        fields = {f"consumers.{key}" for entry in document.get("consumers") or ()
                  if isinstance(entry, Mapping) for key, value in entry.items()
                  if key in NEEDS_KEYS and value not in (None, "", [])}
        if not fields:
            continue
        found = True
        owner = person or _person_of(mbo.tenant, document.get("person"))
        if owner is not None:
            reads.setdefault(owner, set()).update(fields)
    AuditLog(mbo.receiver.engine, clock=mbo.receiver.store.clock).record_reads(
        tenant=mbo.tenant, client_id=mbo.principal.client_id, issuer=mbo.principal.issuer,
        reads=reads)
    return found


def _person_of(tenant: str, ref: object) -> UUID | None:
    """The canonical id of an association's ``person`` (an id, or the person in full)."""
    if isinstance(ref, Mapping):
        ref = ref.get("personId")
    try:
        return canonical_id(tenant, "person", str(ref)) if ref is not None else None
    except ValueError:
        return None
