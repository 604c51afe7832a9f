"""The event log and the event contract over real HTTP on loopback (uvicorn in a thread).

Events are written with the store; clients get tokens from ``POST /oauth/token`` and read
by cursor page by page, and over server-sent events with ``Last-Event-ID`` resumption.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
import pytest
import yaml

from gateway.api.app import create_app
from gateway.api.auth.clients import ClientRegistry
from gateway.api.routers import events as events_router
from gateway.bootstrap import Gateway, bootstrap
from gateway.settings import Settings
from gateway.store.engine import make_engine
from gateway.store.migrate import upgrade
from gateway.testing.serving import serve_in_thread
from tests import factories

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"
OFFERING_UPSERTED = "nl.mbo.catalogue.programme-offering.upserted.v1"


@dataclass
class Server:
    base: str
    gateway: Gateway
    secrets: dict[str, str]

    def token(self, client_id: str) -> str:
        reply = httpx.post(
            f"{self.base}/oauth/token", data={"grant_type": "client_credentials"},
            auth=(client_id, self.secrets[client_id]), timeout=10,
        )
        assert reply.status_code == 200, reply.text
        token: str = reply.json()["access_token"]
        return token

    def client(self, client_id: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.token(client_id)}"} if client_id else {}
        return httpx.Client(base_url=self.base, headers=headers, timeout=10)

    def write(self, tenant: str, count: int, prefix: str = "o") -> None:
        self.gateway.store.upsert(
            [factories.offering(tenant, ident=f"{prefix}{n}") for n in range(count)]
        )

    def event_ids(self, tenant: str) -> list[str]:
        return [e.event_id for e in self.gateway.event_log.read(tenant, limit=10_000).events]


@pytest.fixture
def server(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Server]:
    monkeypatch.setattr(events_router, "POLL_INTERVAL", 0.05)
    settings = Settings(
        token_secret=secrets.token_hex(32), database_url=sqlite_url,
        kafka_bootstrap_servers=None, oauth_jwks_url=None,
        tenants=[{"id": "roc-a", "name": "ROC A"}, {"id": "roc-b", "name": "ROC B"}],
    )
    engine = make_engine(sqlite_url)
    upgrade(engine)
    gateway = bootstrap(settings, engine=engine)
    registry = ClientRegistry.for_gateway(gateway)
    client_secrets = {
        "reader-a": registry.register("roc-a", "reader-a", ["events:read"]),
        "reader-b": registry.register("roc-b", "reader-b", ["events:read"]),
        "other-a": registry.register("roc-a", "other-a", ["catalogue:read"]),
    }
    try:
        with serve_in_thread(create_app(gateway), timeout_graceful_shutdown=5) as port:
            yield Server(f"http://127.0.0.1:{port}", gateway, client_secrets)
    finally:
        gateway.close()


def _read_sse(lines: Iterator[str], count: int) -> list[dict[str, Any]]:
    """The next ``count`` events from the lines of an SSE response, comments included.

    Pass the same ``response.iter_lines()`` iterator to read on: a response streams once.
    """
    found: list[dict[str, Any]] = []
    current: dict[str, Any] = {}
    for line in lines:
        if line.startswith(":"):
            found.append({"comment": line[1:].strip()})
            continue
        if line == "":
            if current:
                found.append(current)
                current = {}
            if sum("data" in f for f in found) >= count:
                return found
            continue
        name, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        current[name] = current[name] + "\n" + value if name in current else value
    raise AssertionError(f"stream ended after {found}")


def _events(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [f for f in found if "data" in f]


# -- pages ------------------------------------------------------------------------------------


def test_pages_by_cursor_without_loss_or_repeat(server: Server) -> None:
    server.write("roc-a", 23)
    server.write("roc-b", 4)
    seen: list[str] = []
    with server.client("reader-a") as client:
        url = "/events?limit=5"
        for _ in range(10):
            reply = client.get(url)
            assert reply.status_code == 200
            page = reply.json()
            seen += [e["id"] for e in page["events"]]
            query = parse_qs(urlsplit(page["next"]).query)
            assert query == {"limit": ["5"], "after": [str(page["cursor"])]}
            if not page["events"]:
                break
            assert len(page["events"]) <= 5
            url = page["next"]
        else:
            pytest.fail("paging did not reach the end")
    assert seen == server.event_ids("roc-a")
    assert len(seen) == 23


def test_events_are_structured_cloudevents(server: Server) -> None:
    server.write("roc-a", 1)
    with server.client("reader-a") as client:
        (event,) = client.get("/events").json()["events"]
    assert event["specversion"] == "1.0"
    assert event["type"] == OFFERING_UPSERTED
    assert event["tenant"] == "roc-a"
    assert event["dataschema"] == f"urn:mbo-gateway:schema:events:{OFFERING_UPSERTED}"
    assert event["subject"] == event["data"]["entity"]["id"]
    assert event["entityversion"] == 1


def test_the_type_filter_selects_and_refuses_unknown_types(server: Server) -> None:
    server.write("roc-a", 2)
    server.gateway.store.upsert([factories.cohort("roc-a")])
    with server.client("reader-a") as client:
        cohorts = client.get("/events", params={"type": "nl.mbo.catalogue.cohort.upserted.v1"})
        both = client.get("/events", params=[
            ("type", "nl.mbo.catalogue.cohort.upserted.v1"), ("type", OFFERING_UPSERTED),
        ])
        unknown = client.get("/events", params={"type": "nl.mbo.catalogue.cohort.upserted"})
    assert [e["type"] for e in cohorts.json()["events"]] == [
        "nl.mbo.catalogue.cohort.upserted.v1"
    ]
    assert len(both.json()["events"]) == 3
    assert unknown.status_code == 422
    assert unknown.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    "query", ["after=abc", "after=-1", "after=99999999999999999999", "limit=0", "limit=1001"]
)
def test_bad_cursor_or_limit_is_a_422_problem(server: Server, query: str) -> None:
    with server.client("reader-a") as client:
        reply = client.get(f"/events?{query}")
    assert reply.status_code == 422
    assert reply.headers["content-type"] == "application/problem+json"
    assert reply.json()["status"] == 422


def test_reading_events_needs_a_token_with_the_events_scope(server: Server) -> None:
    with server.client() as anonymous, server.client("other-a") as other:
        assert anonymous.get("/events").status_code == 401
        assert anonymous.get("/events/stream").status_code == 401
        assert other.get("/events").status_code == 403


def test_a_client_never_sees_another_tenants_events(server: Server) -> None:
    server.write("roc-a", 3)
    server.write("roc-b", 5, prefix="b")
    with server.client("reader-a") as a, server.client("reader-b") as b:
        seen_a = a.get("/events", params={"tenant": "roc-b", "limit": 1000}).json()["events"]
        seen_b = b.get("/events", params={"limit": 1000}).json()["events"]
        with a.stream("GET", "/events/stream", headers={"X-Tenant": "roc-b"}) as stream:
            streamed_a = _events(_read_sse(stream.iter_lines(), 3))
    assert {e["tenant"] for e in seen_a} == {"roc-a"}
    assert [e["id"] for e in seen_a] == server.event_ids("roc-a")
    assert [e["id"] for e in seen_b] == server.event_ids("roc-b")
    assert [json.loads(e["data"])["tenant"] for e in streamed_a] == ["roc-a"] * 3


# -- server-sent events -----------------------------------------------------------------------


def test_the_stream_sends_ids_types_and_live_events(server: Server) -> None:
    server.write("roc-a", 4)
    log = server.gateway.event_log.read("roc-a", limit=100).events
    with server.client("reader-a") as client, client.stream("GET", "/events/stream") as stream:
        assert stream.status_code == 200
        assert stream.headers["content-type"].startswith("text/event-stream")
        lines = stream.iter_lines()
        first = _events(_read_sse(lines, 4))
        server.write("roc-a", 2, prefix="live")  # arrives while the stream is open
        live = _events(_read_sse(lines, 2))
    assert [int(e["id"]) for e in first] == [e.seq for e in log]
    assert {e["event"] for e in first + live} == {OFFERING_UPSERTED}
    ids = [json.loads(e["data"])["id"] for e in first + live]
    assert ids == server.event_ids("roc-a")


def test_last_event_id_resumes_without_loss_or_repeat(server: Server) -> None:
    server.write("roc-a", 6)
    with server.client("reader-a") as client:
        with client.stream("GET", "/events/stream") as stream:
            head = _events(_read_sse(stream.iter_lines(), 2))
        server.write("roc-a", 2, prefix="while-away")
        resume = {"Last-Event-ID": head[-1]["id"]}
        # the header wins over ?after=, as a browser's EventSource reconnects with both
        with client.stream("GET", "/events/stream?after=0", headers=resume) as stream:
            rest = _events(_read_sse(stream.iter_lines(), 6))
        with client.stream("GET", f"/events/stream?after={rest[-1]['id']}") as stream:
            server.write("roc-a", 1, prefix="last")
            tail = _events(_read_sse(stream.iter_lines(), 1))
        bad = client.get("/events/stream", headers={"Last-Event-ID": "yesterday"})
    ids = [json.loads(e["data"])["id"] for e in head + rest + tail]
    assert ids == server.event_ids("roc-a")
    assert len(ids) == 9
    assert bad.status_code == 422


def test_an_idle_stream_gets_comment_pings(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(events_router, "PING_INTERVAL", 0.2)
    with server.client("reader-a") as client, client.stream("GET", "/events/stream") as stream:
        lines = stream.iter_lines()
        first = next(lines)
    assert first.startswith(": ping")


# -- schemas and AsyncAPI ---------------------------------------------------------------------


def test_event_schemas_are_public_and_equal_the_committed_files(server: Server) -> None:
    with server.client() as client:
        index = client.get("/schemas/events")
        assert index.status_code == 200
        listed = index.json()["schemas"]
        assert len(listed) == len(list((SCHEMAS / "events").glob("*.json")))
        for entry in listed:
            reply = client.get(entry["url"])
            assert reply.status_code == 200
            assert reply.headers["content-type"] == "application/schema+json"
            committed = (SCHEMAS / "events" / f"{entry['type']}.json").read_text("utf-8")
            assert reply.text == committed
            assert reply.json()["$id"] == entry["dataschema"]


@pytest.mark.parametrize(
    "path",
    [
        "/schemas/events/nl.mbo.catalogue.nothing.upserted.v1.json",
        "/schemas/events/..%2F..%2Fpyproject.toml.json",
        "/schemas/events/%2Fetc%2Fpasswd.json",
        "/schemas/events/.json",
    ],
)
def test_an_unknown_schema_is_a_404_problem(server: Server, path: str) -> None:
    with server.client() as client:
        reply = client.get(path)
    assert reply.status_code == 404
    assert reply.headers["content-type"] == "application/problem+json"


def test_asyncapi_is_served_and_its_payload_refs_resolve_over_http(server: Server) -> None:
    with server.client() as client:
        as_yaml = client.get("/asyncapi.yaml")
        as_json = client.get("/asyncapi.json")
        assert as_yaml.status_code == as_json.status_code == 200
        assert as_yaml.headers["content-type"].startswith("application/yaml")
        doc = yaml.safe_load(as_yaml.text)
        assert doc == as_json.json()
        assert doc["asyncapi"] == "3.0.0"
        for name, message in doc["components"]["messages"].items():
            target = urljoin(f"{server.base}/asyncapi.yaml", message["payload"]["$ref"])
            reply = client.get(target)
            assert reply.status_code == 200, target
            assert reply.json()["$id"] == f"urn:mbo-gateway:schema:events:{name}"
