"""iCalendar feeds: ``GET`` and ``HEAD /calendar/{token}.ics`` for a group, a person or a room.

Calendar clients send no OAuth token, so the secret is the token in the URL (see
:mod:`gateway.store.calendar_subscriptions`); an unknown, malformed or revoked one is a
404 problem that does not echo it. Each request first catches the timetable index up
with the event log (one small query when nothing is new), so a feed is never staler than
the store.

Clients poll every few minutes, and proxies and some clients ask with ``HEAD`` first. The
validators are computed from the index alone, in one statement
(:meth:`~gateway.store.timetable_index.TimetableIndex.feed_stamp`), so a 304 is answered
before any activity or entity is read. They cover every input of the body:

- the activities listed, through the newest event that touched the feed's index rows
  (removed links, ended or re-dated memberships included);
- the calendar's display name (a group's code: its index row moves with a rename);
- the window, through its first day; the feed's own UID, through the target;
- the renderer, through :data:`RENDER_VERSION` and a digest of the calendar's frame
  (the VTIMEZONE the ``icalendar`` library derives from the tz database).

The ``ETag`` is weak (``W/``): it names the feed's content as of the index, and a write
landing between the stamp and the render can make a body a moment newer than its tag;
``If-None-Match`` compares weakly anyway (RFC 9110 13.1.2), and nothing here needs byte
ranges. ``Last-Modified`` is the newest change's time, or the last midnight
(Europe/Amsterdam) when that is later, because the window moves then; it is left out while
that moment is less than a second old, as a later change in the same second could not
move it (RFC 9110 8.8.2.2). Conditional requests follow RFC 9110 13.2.2
(:mod:`gateway.api.conditional`). A 200 reads the feed's activities (ids from the index,
then their states by key) and renders them (:mod:`gateway.mappings.icalendar_out`); the
body is kept by its tag (:mod:`gateway.api.feed_cache`), so the other subscribers of a klas
get the same bytes without a render. A ``HEAD`` answers exactly the ``GET``'s status and
header fields, ``Content-Length`` included, without the body.

``Cache-Control: private, no-cache``: the URL is a secret, so no shared cache may keep the
feed, and every use revalidates (cheaply, thanks to the validators).

The feed covers :data:`WINDOW_BACK` before today (Europe/Amsterdam) to
:data:`WINDOW_AHEAD` after it; activities overlapping that window are listed.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated
from uuid import NAMESPACE_URL, UUID, uuid5

from fastapi import APIRouter, Header, Response

from gateway.api.conditional import http_date, not_modified
from gateway.api.deps import GatewayDep
from gateway.api.feed_cache import feed_cache
from gateway.api.problems import problem_response
from gateway.bootstrap import Gateway
from gateway.domain.rostering import TimetableActivity
from gateway.mappings.icalendar_out import AMSTERDAM, FeedEvent, feed_calendar, frame_digest
from gateway.store.calendar_subscriptions import CalendarSubscriptions
from gateway.store.timetable_index import FeedStamp, FeedTarget, TargetKind, TimetableIndex
from gateway.store.timetable_projection import TimetableProjection

__all__ = ["MEDIA_TYPE", "WINDOW_AHEAD", "WINDOW_BACK", "feed_etag", "last_modified", "router"]

MEDIA_TYPE = "text/calendar; charset=utf-8"
WINDOW_BACK = timedelta(weeks=4)
WINDOW_AHEAD = timedelta(days=365)
#: Raise when the rendering changes, so every client fetches the new form once.
RENDER_VERSION = "1"
CACHE_CONTROL = "private, no-cache"
#: A ``Last-Modified`` younger than this is not sent (see the module docstring).
SETTLED = timedelta(seconds=1)

router = APIRouter(tags=["calendar"])

_PATH = "/calendar/{token}.ics"
_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {"content": {"text/calendar": {}}, "description": "The feed (RFC 5545)."},
    304: {"description": "Unchanged since the `ETag` in `If-None-Match` (or, without one, "
                         "since the date in `If-Modified-Since`)."},
    404: {"description": "No live subscription has this token."},
}
_Conditions = Annotated[list[str] | None, Header()]


def window(now: datetime) -> tuple[date, date]:
    """First and last day (Europe/Amsterdam) a feed covers at ``now``."""
    today = now.astimezone(AMSTERDAM).date()
    return today - WINDOW_BACK, today + WINDOW_AHEAD


def feed_etag(target: FeedTarget, stamp: int, first_day: date, name: str) -> str:
    """The weak validator of a feed: changes with its rows, window, name and the renderer.

    The renderer: :data:`RENDER_VERSION` for the events' text, and a digest of the frame
    (VTIMEZONE and calendar properties) for the window's years, which a new ``icalendar``
    or tz database can change.
    """
    last_day = first_day + WINDOW_BACK + WINDOW_AHEAD
    basis = "|".join((RENDER_VERSION, frame_digest(first_day.year, last_day.year),
                      target.tenant, target.kind.value, target.ref, str(stamp),
                      str(first_day), name))
    return f'W/"{hashlib.sha256(basis.encode()).hexdigest()[:32]}"'


def last_modified(stamp: FeedStamp, now: datetime) -> datetime | None:
    """The feed's ``Last-Modified`` at ``now`` (whole seconds, UTC); None: not sent.

    The newest change the index holds for the feed, or the last midnight (the window's
    move) when that is later; None while that moment is less than :data:`SETTLED` old
    (or, by a clock's skew, in the future).
    """
    midnight = datetime.combine(now.astimezone(AMSTERDAM).date(), time(), AMSTERDAM)
    newest = midnight if stamp.changed_at is None else max(stamp.changed_at, midnight)
    if now - newest < SETTLED:
        return None
    return newest.astimezone(UTC).replace(microsecond=0)


@router.get(_PATH, response_class=Response, responses=_RESPONSES)
def read_feed(
    token: str,
    gateway: GatewayDep,
    if_none_match: _Conditions = None,
    if_modified_since: _Conditions = None,
) -> Response:
    """The iCalendar feed of one subscription (group, person or room)."""
    return _feed(gateway, token, if_none_match or [], if_modified_since or [], head=False)


@router.head(_PATH, response_class=Response, responses=_RESPONSES)
def read_feed_head(
    token: str,
    gateway: GatewayDep,
    if_none_match: _Conditions = None,
    if_modified_since: _Conditions = None,
) -> Response:
    """The header fields a ``GET`` of the feed would answer with, without its body."""
    return _feed(gateway, token, if_none_match or [], if_modified_since or [], head=True)


def _feed(gateway: Gateway, token: str, if_none_match: list[str],
          if_modified_since: list[str], *, head: bool) -> Response:
    subscription = CalendarSubscriptions(gateway.engine).find(token)
    if subscription is None:
        return _answer(problem_response(404, detail="No calendar feed has this address; it "
                                        "may have been revoked.", instance="/calendar"), head)
    target = FeedTarget(subscription.tenant, subscription.kind, subscription.ref)
    TimetableProjection(gateway.engine, clock=gateway.clock).catch_up(target.tenant)
    index = TimetableIndex(gateway.engine)
    now = gateway.clock()
    first, last = window(now)
    stamp = index.feed_stamp(target)
    name = _name(target, stamp.label)
    etag = feed_etag(target, stamp.seq, first, name)
    modified = last_modified(stamp, now)
    headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL}
    if modified is not None:
        headers["Last-Modified"] = http_date(modified)
    if not_modified(if_none_match=if_none_match, if_modified_since=if_modified_since,
                    etag=etag, last_modified=modified, now=now):
        return Response(status_code=304, headers=headers)
    cache = feed_cache(gateway.engine)
    body = cache.get(etag)
    if body is None:
        start = datetime.combine(first, time(), AMSTERDAM)
        end = datetime.combine(last + timedelta(days=1), time(), AMSTERDAM)
        stored = index.activities(target, start=start, end=end)
        body = feed_calendar(
            (FeedEvent(TimetableActivity.model_validate(a.state), a.version, a.updated_at)
             for a in stored),
            calendar_id=_calendar_id(target), name=name, window=(first, last))
        cache.put(etag, body)
    return _answer(Response(body, media_type=MEDIA_TYPE, headers=headers), head)


def _answer(response: Response, head: bool) -> Response:
    """``response`` as is, or for a ``HEAD`` its status and header fields without the body."""
    if not head:
        return response
    return Response(status_code=response.status_code, headers=dict(response.headers))


def _calendar_id(target: FeedTarget) -> UUID:
    """The feed's own UID: one per target, whichever subscription reads it."""
    return uuid5(NAMESPACE_URL, f"urn:mbo-gateway:calendar:{target.tenant}:{target.kind.value}:"
                                f"{target.ref}")


def _name(target: FeedTarget, label: str | None) -> str:
    """A display name without personal data: a group's code, a room's code."""
    if target.kind is TargetKind.ROOM:
        return f"Rooster lokaal {target.ref}"
    if target.kind is TargetKind.PERSON:
        return "Rooster"
    return f"Rooster {label}" if label else "Rooster groep"
