"""Cap request bodies before anything parses them.

A declared ``Content-Length`` above the cap is refused at once, without reading a byte
of the body. A body without one (chunked transfer encoding) is counted as it streams in
and refused as soon as the running total passes the cap, so it is never buffered whole.

Starlette's own ``RequestBodyLimitMiddleware`` (1.x) answers in plain text, only refuses
once the app reads the body, and accepts a malformed ``Content-Length``; this one answers
with problem+json, refuses early and rejects a ``Content-Length`` that is not a number.
"""

from __future__ import annotations

import re

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.api.problems import problem_response

__all__ = ["BodySizeLimitMiddleware", "BodyTooLarge"]

#: RFC 9110 §8.6: one or more ASCII digits; ``int()`` would also take "+5", " 5" and "5_0".
_DIGITS = re.compile(rb"[0-9]{1,20}")


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` when a streamed body passes the cap.

    An ``HTTPException`` so that FastAPI's body parsing lets it through (it turns any
    other exception from ``receive`` into a 400) and the problem handlers answer 413.
    """

    def __init__(self, limit: int) -> None:
        super().__init__(
            413, f"The request body exceeds the limit of {limit} bytes.",
            # the rest of the body stays unread: the connection cannot be reused
            headers={"Connection": "close"},
        )


class BodySizeLimitMiddleware:
    """Pure ASGI middleware refusing bodies larger than ``max_body_bytes``.

    Example::

        app.add_middleware(BodySizeLimitMiddleware, max_body_bytes=settings.max_body_bytes)
    """

    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", "")) or None
        declared = [v for k, v in scope.get("headers", ()) if k.lower() == b"content-length"]
        if declared:
            values = {v.strip() for v in declared}
            if len(values) != 1 or not _DIGITS.fullmatch(next(iter(values))):
                response = problem_response(
                    400, detail="The Content-Length header is not a number.", instance=path,
                    headers={"Connection": "close"},
                )
                await response(scope, receive, send)
                return
            if int(next(iter(values))) > self.max_body_bytes:
                await self._refuse(scope, receive, send)
                return

        received = 0
        started = False

        async def receive_counting() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise BodyTooLarge(self.max_body_bytes)
            return message

        async def send_tracking(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive_counting, send_tracking)
        except BodyTooLarge:
            # Reached only when no exception handler turned it into a response already.
            if started:
                raise
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem_response(
            413,
            detail=f"The request body exceeds the limit of {self.max_body_bytes} bytes.",
            instance=str(scope.get("path", "")) or None,
            headers={"Connection": "close"},
        )
        await response(scope, receive, send)
