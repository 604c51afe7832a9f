"""What every route of the mbo profile needs: the caller's tenant and scopes, the receiver,
the JSON body, and which flow scope guards which operation.

Scopes (``ErrorHandling.md``: "Each request will need a scope in the auth token";
each flow of the MORA reference architecture gets its own): an operation takes a token
holding ANY ONE of the scopes the profile lists on it. OpenAPI would read a list of
scopes in one security requirement as all-of, but the profile lists the flows that use
an operation, and a client of one flow holds only its flow's scope. The profile's
alternative security scheme (``openId`` with ``offerings.write`` /
``associations.write``) is honoured the same way.

==========================================  =======================================
operation                                   scopes (any one)
==========================================  =======================================
GET, PUT /persons/{personId}                flow-1-5 (SIS <-> planner)
GET /persons/{personId}/associations        flow-1-5, flow-2-3-4 (the profile names
                                            none; as every other association read)
GET /offerings/{offeringId}[/associations]  flow-1-5, flow-2-3-4
PUT, PATCH /offerings/{offeringId}          flow-1-5, flow-2-3-4, offerings.write
GET, PUT /associations/{associationId}      flow-1-5, flow-2-3-4
PATCH /associations/{associationId}         flow-1-5, flow-2-3-4, associations.write
``expand=person`` on an association         flow-1-5 (it gives personal data)
/groups, /groups/{groupId}[/members]        flow-1-5
==========================================  =======================================

(``flow-1-5`` is ``nl-test-admin-flow-1-5``, and so on.) The tenant comes from the token.
"""

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from gateway.adapters.ooapi.mbo_profile import mbo_profile
from gateway.adapters.standards import Standards, standards_from_env
from gateway.api.auth.bearer import authenticate, authenticator_of
from gateway.api.deps import Principal, get_gateway
from gateway.bootstrap import Gateway
from gateway.errors import ValidationError
from gateway.mappings.ooapi_v5_institution import Institution
from gateway.sync.mbo_receiver import MboReceiver

__all__ = ["ASSOCIATION_WRITE", "FLOW_1_5", "FLOW_2_3_4", "OFFERING_WRITE", "SCOPES", "Mbo",
           "JsonBody", "build_mbo", "mbo_context"]

FLOW_1_5 = "nl-test-admin-flow-1-5"
FLOW_2_3_4 = "nl-test-admin-flow-2-3-4"
OFFERING_WRITE = "offerings.write"
ASSOCIATION_WRITE = "associations.write"

#: The scopes of each operation, any one of which will do (the table above).
SCOPES: dict[tuple[str, str], tuple[str, ...]] = {
    ("get", "/persons/{personId}"): (FLOW_1_5,),
    ("put", "/persons/{personId}"): (FLOW_1_5,),
    ("get", "/persons/{personId}/associations"): (FLOW_1_5, FLOW_2_3_4),
    ("get", "/offerings/{offeringId}"): (FLOW_1_5, FLOW_2_3_4),
    ("put", "/offerings/{offeringId}"): (FLOW_1_5, FLOW_2_3_4, OFFERING_WRITE),
    ("patch", "/offerings/{offeringId}"): (FLOW_1_5, FLOW_2_3_4, OFFERING_WRITE),
    ("get", "/offerings/{offeringId}/associations"): (FLOW_1_5, FLOW_2_3_4),
    ("get", "/associations/{associationId}"): (FLOW_1_5, FLOW_2_3_4),
    ("put", "/associations/{associationId}"): (FLOW_1_5, FLOW_2_3_4),
    ("patch", "/associations/{associationId}"): (FLOW_1_5, FLOW_2_3_4, ASSOCIATION_WRITE),
    ("get", "/groups"): (FLOW_1_5,),
    ("get", "/groups/{groupId}"): (FLOW_1_5,),
    ("put", "/groups/{groupId}"): (FLOW_1_5,),
    ("get", "/groups/{groupId}/members"): (FLOW_1_5,),
    ("put", "/groups/{groupId}/members"): (FLOW_1_5,),
}


@dataclass(frozen=True)
class Mbo:
    """One request's view of the receiving side: who calls, for which tenant."""

    principal: Principal
    receiver: MboReceiver
    institution: Institution

    @property
    def tenant(self) -> str:
        return self.principal.tenant

    def may(self, scope: str) -> bool:
        return scope in self.principal.scopes


def build_mbo(principal: Principal, gateway: Gateway) -> Mbo:
    """The receiving side as one authenticated caller sees it."""
    folder = gateway.settings.standards_dir
    standards = Standards(folder) if folder else standards_from_env()
    config = gateway.settings.tenant(principal.tenant)
    institution = Institution(
        tenant=principal.tenant, name=config.name if config else principal.tenant,
        brin=config.brin if config else None,
        onderwijsaanbiedercode=config.onderwijsaanbiedercode if config else None)
    return Mbo(principal, MboReceiver(gateway.store, mbo_profile(standards)), institution)


def mbo_context(method: str, path: str) -> Callable[..., Awaitable[Mbo]]:
    """The dependency of one operation: its scopes checked, the receiver built.

    Asynchronous, and the gateway's own tokens are verified on the event loop (an HMAC,
    no I/O): a synchronous dependency costs a trip through the threadpool each, and under
    a burst of concurrent pushes every trip waits for the GIL behind busy threads; the
    route itself is then the request's only trip. A token of an external issuer may need
    its keys fetched, so it is verified in the threadpool.

    (This module has no ``from __future__ import annotations``: FastAPI reads the
    dependency's annotations, which name this closure's ``scopes``.)
    """
    scopes = SCOPES[(method, path)]

    async def dependency(request: Request) -> Mbo:
        gateway = get_gateway(request)
        if authenticator_of(request, gateway).external is None:
            principal = authenticate(request, gateway, scopes)
        else:
            principal = await run_in_threadpool(authenticate, request, gateway, scopes)
        return build_mbo(principal, gateway)

    return dependency


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


async def _json_body(request: Request) -> Any:
    """The parsed body (JSON or JSON merge patch).

    Raises:
        ValidationError: another media type, or a body that is not JSON.
    """
    media = request.headers.get("content-type", "application/json").split(";")[0].strip()
    if media not in ("application/json", "application/merge-patch+json"):
        raise ValidationError("the body must be application/json (PATCH: also "
                              "application/merge-patch+json)", path="")
    raw = await request.body()
    try:
        return json.loads(raw, parse_constant=_no_constants)
    except (ValueError, RecursionError):
        raise ValidationError("the body is not JSON", path="") from None


JsonBody = Annotated[Any, Depends(_json_body)]
