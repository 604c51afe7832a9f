"""FastAPI dependencies as ``Annotated`` aliases: the gateway, and the caller's principal.

The tenant of every request comes from its token, never from a header or body.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from gateway.bootstrap import Gateway

__all__ = ["GatewayDep", "Principal", "get_gateway", "require_scope"]


def get_gateway(request: Request) -> Gateway:
    gateway: Gateway = request.app.state.gateway
    return gateway


GatewayDep = Annotated[Gateway, Depends(get_gateway)]


@dataclass(frozen=True)
class Principal:
    """Who is calling: a registered client (or an external token's subject) of one tenant."""

    client_id: str
    tenant: str
    scopes: frozenset[str]
    issuer: str


def require_scope(*scopes: str) -> Callable[..., Principal]:
    """A dependency that authenticates the bearer token and demands one of ``scopes``.

    Example::

        @router.get("/events")
        def read(principal: Annotated[Principal, Depends(require_scope("events:read"))]): ...
    """
    from gateway.api.auth.bearer import authenticate  # noqa: PLC0415 - avoid an import cycle

    def dependency(request: Request, gateway: GatewayDep) -> Principal:
        return authenticate(request, gateway, scopes)

    return dependency
