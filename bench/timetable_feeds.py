"""(c) of the timetable benchmark: how long the gateway's ``.ics`` feed of one klas takes.

Calendar clients poll every few minutes, so what matters is a request when nothing changed
(``If-None-Match`` -> 304, answered from the timetable index without reading activities)
and when it did (200 with the klas's year, rendered; the in-process body cache is emptied
before each of these, so every one renders), and a 200 another client's request already
rendered (from the cache). The klas is one the day of changes
touches; the gateway (``create_app``, uvicorn on loopback) imports that day only after the
unchanged figures are taken, so the first request with the old ETag afterwards is the
"it changed" case (it also catches the index up with the day's events).

Raw floor, measured the same way: a bare Starlette app on the same server answering a
304 to the same ``If-None-Match``, and a 200 with the very bytes of the gateway's feed.
Printed: p50 and p99 of each, and the floor's p50 over the gateway's (a ratio of rates).
"""

from __future__ import annotations

import math
import time
from datetime import date

import httpx
from sqlalchemy import func, select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from gateway.api.app import create_app
from gateway.api.feed_cache import feed_cache
from gateway.api.routers import calendar
from gateway.bootstrap import Gateway
from gateway.mappings.ooapi_v5_mbo_in import canonical_id
from gateway.store.calendar_subscriptions import subscribe
from gateway.store.tables import outbox
from gateway.store.timetable_index import TargetKind
from gateway.store.timetable_page import EVENT_TYPES
from gateway.sync.ical_import import run_ical_sync
from gateway.testing.serving import serve_in_thread
from simulators.timetable import TimetableSchool

__all__ = ["measure_feeds"]

UNCHANGED_REQUESTS, RENDERED_REQUESTS = 300, 60
#: The second day of changes, the week after the benchmark's first.
DAY = date(2026, 11, 30)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1)]


def latencies(http: httpx.Client, path: str, count: int, status: int,
              headers: dict[str, str] | None = None) -> list[float]:
    """Seconds of ``count`` GETs of ``path``; each must answer ``status``."""
    out = []
    for _ in range(count):
        began = time.perf_counter()
        reply = http.get(path, headers=headers)
        out.append(time.perf_counter() - began)
        assert reply.status_code == status, (reply.status_code, reply.text[:200])
    return out


def floor_app(body: bytes, etag: str) -> Starlette:
    """The least a feed endpoint can do: compare the tag, or send the bytes."""

    def feed(request: Request) -> Response:
        if request.headers.get("if-none-match") == etag:
            return Response(status_code=304, headers={"ETag": etag})
        return Response(body, media_type=calendar.MEDIA_TYPE, headers={"ETag": etag})

    return Starlette(routes=[Route("/feed.ics", feed)])


def line(label: str, gateway: list[float], floor: list[float] | None = None) -> None:
    p50, p99 = percentile(gateway, 0.5) * 1000, percentile(gateway, 0.99) * 1000
    text = f"  {label:<44} p50 {p50:8.2f} ms  p99 {p99:8.2f} ms  ({len(gateway)} requests)"
    if floor:
        f50 = percentile(floor, 0.5) * 1000
        text += f"  floor p50 {f50:.2f} ms, ratio {f50 / p50:5.2f}"
    print(text, flush=True)


def measure_feeds(gateway: Gateway, school: TimetableSchool, tenant: str, source: str) -> None:
    """Print the feed latencies (see the module docstring); fails on a wrong status."""
    changes = school.changes_for_day(DAY)  # the simulator changes; the gateway not yet
    uids = {c.uid for c in changes}
    group = next(s.group for s in school.series if s.uid in uids)
    ref = str(canonical_id(tenant, "group", school.group_ids[group]))
    with gateway.engine.connect() as conn:
        indexed = conn.scalar(select(func.count()).select_from(outbox).where(
            outbox.c.tenant == tenant, outbox.c.type.in_(EVENT_TYPES))) or 0
    started = time.perf_counter()
    issued = subscribe(gateway.engine, tenant, TargetKind.GROUP, ref, clock=gateway.clock)
    t_subscribe = time.perf_counter() - started
    app = create_app(gateway)
    if not any(getattr(r, "path", "") == "/calendar/{token}.ics" for r in app.routes):
        app.include_router(calendar.router)  # until the app wires the calendar router
    path = issued.feed_path
    with serve_in_thread(app) as port, httpx.Client(base_url=f"http://127.0.0.1:{port}",
                                                    timeout=120) as http:
        first = latencies(http, path, 1, 200)
        reply = http.get(path)
        etag, body = reply.headers["etag"], reply.content
        unchanged = latencies(http, path, UNCHANGED_REQUESTS, 304, {"If-None-Match": etag})
        rendered: list[float] = []
        for _ in range(RENDERED_REQUESTS):  # every request renders: the cache is emptied
            feed_cache(gateway.engine).clear()
            rendered += latencies(http, path, 1, 200)
        cached = latencies(http, path, RENDERED_REQUESTS, 200)
        report = run_ical_sync(gateway, tenant, source, full=False)
        assert gateway.relay is not None and gateway.relay.drain() == report.events
        after_change = latencies(http, path, 1, 200, {"If-None-Match": etag})
        new_etag = http.get(path).headers["etag"]
        assert new_etag != etag, "the klas's feed did not change"
        latencies(http, path, 1, 304, {"If-None-Match": new_etag})
    with serve_in_thread(floor_app(body, etag)) as port, \
            httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120) as http:
        floor_304 = latencies(http, "/feed.ics", UNCHANGED_REQUESTS, 304,
                              {"If-None-Match": etag})
        floor_200 = latencies(http, "/feed.ics", RENDERED_REQUESTS, 200)
    events = body.count(b"BEGIN:VEVENT")
    print(f"  feed of one klas: {events} activities, {len(body) / 1024:.0f} KiB; subscribe "
          f"(catches the index up with the year's {indexed:,} events) {t_subscribe:.1f} s = "
          f"{indexed / t_subscribe:,.0f} events/s; first request {first[0] * 1000:.0f} ms",
          flush=True)
    line("gateway feed: nothing changed (304)", unchanged, floor_304)
    line("gateway feed: full render (200)", rendered, floor_200)
    line("gateway feed: 200 of a body another client had", cached, floor_200)
    line("gateway feed: first request after a change", after_change)
