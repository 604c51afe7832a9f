"""The simulated timetabling system over HTTP: its feeds, cheap to poll when nothing changed.

``create_timetable_app(school)`` serves:

- ``GET /school.ics``: the whole school in one feed (every klas's lessons and exams);
- ``GET /groups/{groupId}.ics``: one klas's feed (``groupId``: the SIS's OOAPI id);
- ``GET /feeds``: the URLs of all feeds (JSON), for clients that fetch per klas.

Feeds are public, as timetabling systems publish them to subscribers behind an
unguessable URL. Each reply carries a strong ``ETag`` (a hash of the body) and
``Last-Modified`` (the time of the last change); ``If-None-Match`` (or, without it,
``If-Modified-Since``) that still matches answers ``304 Not Modified`` without a body, as
calendar clients polling every few minutes expect.
"""

from __future__ import annotations

from email.utils import format_datetime, parsedate_to_datetime

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from simulators.timetable.ics import Feed, FeedRenderer
from simulators.timetable.school import TimetableSchool

__all__ = ["MEDIA_TYPE", "create_timetable_app", "not_modified"]

MEDIA_TYPE = "text/calendar; charset=utf-8"


def not_modified(request: Request, etag: str, modified_http: str) -> bool:
    """Whether the client's validators still match (RFC 9110 13.1.2 and 13.1.3)."""
    match = request.headers.get("if-none-match")
    if match is not None:
        tags = {t.strip().removeprefix("W/") for t in match.split(",")}
        return "*" in tags or etag in tags
    since = request.headers.get("if-modified-since")
    if since is None:
        return False
    try:
        return parsedate_to_datetime(since) >= parsedate_to_datetime(modified_http)
    except (TypeError, ValueError):  # an unparsable date is ignored, as RFC 9110 says
        return False


def create_timetable_app(school: TimetableSchool) -> Starlette:
    """The ASGI app serving ``school``'s feeds (see the module docstring)."""
    renderer = FeedRenderer(school)
    index = {gid: n for n, gid in enumerate(school.group_ids)}

    def reply(request: Request, group: int | None) -> Response:
        with school.lock:
            feed: Feed = renderer.feed(group)
            modified = format_datetime(school.modified, usegmt=True)
        headers = {"ETag": feed.etag, "Last-Modified": modified, "Cache-Control": "no-cache"}
        if not_modified(request, feed.etag, modified):
            return Response(status_code=304, headers=headers)
        return Response(feed.body, media_type=MEDIA_TYPE, headers=headers)

    def whole_school(request: Request) -> Response:
        return reply(request, None)

    def one_group(request: Request) -> Response:
        group = index.get(request.path_params["group_id"])
        if group is None:
            return PlainTextResponse("no such group", status_code=404)
        return reply(request, group)

    def feeds(request: Request) -> Response:
        return JSONResponse({"school": "/school.ics",
                             "groups": [f"/groups/{gid}.ics" for gid in school.group_ids]})

    return Starlette(routes=[
        Route("/school.ics", whole_school, methods=["GET"]),
        Route("/groups/{group_id}.ics", one_group, methods=["GET"]),
        Route("/feeds", feeds, methods=["GET"]),
    ])
