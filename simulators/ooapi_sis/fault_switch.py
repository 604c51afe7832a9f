"""The fault switch of the simulated SIS: named mutations of its conformant replies.

A :class:`Mode` bends the replies of the requests it matches the way a non-conformant
supplier would (a field dropped, a flag wrong, a status or media type changed, requests
served without a token). :func:`with_fault` wraps a conformant ASGI app with one mode, so
the same SIS serves the conformant run and every faulty one; ``running_sis(...,
fault="ooapi-v5.page-repeats-item")`` switches it on by name. The modes themselves are
in :mod:`.fault_modes`; :mod:`simulators.sis_faults` registers them as faults.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["MODES", "Bend", "Mode", "Request", "get_mode", "register_mode", "with_fault"]


@dataclass(frozen=True)
class Request:
    """What a mode sees of a request: method, path, query (last value of each)."""

    method: str
    path: str
    query: dict[str, str]


Bend = Callable[[Any, Request, dict[str, Any]], Any]


def _same(doc: Any, request: Request, memo: dict[str, Any]) -> Any:
    return doc


@dataclass(frozen=True)
class Mode:
    """One named fault: which replies it bends (``matches``) and how.

    Attributes:
        name: ``<suite>.<what-is-wrong>``, the name of the fault in the registry.
        suite: the contract-test suite that must report it.
        description: what is wrong, in a supplier's words.
        matches: the requests whose replies are bent.
        bend: parsed JSON body -> the body sent (``memo`` is kept per app).
        status: the status sent instead, for the matched replies of ``when_status``.
        when_status: bend only replies with this status (None: any).
        content_type: the media type sent instead.
        open: requests without a token pass as the last authorized one.
    """

    name: str
    suite: str
    description: str
    matches: Callable[[Request], bool]
    bend: Bend = _same
    status: int | None = None
    when_status: int | None = None
    content_type: str | None = None
    open: bool = False


MODES: dict[str, Mode] = {}


def register_mode(mode: Mode) -> Mode:
    """Make ``mode`` switchable by name.

    Raises:
        ValueError: another mode has this name.
    """
    if MODES.get(mode.name, mode) != mode:
        raise ValueError(f"a fault mode named {mode.name} exists")
    MODES[mode.name] = mode
    return mode


def get_mode(name: str) -> Mode:
    """The mode called ``name`` (the modules of modes are imported first).

    Raises:
        KeyError: no such mode.
    """
    from simulators.ooapi_sis import fault_modes  # noqa: F401 - registers the modes

    if name not in MODES:
        raise KeyError(f"no fault mode {name!r}; known: {', '.join(sorted(MODES))}")
    return MODES[name]


def with_fault(app: ASGIApp, mode: Mode | str) -> ASGIApp:
    """``app`` with one fault mode switched on."""
    chosen = get_mode(mode) if isinstance(mode, str) else mode
    memo: dict[str, Any] = {}

    async def faulty(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        request = Request(scope["method"], scope["path"], {
            k: v[-1] for k, v in parse_qs(scope.get("query_string", b"").decode()).items()})
        if chosen.open and not request.path.endswith("/oauth/token"):
            scope = _with_known_token(scope, memo)
        if not chosen.matches(request):
            await app(scope, receive, send)
            return
        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            else:
                chunks.append(message.get("body", b""))

        await app(scope, receive, capture)
        status, body = int(start["status"]), b"".join(chunks)
        headers = [(k, v) for k, v in start.get("headers", [])
                   if k.lower() not in (b"content-length", b"content-type")]
        media = next((v for k, v in start.get("headers", []) if k.lower() == b"content-type"),
                     None)
        if chosen.when_status is None or status == chosen.when_status:
            status, body, media = _bent(chosen, request, memo, status, body, media)
        if media is not None:
            headers.append((b"content-type", media))
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return faulty


def _bent(mode: Mode, request: Request, memo: dict[str, Any], status: int, body: bytes,
          media: bytes | None) -> tuple[int, bytes, bytes | None]:
    if body:
        try:
            doc = json.loads(body)
        except ValueError:
            doc = None
        if doc is not None:
            body = json.dumps(mode.bend(doc, request, memo)).encode()
    if mode.content_type is not None:
        media = mode.content_type.encode()
    return (mode.status if mode.status is not None else status), body, media


def _with_known_token(scope: Scope, memo: dict[str, Any]) -> Scope:
    """Any request passes as the last authorized one: an endpoint open to all."""
    sent = dict(scope["headers"]).get(b"authorization")
    if sent is not None:
        memo["token"] = sent
    headers = [(k, v) for k, v in scope["headers"] if k != b"authorization"]
    if "token" in memo:
        headers.append((b"authorization", memo["token"]))
    return dict(scope, headers=headers)
