"""A gateway with the intake API on a real server (uvicorn on loopback), seeded with cohorts.

The gateway runs on the real clock (its tokens must verify against it), so the cohorts'
windows are set around the real Dutch "today": ``open`` (from 60 days ago to 60 days
ahead), ``closed`` (status closed), ``later`` (opens in 30 days) and ``passed`` (closed
30 days ago); ``other-tenant`` belongs to roc-b. Clients:
``intake-a`` (roc-a, intake:write), ``reader-a`` (roc-a, intake:read), ``events-a``
(roc-a, events:read), ``intake-b`` (roc-b, intake:write).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

import httpx

from gateway.api.app import create_app
from gateway.api.auth.clients import ClientRegistry
from gateway.api.testing import settings_for_tests
from gateway.bootstrap import Gateway, bootstrap
from gateway.domain import Cohort, Person, PersonalData
from gateway.store.engine import make_engine
from gateway.store.migrate import upgrade
from gateway.store.persons import PersonStore
from gateway.sync.intake_submission import SCHOOL_TIMEZONE
from gateway.testing.serving import serve_in_thread
from tests import factories

CLIENTS = {"intake-a": ("roc-a", ["intake:write"]), "reader-a": ("roc-a", ["intake:read"]),
           "events-a": ("roc-a", ["events:read"]), "intake-b": ("roc-b", ["intake:write"])}
#: A new applicant as the intake API takes it.
APPLICANT_EXAMPLE = {"givenName": "Sem", "familyName": "Jansen", "birthDate": "2009-05-04",
                     "email": "sem.jansen@example.org"}
KNOWN_PERSON_DATA = PersonalData(given_name="Known", family_name="Student",
                                 email="known.student@example.org")


def today() -> date:
    """The Dutch calendar date now, as the intake sees it."""
    return datetime.now(UTC).astimezone(SCHOOL_TIMEZONE).date()


@dataclass
class IntakeServer:
    base: str
    gateway: Gateway
    secrets: dict[str, str]
    cohorts: dict[str, Cohort]
    person: Person
    _tokens: dict[str, str] = field(default_factory=dict)

    def token(self, client_id: str) -> str:
        if client_id not in self._tokens:
            reply = httpx.post(f"{self.base}/oauth/token",
                               data={"grant_type": "client_credentials"},
                               auth=(client_id, self.secrets[client_id]), timeout=10)
            assert reply.status_code == 200, reply.text
            self._tokens[client_id] = reply.json()["access_token"]
        return self._tokens[client_id]

    def client(self, client_id: str) -> httpx.Client:
        return httpx.Client(base_url=self.base, timeout=60,
                            headers={"Authorization": f"Bearer {self.token(client_id)}"})

    def apply(self, client: httpx.Client, body: dict[str, Any], key: str | None = None,
              ) -> httpx.Response:
        headers = {} if key is None else {"Idempotency-Key": f'"{key}"'}
        return client.post("/intake/v1/applications", json=body, headers=headers)

    def events(self, tenant: str = "roc-a", type_: str | None = None) -> list[Any]:
        events = self.gateway.event_log.read(tenant, limit=10_000).events
        return [e for e in events if type_ is None or e.type == type_]


def new_key() -> str:
    return str(uuid.uuid4())


def windows(ident: str, offering: UUID, *, opens: int, closes: int, **over: Any) -> Cohort:
    """A cohort of roc-a whose application window is [today+opens, today+closes]."""
    day = today()
    return factories.cohort(
        "roc-a", ident, offering, application_start=day + timedelta(days=opens),
        application_end=day + timedelta(days=closes),
        start_date=day + timedelta(days=max(closes, opens) + 10), **over)


def _seed(gateway: Gateway) -> tuple[dict[str, Cohort], Person]:
    offering = factories.offering("roc-a")
    cohorts = {
        "open": windows("c-open", offering.id, opens=-60, closes=60),
        "closed": windows("c-closed", offering.id, opens=-60, closes=60, status="closed"),
        "later": windows("c-later", offering.id, opens=30, closes=90, code="LATE"),
        "passed": windows("c-passed", offering.id, opens=-90, closes=-30, code="EARLY"),
        "other-tenant": factories.cohort("roc-b", "c-b", factories.offering("roc-b").id,
                                         application_start=today() - timedelta(days=10),
                                         application_end=None,
                                         start_date=today() + timedelta(days=60)),
    }
    gateway.store.upsert([offering, factories.offering("roc-b"), *cohorts.values()])
    person: Person = Person.create(tenant="roc-a", source=factories.src("p-known"))
    written = PersonStore(gateway.store).upsert(person, KNOWN_PERSON_DATA)
    return cohorts, written.person


@contextmanager
def intake_server(database_url: str, **settings: Any) -> Iterator[IntakeServer]:
    """A seeded gateway on ``database_url`` serving its API on loopback."""
    engine = make_engine(database_url)
    upgrade(engine)
    gateway = bootstrap(settings_for_tests(database_url=database_url, **settings),
                        engine=engine)
    try:
        registry = ClientRegistry.for_gateway(gateway)
        secrets = {name: registry.register(tenant, name, scopes)
                   for name, (tenant, scopes) in CLIENTS.items()}
        cohorts, person = _seed(gateway)
        with serve_in_thread(create_app(gateway)) as port:
            yield IntakeServer(f"http://127.0.0.1:{port}", gateway, secrets, cohorts, person)
    finally:
        gateway.close()
