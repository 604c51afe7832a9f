"""Liveness and readiness probes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from gateway.api.app import create_app
from gateway.api.problems import PROBLEM_MEDIA_TYPE
from gateway.api.testing import gateway_on_sqlite
from gateway.bootstrap import Gateway
from gateway.errors import RetriableUpstreamError
from gateway.events.publisher import InMemoryEventPublisher

pytestmark = pytest.mark.anyio


class UnreachableBroker(InMemoryEventPublisher):
    def check(self) -> None:
        raise RetriableUpstreamError("broker kafka-0:9092 unreachable")


def asgi_client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


@pytest.fixture
async def client(gateway: Gateway) -> AsyncIterator[httpx.AsyncClient]:
    async with asgi_client(create_app(gateway)) as client:
        yield client


async def test_livez_is_ok(client: httpx.AsyncClient) -> None:
    response = await client.get("/livez")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_is_ok_when_database_and_publisher_answer(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "publisher": "ok"}}


async def test_readyz_is_503_when_the_publisher_check_fails(tmp_path: Path) -> None:
    gateway = gateway_on_sqlite(tmp_path / "gw.db", publisher=UnreachableBroker())
    try:
        async with asgi_client(create_app(gateway)) as client:
            response = await client.get("/readyz")
    finally:
        gateway.close()
    assert response.status_code == 503
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    problem = response.json()
    assert problem["type"] == "urn:mbo-gateway:problem:not-ready"
    assert problem["checks"] == {"database": "ok", "publisher": "failed"}
    assert "publisher" in problem["detail"]
    assert "kafka-0" not in response.text


async def test_readyz_is_503_when_the_database_does_not_answer(tmp_path: Path) -> None:
    gateway = gateway_on_sqlite(tmp_path / "missing-dir" / "gw.db", migrate=False)
    try:
        async with asgi_client(create_app(gateway)) as client:
            response = await client.get("/readyz")
            assert (await client.get("/livez")).status_code == 200
    finally:
        gateway.close()
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "failed"
