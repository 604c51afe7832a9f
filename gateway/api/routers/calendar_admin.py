"""Managing calendar subscriptions: create (the feed URL is shown once), list, revoke.

Scope ``calendar:admin``; the tenant is the token's, so an administrator sees and
revokes only its own school's subscriptions. The list never holds a token or its hash:
a lost feed URL is revoked and replaced, not looked up.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Query, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from gateway.api.deps import GatewayDep, Principal, require_scope
from gateway.store.calendar_subscriptions import (
    CalendarSubscriptions,
    Subscription,
    subscribe,
)
from gateway.store.timetable_index import TargetKind

__all__ = ["CALENDAR_ADMIN_SCOPE", "NewSubscription", "SubscriptionView", "router"]

CALENDAR_ADMIN_SCOPE = "calendar:admin"
_BASE = "/api/v1/calendar-subscriptions"

router = APIRouter(prefix=_BASE, tags=["calendar"])

Admin = Annotated[Principal, Depends(require_scope(CALENDAR_ADMIN_SCOPE))]


class NewSubscription(BaseModel):
    """What to subscribe to: a group or person by canonical id, or a room by its code."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["group", "person", "room"]
    ref: str = Field(min_length=1, max_length=128,
                     description="The group's or person's canonical id, or the room code.")


class SubscriptionView(BaseModel):
    id: UUID
    kind: str
    ref: str
    createdAt: datetime
    revokedAt: datetime | None = None

    @classmethod
    def of(cls, subscription: Subscription) -> SubscriptionView:
        return cls(id=subscription.id, kind=subscription.kind.value, ref=subscription.ref,
                   createdAt=subscription.created_at, revokedAt=subscription.revoked_at)


class IssuedView(SubscriptionView):
    feedUrl: str = Field(description="The feed's address with its token; shown only now.")


class SubscriptionList(BaseModel):
    items: list[SubscriptionView]


@router.post("", status_code=201, response_model=IssuedView,
             responses={201: {"headers": {"Location": {"schema": {"type": "string"}}}}})
def create_subscription(body: NewSubscription, gateway: GatewayDep,
                        principal: Admin) -> JSONResponse:
    """Subscribe to a feed; the answer holds the feed URL, which cannot be read again."""
    issued = subscribe(gateway.engine, principal.tenant, TargetKind(body.kind), body.ref,
                       clock=gateway.clock)
    base = gateway.settings.public_base_url.rstrip("/")
    view = IssuedView(**SubscriptionView.of(issued.subscription).model_dump(),
                      feedUrl=f"{base}{issued.feed_path}")
    return JSONResponse(view.model_dump(mode="json"), status_code=201, headers={
        "Location": f"{_BASE}/{issued.subscription.id}", "Cache-Control": "no-store"})


@router.get("", response_model=SubscriptionList)
def list_subscriptions(
    gateway: GatewayDep, principal: Admin,
    include_revoked: Annotated[bool, Query(alias="includeRevoked")] = False,
) -> SubscriptionList:
    """The tenant's subscriptions, oldest first, without their tokens."""
    found = CalendarSubscriptions(gateway.engine).list(principal.tenant,
                                                       include_revoked=include_revoked)
    return SubscriptionList(items=[SubscriptionView.of(s) for s in found])


@router.delete("/{subscriptionId}", status_code=204, response_class=Response)
def revoke_subscription(
    subscription_id: Annotated[UUID, Path(alias="subscriptionId")],
    gateway: GatewayDep, principal: Admin,
) -> Response:
    """Revoke a subscription: its feed URL answers 404 from now on. Idempotent."""
    CalendarSubscriptions(gateway.engine, gateway.clock).revoke(principal.tenant,
                                                                subscription_id)
    return Response(status_code=204)
