"""A timetabling system's feed host for the importer's tests: one ``.ics`` over real HTTP.

It answers ``GET /feeds/<token>/rooster.ics`` with the current body, an ETag (a digest of
the body) and Last-Modified, honours ``If-None-Match`` with ``304 Not Modified`` (when
``conditional`` is on), and can be told to fail with a status a number of times.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from gateway.testing.serving import serve_in_thread

PATH = "/feeds/t0ken/rooster.ics"


@dataclass
class FeedHost:
    body: bytes = b""
    conditional: bool = True
    failures: list[int] = field(default_factory=list)
    #: ``(If-None-Match sent, status answered)`` per request.
    log: list[tuple[str | None, int]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""

    def publish(self, body: bytes) -> None:
        with self.lock:
            self.body = body

    @property
    def etag(self) -> str:
        return f'"{hashlib.sha256(self.body).hexdigest()[:16]}"'

    async def feed(self, request: Request) -> Response:
        with self.lock:
            sent = request.headers.get("if-none-match")
            if self.failures:
                status = self.failures.pop(0)
                self.log.append((sent, status))
                return Response(b"unavailable", status_code=status,
                                headers={"Retry-After": "0"})
            headers = {"ETag": self.etag} if self.conditional else {}
            if self.conditional:
                headers["Last-Modified"] = "Sun, 22 Nov 2026 08:00:00 GMT"
            if self.conditional and sent == self.etag:
                self.log.append((sent, 304))
                return Response(status_code=304, headers=headers)
            self.log.append((sent, 200))
            return Response(self.body, media_type="text/calendar; charset=utf-8",
                            headers=headers)


@contextmanager
def serving_feed() -> Iterator[FeedHost]:
    host = FeedHost()
    app = Starlette(routes=[Route(PATH, host.feed)])
    with serve_in_thread(app) as port:
        host.url = f"http://127.0.0.1:{port}{PATH}"
        yield host
