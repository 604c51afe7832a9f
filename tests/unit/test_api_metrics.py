"""Prometheus metrics: per-app registry, requests by route template, outbox gauges."""

from __future__ import annotations

import re
import secrets
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import insert

from gateway.api.app import create_app
from gateway.api.testing import TENANT_A, gateway_on_sqlite, settings_for_tests
from gateway.bootstrap import Gateway
from gateway.events.outbox import OutboxEvent
from gateway.store.tables import outbox

pytestmark = pytest.mark.anyio


def asgi_client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


@pytest.fixture
async def client(gateway: Gateway) -> AsyncIterator[httpx.AsyncClient]:
    async with asgi_client(create_app(gateway)) as client:
        yield client


def _outbox_row(published: bool) -> dict[str, object]:
    now = datetime.now(UTC)
    event = OutboxEvent(
        tenant=TENANT_A, event_id=str(uuid.uuid4()), topic="mbo.roc-a.catalogue", key="k",
        type="nl.mbo.catalogue.cohort.upserted.v1", source="/test", subject="s",
        entity_version=1, dataschema="cohort.json", time=now, data={},
    )
    return {**event.row(), "published_at": now if published else None}


def _sample(exposition: str, name: str, **labels: str) -> float:
    label_text = ",".join(f'{k}="{v}"' for k, v in labels.items())
    pattern = re.escape(f"{name}{{{label_text}}}" if labels else name) + r" ([0-9.e+-]+)$"
    match = re.search(pattern, exposition, re.MULTILINE)
    assert match, f"{name} {labels} not in the exposition"
    return float(match.group(1))


async def test_metrics_count_requests_by_route_template_and_status(
    client: httpx.AsyncClient,
) -> None:
    for _ in range(3):
        await client.get("/livez")
    await client.get("/no/such/page")
    await client.delete("/livez")
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert _sample(
        text, "gateway_http_requests_total", method="GET", route="/livez", status="200"
    ) == 3
    assert _sample(
        text, "gateway_http_requests_total", method="GET", route="unmatched", status="404"
    ) == 1
    assert _sample(
        text, "gateway_http_requests_total", method="DELETE", route="/livez", status="405"
    ) == 1
    assert _sample(
        text, "gateway_http_request_duration_seconds_count", method="GET", route="/livez"
    ) == 3
    assert "/no/such/page" not in text


async def test_metrics_report_outbox_rows_at_scrape_time(
    client: httpx.AsyncClient, gateway: Gateway
) -> None:
    text = (await client.get("/metrics")).text
    assert _sample(text, "gateway_outbox_rows") == 0
    with gateway.engine.begin() as conn:
        conn.execute(insert(outbox), [_outbox_row(True), _outbox_row(False), _outbox_row(False)])
    text = (await client.get("/metrics")).text
    assert _sample(text, "gateway_outbox_rows") == 3
    assert _sample(text, "gateway_outbox_unpublished_rows") == 2


async def test_two_apps_in_one_process_keep_their_own_metrics(
    client: httpx.AsyncClient, gateway: Gateway
) -> None:
    async with asgi_client(create_app(gateway)) as other:
        await other.get("/livez")
        await other.get("/livez")
        await client.get("/livez")
        text = (await client.get("/metrics")).text
    assert _sample(
        text, "gateway_http_requests_total", method="GET", route="/livez", status="200"
    ) == 1


async def test_a_metrics_token_closes_the_endpoint_to_scrapers_without_it(
    tmp_path: Path,
) -> None:
    token = secrets.token_urlsafe(24)
    gateway = gateway_on_sqlite(tmp_path / "gw.db", settings_for_tests(metrics_token=token))
    try:
        async with asgi_client(create_app(gateway)) as client:
            bare = await client.get("/metrics")
            wrong = await client.get("/metrics", headers={"Authorization": "Bearer nope"})
            basic = await client.get("/metrics", headers={"Authorization": f"Basic {token}"})
            right = await client.get("/metrics", headers={"Authorization": f"Bearer {token}"})
    finally:
        gateway.close()
    assert [r.status_code for r in (bare, wrong, basic)] == [401, 401, 401]
    assert bare.headers["content-type"] == "application/problem+json"
    assert 'error="invalid_token"' in wrong.headers["www-authenticate"]
    assert token not in bare.text + wrong.text
    assert right.status_code == 200 and "gateway_outbox_rows" in right.text
    assert _sample(right.text, "gateway_http_requests_total", method="GET",
                   route="/metrics", status="401") == 3  # refused scrapes are counted too


async def test_a_placeholder_metrics_token_is_refused() -> None:
    with pytest.raises(ValueError, match="placeholder"):
        settings_for_tests(metrics_token="changeme")
