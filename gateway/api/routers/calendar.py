"""iCalendar feeds: ``GET /calendar/{token}.ics`` for a group, a person or a room.

Calendar clients send no OAuth token, so the secret is the token in the URL (see
:mod:`gateway.store.calendar_subscriptions`); an unknown, malformed or revoked one is a
404 problem that does not echo it. Each request first catches the timetable index up
with the event log (one small query when nothing is new), so a feed is never staler than
the store.

Clients poll every few minutes. The ``ETag`` is computed from the index alone -- the
newest event that touched the feed's rows, the window's first day, and the renderer's
version -- so ``If-None-Match`` is answered with a 304 before any activity is read or
rendered. The tag is weak (``W/``): it names the feed's content as of the index, and a
write landing between the stamp and the render can make a body a moment newer than its
tag; ``If-None-Match`` compares weakly anyway (RFC 9110 13.1.2), and nothing here needs
byte ranges. A 200 reads the feed's activities (ids from the index, then their states
by key) and renders them (:mod:`gateway.mappings.icalendar_out`); the body is kept by
its tag and display name (:mod:`gateway.api.feed_cache`), so the other subscribers of a
klas get the same bytes without a render. ``Cache-Control: private, no-cache``: the URL
is a secret, so no shared cache may keep the feed, and every use revalidates (cheaply,
thanks to the tag).

The feed covers :data:`WINDOW_BACK` before today (Europe/Amsterdam) to
:data:`WINDOW_AHEAD` after it; activities overlapping that window are listed.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime, time, timedelta
from typing import Annotated
from uuid import NAMESPACE_URL, UUID, uuid5

from fastapi import APIRouter, Header, Request, Response
from sqlalchemy import Engine, select

from gateway.api.deps import GatewayDep
from gateway.api.feed_cache import feed_cache
from gateway.api.problems import problem_response
from gateway.domain.rostering import TimetableActivity
from gateway.mappings.icalendar_out import AMSTERDAM, FeedEvent, feed_calendar
from gateway.store.calendar_subscriptions import CalendarSubscriptions, Subscription
from gateway.store.tables import entities
from gateway.store.timetable_index import FeedTarget, TargetKind, TimetableIndex
from gateway.store.timetable_projection import TimetableProjection

__all__ = ["MEDIA_TYPE", "WINDOW_AHEAD", "WINDOW_BACK", "feed_etag", "router"]

MEDIA_TYPE = "text/calendar; charset=utf-8"
WINDOW_BACK = timedelta(weeks=4)
WINDOW_AHEAD = timedelta(days=365)
#: Raise when the rendering changes, so every client fetches the new form once.
RENDER_VERSION = "1"
CACHE_CONTROL = "private, no-cache"

router = APIRouter(tags=["calendar"])


def window(now: datetime) -> tuple[date, date]:
    """First and last day (Europe/Amsterdam) a feed covers at ``now``."""
    today = now.astimezone(AMSTERDAM).date()
    return today - WINDOW_BACK, today + WINDOW_AHEAD


def feed_etag(target: FeedTarget, stamp: int, first_day: date) -> str:
    """The weak validator of a feed: changes with its rows, its window and the renderer."""
    basis = f"{RENDER_VERSION}|{target.tenant}|{target.kind}|{target.ref}|{stamp}|{first_day}"
    return f'W/"{hashlib.sha256(basis.encode()).hexdigest()[:32]}"'


def matches(if_none_match: str | None, etag: str) -> bool:
    """Weak comparison of ``If-None-Match`` (a list of tags, or ``*``) with ``etag``."""
    if not if_none_match:
        return False
    opaque = etag.removeprefix("W/")
    for tag in if_none_match.split(","):
        tag = tag.strip()
        if tag == "*" or tag.removeprefix("W/") == opaque:
            return True
    return False


@router.get(
    "/calendar/{token}.ics",
    response_class=Response,
    responses={200: {"content": {"text/calendar": {}},
                     "description": "The feed (RFC 5545)."},
               304: {"description": "Unchanged since the `ETag` sent in `If-None-Match`."},
               404: {"description": "No live subscription has this token."}},
)
def read_feed(
    token: str,
    request: Request,
    gateway: GatewayDep,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """The iCalendar feed of one subscription (group, person or room)."""
    subscription = CalendarSubscriptions(gateway.engine).find(token)
    if subscription is None:
        return problem_response(404, detail="No calendar feed has this address; it may "
                                "have been revoked.", instance="/calendar")
    target = FeedTarget(subscription.tenant, subscription.kind, subscription.ref)
    TimetableProjection(gateway.engine, clock=gateway.clock).catch_up(target.tenant)
    index = TimetableIndex(gateway.engine)
    first, last = window(gateway.clock())
    etag = feed_etag(target, index.stamp(target), first)
    headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL}
    if matches(if_none_match, etag):
        return Response(status_code=304, headers=headers)
    name = _name(gateway.engine, subscription)
    cache = feed_cache(gateway.engine)
    body = cache.get((etag, name))
    if body is None:
        start = datetime.combine(first, time(), AMSTERDAM)
        end = datetime.combine(last + timedelta(days=1), time(), AMSTERDAM)
        stored = index.activities(target, start=start, end=end)
        body = feed_calendar(
            (FeedEvent(TimetableActivity.model_validate(a.state), a.version, a.updated_at)
             for a in stored),
            calendar_id=_calendar_id(target), name=name, window=(first, last))
        cache.put((etag, name), body)
    return Response(body, media_type=MEDIA_TYPE, headers=headers)


def _calendar_id(target: FeedTarget) -> UUID:
    """The feed's own UID: one per target, whichever subscription reads it."""
    return uuid5(NAMESPACE_URL, f"urn:mbo-gateway:calendar:{target.tenant}:{target.kind.value}:"
                                f"{target.ref}")


def _name(engine: Engine, subscription: Subscription) -> str:
    """A display name without personal data: a group's code, a room's code."""
    if subscription.kind is TargetKind.ROOM:
        return f"Rooster lokaal {subscription.ref}"
    if subscription.kind is TargetKind.PERSON:
        return "Rooster"
    with engine.connect() as conn:
        state = conn.execute(select(entities.c.state).where(
            entities.c.tenant == subscription.tenant,
            entities.c.id == str(UUID(subscription.ref)),
            entities.c.kind == "group")).scalar()
    return f"Rooster {state['code']}" if state else "Rooster groep"
