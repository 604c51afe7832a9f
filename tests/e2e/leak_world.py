"""The world the leak test runs every flow of issue 4 in: an SIS, a gateway, their clients.

- the simulated SIS (:func:`tests.integration.sis_school.serving_school`) with a small
  school, serving its catalogue and population and taking the gateway's forwarded
  applications; ``SchoolSis.change`` lets the test make it serve a broken person;
- the gateway on SQLite with the SIS as its source, its API on loopback (uvicorn with its
  own logging left to the root logger, as ``gateway serve`` runs it), and a relay to the
  Tansu broker or to the in-memory publisher;
- one HTTP client for every caller of the gateway that records the body of every refused
  request (status 400 and up).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from gateway.adapters.standards import Standards
from gateway.api.app import create_app
from gateway.api.auth.clients import ClientRegistry
from gateway.api.testing import settings_for_tests
from gateway.bootstrap import Gateway, bootstrap
from gateway.events.publisher import InMemoryEventPublisher
from gateway.settings import SourceConfig
from gateway.store.engine import make_engine
from gateway.store.migrate import upgrade
from gateway.sync.intake_submission import school_today
from gateway.testing.serving import serve_in_thread
from tests.integration.sis_school import SchoolSis, serving_school

__all__ = ["CLIENTS", "TENANT", "World", "new_id", "running_world"]

TENANT = "roc-a"
FLOW_1_5, FLOW_2_3_4 = "nl-test-admin-flow-1-5", "nl-test-admin-flow-2-3-4"
#: The gateway's clients: the SIS pushing, the exam planner, an intake front end, an LMS
#: that may read personal data, one that may not, and an operator.
CLIENTS = {
    "sis-push": [FLOW_1_5],
    "planner": [FLOW_2_3_4],
    "intake": ["intake:write", "intake:read"],
    "lms": ["persons:personal-data:read", "events:read"],
    "timetable": ["events:read"],
    "operator": ["persons:erase", "audit:read"],
}


@dataclass
class World:
    gateway: Gateway
    sis: SchoolSis
    standards: Standards
    base: str
    secrets: dict[str, str]
    http: httpx.Client
    #: (method, path, status, body) of every refused request to the gateway.
    refused: list[tuple[str, str, int, str]] = field(default_factory=list)
    tokens: dict[str, str] = field(default_factory=dict)

    def call(self, client: str | None, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """``method path`` on the gateway as ``client`` (None: without a token)."""
        headers = dict(kwargs.pop("headers", {}))
        if client is not None:
            headers["Authorization"] = f"Bearer {self.token(client)}"
        return self.http.request(method, f"{self.base}{path}", headers=headers, **kwargs)

    def mbo(self, client: str | None, method: str, path: str, body: Any = None,
            **kwargs: Any) -> httpx.Response:
        """A request to the mbo profile's receiving side (JSON body, merge patch for PATCH)."""
        headers = {"Content-Type": "application/merge-patch+json" if method == "PATCH"
                   else "application/json"}
        content = body if isinstance(body, bytes) else json.dumps(body).encode()
        return self.call(client, method, f"/ooapi/v5-mbo{path}", content=content,
                         headers=headers, **kwargs)

    def token(self, client: str) -> str:
        if client not in self.tokens:
            reply = self.http.post(f"{self.base}/oauth/token",
                                   data={"grant_type": "client_credentials"},
                                   auth=(client, self.secrets[client]))
            assert reply.status_code == 200, reply.text
            self.tokens[client] = reply.json()["access_token"]
        return self.tokens[client]

    def _record(self, response: httpx.Response) -> None:
        if response.status_code >= 400:
            response.read()
            self.refused.append((response.request.method, response.request.url.path,
                                 response.status_code, response.text))


@contextmanager
def running_world(
    tmp_path: Path, standards: Standards, *, kafka_bootstrap: str | None, students: int = 30,
) -> Iterator[World]:
    """Build the world; the gateway, its server and the SIS stop when the block ends."""
    with ExitStack() as stack:
        today = school_today(lambda: datetime.now(UTC))
        sis = stack.enter_context(serving_school(standards, students=students, offerings=6,
                                                 seed=4, today=today))
        source = SourceConfig(tenant=TENANT, name="sis", base_url=sis.url,
                              token_url=f"{sis.url}/oauth/token", client_id=sis.client_id,
                              client_secret=sis.secret, page_size=20)
        settings = settings_for_tests(
            standards_dir=standards.root, sources=[source], token_ttl_seconds=3600,
            topic_prefix=f"leak{uuid.uuid4().hex[:8]}", kafka_bootstrap_servers=kafka_bootstrap,
            kafka_topic_partitions=1)
        engine = make_engine(f"sqlite:///{tmp_path}/gateway.db")
        stack.callback(engine.dispose)
        upgrade(engine)
        publisher = None if kafka_bootstrap else InMemoryEventPublisher()
        gateway = bootstrap(settings, engine=engine, publisher=publisher)
        stack.callback(gateway.close)
        registry = ClientRegistry.for_gateway(gateway)
        client_secrets = {name: registry.register(TENANT, name, scopes)
                          for name, scopes in CLIENTS.items()}
        port = stack.enter_context(serve_in_thread(create_app(gateway), log_config=None,
                                                   log_level="debug"))
        world = World(gateway, sis, standards, f"http://127.0.0.1:{port}", client_secrets,
                      httpx.Client(timeout=60))
        world.http.event_hooks["response"] = [world._record]
        stack.callback(world.http.close)
        yield world


def new_id() -> str:
    return str(uuid.uuid4())
