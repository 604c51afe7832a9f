"""A simulated SIS with a school population on loopback, whose replies a test may edit.

:func:`serving_school` runs :func:`simulators.ooapi_sis.app.create_sis_app` with a
:class:`SisSchool` in uvicorn on a free port (through :func:`gateway.testing.serving`),
behind a wrapper that passes every JSON reply through ``SchoolSis.change(path, doc)`` and
may answer a status of its own (``SchoolSis.refuse(path)``): how tests make an SIS serve a
broken person or fail half-way.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import httpx

from gateway.adapters.standards import Standards
from gateway.testing.serving import serve_in_thread
from simulators.ooapi_sis.app import create_sis_app
from simulators.ooapi_sis.generator import SisCatalogue
from simulators.ooapi_sis.population import SisSchool
from simulators.ooapi_sis.population_writes import profile_check

__all__ = ["SchoolSis", "serving_school"]

Scope = MutableMapping[str, Any]
Asgi = Callable[[Scope, Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]],
                Awaitable[None]]


@dataclass
class SchoolSis:
    """The simulated SIS of one test and the knobs the test turns."""

    school: SisSchool
    secret: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    client_id: str = "gateway"
    url: str = ""
    #: Edits each JSON reply (status 200) before it leaves.
    change: Callable[[str, dict[str, Any]], None] = lambda path, doc: None
    #: A status to answer instead of the SIS, per path.
    refuse: Callable[[str], int | None] = lambda path: None
    hits: list[str] = field(default_factory=list)

    @property
    def catalogue(self) -> SisCatalogue:
        return self.school.catalogue

    def client(self) -> httpx.Client:
        """An authorised client of the SIS (the caller closes it)."""
        with httpx.Client(base_url=self.url, timeout=30) as plain:
            token = plain.post("/oauth/token", data={"grant_type": "client_credentials"},
                               auth=(self.client_id, self.secret)).json()["access_token"]
        return httpx.Client(base_url=self.url, timeout=30,
                            headers={"Authorization": f"Bearer {token}"})

    def mutate(self, **params: Any) -> dict[str, Any]:
        with self.client() as client:
            reply = client.post("/_simulator/mutate", params=params)
        assert reply.status_code == 200, reply.text
        return dict(reply.json())


def _wrapped(app: Asgi, sis: SchoolSis) -> Asgi:
    async def wrapped(scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        sis.hits.append(scope["path"])
        status = sis.refuse(scope["path"])
        if status is not None:
            await send({"type": "http.response.start", "status": status,
                        "headers": [(b"retry-after", b"0"), (b"content-length", b"2"),
                                    (b"content-type", b"application/json")]})
            await send({"type": "http.response.body", "body": b"{}"})
            return
        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def capture(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            body = b"".join(chunks)
            if start["status"] == 200 and body.startswith(b"{"):
                doc = json.loads(body)
                sis.change(scope["path"], doc)
                body = json.dumps(doc).encode()
            headers = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
            await send({**start, "headers": [*headers,
                                             (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})

        await app(scope, receive, capture)

    return wrapped


@contextmanager
def serving_school(
    standards: Standards, *, students: int, offerings: int = 12, seed: int = 21,
    today: date = date(2026, 3, 1),
) -> Iterator[SchoolSis]:
    """A school of ``students`` on a catalogue of ``offerings`` served on loopback."""
    school = SisSchool(SisCatalogue(offerings, seed=seed, today=today), students=students)
    sis = SchoolSis(school)
    app = create_sis_app(school.catalogue, client_id=sis.client_id, client_secret=sis.secret,
                         school=school, check=profile_check(standards))
    with serve_in_thread(_wrapped(app, sis)) as port:
        sis.url = f"http://127.0.0.1:{port}"
        yield sis
