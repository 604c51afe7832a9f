"""Personal data behind the API: an audited read, and the right to erasure.

Events carry ids only; a consumer that needs a person's name or e-mail reads it here,
with the scope ``persons:personal-data:read``, for its own tenant (from its token).
Every read is written to the audit log (:mod:`gateway.store.audit`) before the data
leaves, refused ones too: a client without the scope is recorded as ``forbidden``, an
unknown person as ``not-found``. The log names the fields returned, never their values.

``DELETE`` (scope ``persons:erase``) runs the erasure (:mod:`gateway.sync.erasure`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Request, Response
from pydantic import BaseModel, Field

from gateway.api.auth.bearer import authenticate
from gateway.api.deps import GatewayDep, Principal
from gateway.errors import AuthError, NotFoundError, ValidationError
from gateway.store.audit import AuditAction, AuditLog, AuditOutcome
from gateway.store.persons import PersonStore
from gateway.sync.erasure import erase_person

__all__ = ["ERASE_SCOPE", "READ_SCOPE", "Address", "PersonalDataDocument", "router"]

log = logging.getLogger(__name__)

READ_SCOPE = "persons:personal-data:read"
ERASE_SCOPE = "persons:erase"

router = APIRouter(prefix="/api/v1", tags=["personal data"])

PersonIdPath = Annotated[UUID, Path(alias="personId", description="The canonical person id.")]


class Address(BaseModel):
    streetAddress: str | None = None
    postalCode: str | None = None
    locality: str | None = None
    country: str | None = Field(default=None, description="ISO 3166-1 alpha-2")


class PersonalDataDocument(BaseModel):
    """A person's personal data, and the ECK iD where the source provides one."""

    personId: UUID
    eckId: str | None = None
    givenName: str | None = None
    familyNamePrefix: str | None = None
    familyName: str | None = None
    birthDate: date | None = None
    email: str | None = None
    address: Address | None = None

    def fields_returned(self) -> list[str]:
        """Names of the fields that carry a value (for the audit log)."""
        dumped = self.model_dump(exclude_none=True)
        names = [k for k in dumped if k not in {"personId", "address"}]
        return names + [f"address.{k}" for k in dumped.get("address", {})]


def _audited(scope: str, action: AuditAction) -> Callable[..., Principal]:
    """Authenticate, then demand ``scope``; a refusal for the scope is audited.

    The person id is checked after the token (an unauthenticated caller learns nothing)
    and before the audit, so the log only ever holds well-formed ids.
    """

    def dependency(request: Request, gateway: GatewayDep) -> Principal:
        principal = authenticate(request, gateway, ())
        person_id = _person_id(request.path_params.get("personId", ""))
        if scope not in principal.scopes:
            AuditLog(gateway.engine, clock=gateway.clock).record(
                tenant=principal.tenant, client_id=principal.client_id,
                issuer=principal.issuer, person_id=person_id, action=action,
                outcome=AuditOutcome.FORBIDDEN)
            raise AuthError(f"this needs the scope {scope}", forbidden=True)
        return principal

    return dependency


def _person_id(raw: str) -> UUID:
    try:
        return UUID(raw)
    except ValueError:
        raise ValidationError("personId must be a UUID", path="/path/personId") from None


Reader = Annotated[Principal, Depends(_audited(READ_SCOPE, AuditAction.READ))]
Eraser = Annotated[Principal, Depends(_audited(ERASE_SCOPE, AuditAction.ERASE))]


@router.get("/persons/{personId}/personal-data", response_model=PersonalDataDocument,
            response_model_exclude_none=True)
def read_personal_data(
    person_id: PersonIdPath, gateway: GatewayDep, principal: Reader, response: Response
) -> PersonalDataDocument:
    """The personal data of one person of the caller's tenant; every read is audited."""
    audit = AuditLog(gateway.engine, clock=gateway.clock)
    persons = PersonStore(gateway.store)
    tenant = principal.tenant
    try:
        person = persons.get(tenant, person_id)
        data = persons.get_personal_data(tenant, person_id)
    except NotFoundError:
        audit.record(tenant=tenant, client_id=principal.client_id, issuer=principal.issuer,
                     person_id=person_id, action=AuditAction.READ,
                     outcome=AuditOutcome.NOT_FOUND)
        raise NotFoundError(f"no personal data of person {person_id}") from None
    address = Address(streetAddress=data.street_address, postalCode=data.postal_code,
                      locality=data.locality, country=data.country)
    document = PersonalDataDocument(
        personId=person_id, eckId=person.eck_id, givenName=data.given_name,
        familyNamePrefix=data.family_name_prefix, familyName=data.family_name,
        birthDate=data.birth_date, email=data.email,
        address=address if address.model_dump(exclude_none=True) else None,
    )
    audit.record(tenant=tenant, client_id=principal.client_id, issuer=principal.issuer,
                 person_id=person_id, action=AuditAction.READ, outcome=AuditOutcome.GRANTED,
                 fields=document.fields_returned())
    response.headers["Cache-Control"] = "no-store"
    return document


@router.delete("/persons/{personId}/personal-data", status_code=204,
               response_class=Response)
def erase_personal_data(
    person_id: PersonIdPath, gateway: GatewayDep, principal: Eraser
) -> Response:
    """Erase a person's personal data from the gateway (right to erasure); audited.

    Leaves the person's ``deleted`` event (ids only). Erasing again is harmless (204).
    """
    erase_person(gateway, principal.tenant, person_id, client_id=principal.client_id,
                 issuer=principal.issuer)
    return Response(status_code=204)
