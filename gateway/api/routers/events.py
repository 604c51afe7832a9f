"""The embedded event log over HTTP: pages by cursor, and a server-sent-events stream.

A client reads only its own tenant's events: the tenant comes from the token. Events are
CloudEvents in structured JSON form, the same documents ``gateway events tail`` prints; the
cursor is the outbox sequence number, so a reader resumes exactly where it stopped (for the
stream, through the standard ``Last-Event-ID`` header).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from functools import cache
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Depends, Header, Query, Request
from pydantic import BaseModel, Field
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.concurrency import run_in_threadpool

from gateway.api.deps import GatewayDep, Principal, require_scope
from gateway.errors import ValidationError
from gateway.events.envelope import to_structured
from gateway.events.log import EventLog
from gateway.events.schemas import event_schemas

__all__ = ["PING_INTERVAL", "POLL_INTERVAL", "EventsPage", "router"]

router = APIRouter(tags=["events"])

#: Seconds between polls of the log once a stream has caught up (read per request).
POLL_INTERVAL = 0.5
#: Seconds between comment pings on an idle stream, so proxies keep the connection.
PING_INTERVAL = 15.0
_STREAM_BATCH = 500
_MAX_CURSOR = 2**63 - 1  # the database's BIGINT; larger values would fail in the driver

Reader = Annotated[Principal, Depends(require_scope("events:read"))]
Cursor = Annotated[int, Query(ge=0, le=_MAX_CURSOR, description="Read events after this one.")]
Types = Annotated[
    list[str] | None,
    Query(alias="type", max_length=100, description="Only these event types (repeatable)."),
]


class EventsPage(BaseModel):
    """One page of the log."""

    events: list[dict[str, Any]] = Field(description="CloudEvents, structured JSON form.")
    cursor: int = Field(description="Pass as `after` to read on (unchanged when none was new).")
    next: str = Field(description="The URL of the next page.")


@cache
def _all_types() -> frozenset[str]:
    return frozenset(event_schemas())


def _known_types(types: list[str] | None) -> tuple[str, ...]:
    """The requested types, refusing unknown ones: a typo would otherwise match nothing."""
    if not types:
        return ()
    for position, type_ in enumerate(types):
        if type_ not in _all_types():
            raise ValidationError(
                "unknown event type; see /schemas/events", path=f"/query/type/{position}"
            )
    return tuple(dict.fromkeys(types))


@router.get("/events", response_model=EventsPage)
def read_events(
    request: Request,
    gateway: GatewayDep,
    principal: Reader,
    after: Cursor = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    type_: Types = None,
) -> EventsPage:
    """A page of the caller's tenant's events, oldest first, after the cursor `after`."""
    page = gateway.event_log.read(
        principal.tenant, after=after, limit=limit, types=_known_types(type_)
    )
    return EventsPage(
        events=[to_structured(event) for event in page.events],
        cursor=page.cursor,
        next=str(request.url.include_query_params(after=page.cursor)),
    )


async def _stream(
    log: EventLog, tenant: str, after: int, types: tuple[str, ...]
) -> AsyncIterator[ServerSentEvent]:
    """Events from ``after`` on, forever; sse-starlette cancels it when the client leaves."""
    cursor = after
    while True:
        page = await run_in_threadpool(
            log.read, tenant, after=cursor, limit=_STREAM_BATCH, types=types
        )
        for event in page.events:
            yield ServerSentEvent(
                data=json.dumps(to_structured(event), separators=(",", ":"), ensure_ascii=False),
                id=str(event.seq),
                event=event.type,
            )
        cursor = page.cursor
        if len(page.events) < _STREAM_BATCH:  # caught up: wait for news
            await anyio.sleep(POLL_INTERVAL)


@router.get(
    "/events/stream",
    response_class=EventSourceResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
def stream_events(
    gateway: GatewayDep,
    principal: Reader,
    after: Cursor = 0,
    type_: Types = None,
    last_event_id: Annotated[
        int | None,
        Header(ge=0, le=_MAX_CURSOR, description="Resume after this event (wins over after)."),
    ] = None,
) -> EventSourceResponse:
    """The caller's tenant's events as server-sent events, live.

    `id` is the cursor, `event` the CloudEvent type, `data` the structured CloudEvent.
    Reconnecting with `Last-Event-ID` resumes after that event; idle streams get a
    comment ping every 15 seconds.
    """
    start = after if last_event_id is None else last_event_id
    return EventSourceResponse(
        _stream(gateway.event_log, principal.tenant, start, _known_types(type_)),
        ping=PING_INTERVAL,
    )
