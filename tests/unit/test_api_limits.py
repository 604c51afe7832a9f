"""Request bodies are capped before parsing: by Content-Length, and while they stream."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import Request
from starlette.types import Message, Receive, Scope, Send

from gateway.api.app import create_app
from gateway.api.limits import BodySizeLimitMiddleware
from gateway.api.problems import PROBLEM_MEDIA_TYPE
from gateway.api.testing import gateway_on_sqlite, settings_for_tests
from gateway.bootstrap import Gateway

pytestmark = pytest.mark.anyio

LIMIT = 4096


@pytest.fixture
def gateway(tmp_path: Path) -> Iterator[Gateway]:
    gw = gateway_on_sqlite(tmp_path / "gw.db", settings_for_tests(max_body_bytes=LIMIT))
    yield gw
    gw.close()


@pytest.fixture
def calls() -> list[int]:
    return []


@pytest.fixture
async def client(gateway: Gateway, calls: list[int]) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(gateway)

    @app.post("/test/echo-size")
    async def echo_size(request: Request) -> dict[str, int]:
        calls.append(1)
        return {"size": len(await request.body())}

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def test_body_within_the_cap_passes(client: httpx.AsyncClient) -> None:
    response = await client.post("/test/echo-size", content=b"x" * LIMIT)
    assert response.status_code == 200
    assert response.json() == {"size": LIMIT}


async def test_declared_length_over_the_cap_is_refused_before_the_app_runs(
    client: httpx.AsyncClient, calls: list[int]
) -> None:
    response = await client.post("/test/echo-size", content=b"x" * (LIMIT + 1))
    assert response.status_code == 413
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert response.json()["type"] == "urn:mbo-gateway:problem:content-too-large"
    assert calls == []


async def test_chunked_body_over_the_cap_is_refused(client: httpx.AsyncClient) -> None:
    sent = 0

    async def chunks() -> AsyncIterator[bytes]:
        nonlocal sent
        for _ in range(100):
            sent += 1
            yield b"x" * 1000

    request = client.build_request("POST", "/test/echo-size", content=chunks())
    assert "content-length" not in request.headers
    assert request.headers["transfer-encoding"] == "chunked"
    response = await client.send(request)
    assert response.status_code == 413
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert response.json()["status"] == 413
    assert sent < 100  # refused while streaming, not after buffering it all


async def test_oversized_json_body_is_413_not_400(client: httpx.AsyncClient) -> None:
    response = await client.post("/oauth/token", content=b"a" * (LIMIT * 2))
    assert response.status_code == 413


# ---- the middleware on its own, at the ASGI level -------------------------------------


async def _run(
    headers: list[tuple[bytes, bytes]], chunks: list[bytes], app_reads: bool = True
) -> tuple[list[Message], int, int]:
    """Run the middleware around an app that reads the whole body; report what happened."""
    pulled = 0
    app_calls = 0
    sent: list[Message] = []

    async def receive() -> Message:
        nonlocal pulled
        chunk = chunks[pulled]
        pulled += 1
        return {"type": "http.request", "body": chunk, "more_body": pulled < len(chunks)}

    async def send(message: Message) -> None:
        sent.append(message)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        nonlocal app_calls
        app_calls += 1
        more = app_reads
        while more:
            message = await receive()
            more = message.get("more_body", False)
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    scope = {"type": "http", "method": "POST", "path": "/x", "headers": headers}
    await BodySizeLimitMiddleware(app, max_body_bytes=LIMIT)(scope, receive, send)
    return sent, pulled, app_calls


async def test_streamed_body_is_refused_without_reading_it_all() -> None:
    sent, pulled, _ = await _run([], [b"x" * 1000] * 100)
    assert sent[0]["status"] == 413
    assert pulled == 5  # 5000 bytes > 4096: the other 95 chunks were never pulled
    assert json.loads(sent[1]["body"])["status"] == 413


async def test_declared_length_is_refused_without_reading_the_body() -> None:
    sent, pulled, app_calls = await _run([(b"content-length", b"5000")], [b"x" * 5000])
    assert sent[0]["status"] == 413
    assert (pulled, app_calls) == (0, 0)
    assert (b"connection", b"close") in sent[0]["headers"]


@pytest.mark.parametrize("value", [b"abc", b"-1", b"+5", b"5_0", b"1e3", b""])
async def test_content_length_that_is_not_a_number_is_a_400(value: bytes) -> None:
    sent, pulled, app_calls = await _run([(b"content-length", value)], [b"x"])
    assert sent[0]["status"] == 400
    assert (pulled, app_calls) == (0, 0)
    assert dict(sent[0]["headers"])[b"content-type"] == PROBLEM_MEDIA_TYPE.encode()


async def test_conflicting_content_lengths_are_a_400() -> None:
    headers = [(b"content-length", b"1"), (b"content-length", b"2")]
    sent, _, _ = await _run(headers, [b"x"])
    assert sent[0]["status"] == 400


async def test_body_at_the_cap_reaches_the_app() -> None:
    sent, pulled, app_calls = await _run(
        [(b"content-length", str(LIMIT).encode())], [b"x" * 1024] * 4
    )
    assert sent[0]["status"] == 204
    assert (pulled, app_calls) == (4, 1)
