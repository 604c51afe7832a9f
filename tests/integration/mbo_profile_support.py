"""A running gateway with the mbo profile's receiving side, and documents to push to it.

:func:`running_receiver` (for a module fixture, once on SQLite and once on PostgreSQL)
serves the real app over HTTP on loopback, with a catalogue cohort per tenant (for
programme associations) and clients per flow scope:

- ``sis``: roc-a, ``nl-test-admin-flow-1-5`` (the SIS);
- ``planner``: roc-a, ``nl-test-admin-flow-2-3-4`` (the exam planner);
- ``b``: roc-b, ``nl-test-admin-flow-1-5`` (another school);
- ``other``: roc-a, ``events:read`` only.

Every test makes its own ids (``uuid4``), so tests of a module share the server.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx
import pytest

from gateway.adapters.ooapi.mbo_profile import MboProfile, mbo_profile
from gateway.adapters.standards import Standards
from gateway.api.app import create_app
from gateway.api.auth.clients import ClientRegistry
from gateway.api.testing import settings_for_tests
from gateway.bootstrap import Gateway, bootstrap
from gateway.domain import Cohort
from gateway.events.outbox import OutboxEvent
from gateway.events.publisher import InMemoryEventPublisher
from gateway.store.engine import make_engine
from gateway.store.migrate import upgrade
from gateway.testing.postgres import fresh_database
from gateway.testing.serving import serve_in_thread
from tests import factories

PREFIX = "/ooapi/v5-mbo"
FLOW_1_5, FLOW_2_3_4 = "nl-test-admin-flow-1-5", "nl-test-admin-flow-2-3-4"
#: Parameters of a module's receiver fixture: each test runs on both databases.
DATABASES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
CLIENTS = {"sis": ("roc-a", [FLOW_1_5]), "planner": ("roc-a", [FLOW_2_3_4]),
           "b": ("roc-b", [FLOW_1_5]), "other": ("roc-a", ["events:read"])}


def new_id() -> str:
    return str(uuid.uuid4())


@dataclass
class Receiver:
    """The running gateway, a client per token, and the catalogue cohort of each tenant."""

    base: str
    http: httpx.Client
    tokens: dict[str, str]
    gateway: Gateway
    profile: MboProfile
    cohorts: dict[str, Cohort]

    def call(self, method: str, path: str, client: str | None = "sis",
             body: Any = None, **params: Any) -> httpx.Response:
        """``method`` on ``/ooapi/v5-mbo<path>`` with the token of ``client`` (None: none)."""
        headers = {"Authorization": f"Bearer {self.tokens[client]}"} if client else {}
        if method == "PATCH":
            headers["Content-Type"] = "application/merge-patch+json"
        return self.http.request(method, f"{self.base}{path}", json=body, params=params,
                                 headers=headers)

    def put(self, path: str, body: Any, client: str | None = "sis") -> httpx.Response:
        return self.call("PUT", path, client, body)

    def patch(self, path: str, body: Any, client: str | None = "sis") -> httpx.Response:
        return self.call("PATCH", path, client, body)

    def get(self, path: str, client: str | None = "sis", **params: Any) -> httpx.Response:
        return self.call("GET", path, client, **params)

    def valid(self, template: str, reply: httpx.Response, method: str = "get",
              status: int = 200) -> Any:
        """The body of ``reply`` after checking its status and the profile's schema."""
        assert reply.status_code == status, reply.text
        body = reply.json()
        errors = self.profile.validate_response(template, method, status, body)
        assert not errors, [str(e) for e in errors[:5]]
        return body

    def head(self, tenant: str = "roc-a") -> int:
        return self.gateway.event_log.head(tenant)

    def events_after(self, cursor: int, tenant: str = "roc-a") -> list[OutboxEvent]:
        return self.gateway.event_log.read(tenant, after=cursor, limit=10_000).events


def person_doc(pid: str, *, given: str = "Maartje", family: str = "Damme",
               mail: str = "m.vandamme@student.roc-a.nl", eck: str | None = None,
               **extra: Any) -> dict[str, Any]:
    """A person as an SIS pushes it (the profile's example, with its own ids)."""
    doc: dict[str, Any] = {
        "personId": pid, "primaryCode": {"codeType": "studentNumber", "code": pid[:8]},
        "givenName": given, "surnamePrefix": "van", "surname": family,
        "displayName": f"{given} van {family}", "initials": "MCW", "activeEnrollment": True,
        "affiliations": ["student"], "mail": mail, "dateOfBirth": "2007-03-14",
        "languageOfChoice": ["nl-NL"],
        "address": {"addressType": "postal", "street": "Dorpsstraat", "streetNumber": "12",
                    "postalCode": "1234 AB", "city": "Amstelveen", "countryCode": "NL"},
        "consumers": [{"consumerKey": "nl-test-admin", "preferredName": "Maar",
                       "idCheckName": f"van {family}, {given}"}],
    }
    if eck:
        doc["otherCodes"] = [{"codeType": "eckid", "code": eck}]
    doc.update(extra)
    return doc


def offering_doc(oid: str, *, start: str = "2026-06-21T12:45:00+02:00",
                 end: str = "2026-06-21T13:45:00+02:00", state: str = "active",
                 name: str = "Rekenen MBO-3, zitting 21 juni") -> dict[str, Any]:
    """A component offering (an exam session), after the profile's example."""
    return {
        "offeringId": oid,
        "primaryCode": {"codeType": "offeringCode", "code": f"rekenen-{oid[:8]}"},
        "offeringType": "component",
        "name": [{"language": "nl-NL", "value": name}],
        "description": [{"language": "nl-NL", "value": "Centraal examen rekenen"}],
        "teachingLanguage": "nld", "modeOfDelivery": ["situated"], "resultExpected": True,
        "consumers": [{"consumerKey": "nl-test-admin", "duration": "PT60M",
                       "startOptions": "individualStart", "offeringState": state,
                       "locationCode": "A-22"}],
        "startDateTime": start, "endDateTime": end,
        "component": "c5fca27e-ccc1-430d-9888-90e005ad6a86",
    }


def association_doc(aid: str, person: str, offering: str, *,
                    kind: str = "componentOfferingAssociation", state: str = "associated",
                    role: str = "student", start: str | None = None,
                    needs: tuple[str, ...] = ("extraTime", "spoken")) -> dict[str, Any]:
    """An association; ``needs`` are the student's personal needs (personal data)."""
    entry: dict[str, Any] = {"consumerKey": "nl-test-admin", "additionalTimeInMin": 30,
                             "personalNeeds": list(needs), "attempt": 1}
    if start:
        entry["startDate"] = start
    return {"associationId": aid, "associationType": kind, "role": role, "state": state,
            "consumers": [entry], "person": person, "offering": offering}


def group_doc(gid: str, *, code: str = "SD4A", name: str = "Software developer 4A",
              kind: str = "class", start: str = "2026-08-01") -> dict[str, Any]:
    return {"groupId": gid, "primaryCode": {"codeType": "groupCode", "code": code},
            "groupType": kind, "name": [{"language": "nl-NL", "value": name}],
            "startDate": start, "endDate": "2027-07-31"}


def member_doc(pid: str, *, state: str = "active", role: str = "student") -> dict[str, Any]:
    return {"personId": pid, "startDateTime": "2026-09-01T08:30:00+02:00",
            "endDateTime": "2027-07-10T17:00:00+02:00", "state": state, "role": role}


@contextmanager
def running_receiver(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
    standards: Standards,
) -> Iterator[Receiver]:
    """The gateway on the database ``request.param`` names, stopped and dropped after."""
    with ExitStack() as stack:
        if request.param == "sqlite":
            url = f"sqlite:///{tmp_path_factory.mktemp('mbo')}/gw.db"
        else:
            url = stack.enter_context(fresh_database(request.getfixturevalue("postgres_server")))
        engine = make_engine(url)
        stack.callback(engine.dispose)
        upgrade(engine)
        gateway = bootstrap(
            settings_for_tests(token_ttl_seconds=3600, standards_dir=standards.root),
            engine=engine, publisher=InMemoryEventPublisher())
        stack.callback(gateway.close)
        cohorts = {}
        for tenant in ("roc-a", "roc-b"):
            programme = factories.offering(tenant)
            # the SIS's own id of the cohort is a UUID, as the profile's ids are
            cohorts[tenant] = factories.cohort(tenant, ident=str(uuid.uuid4()),
                                               offering_id=programme.id,
                                               start_date=date(2026, 9, 1))
            gateway.store.upsert([programme, cohorts[tenant]])
        registry = ClientRegistry.for_gateway(gateway)
        client_secrets = {name: registry.register(tenant, f"mbo-{name}", scopes)
                          for name, (tenant, scopes) in CLIENTS.items()}
        base = f"http://127.0.0.1:{stack.enter_context(serve_in_thread(create_app(gateway)))}"
        http = stack.enter_context(httpx.Client(timeout=30))
        tokens = {}
        for name, secret in client_secrets.items():
            reply = http.post(f"{base}/oauth/token", data={"grant_type": "client_credentials"},
                              auth=(f"mbo-{name}", secret))
            assert reply.status_code == 200, reply.text
            tokens[name] = reply.json()["access_token"]
        yield Receiver(f"{base}{PREFIX}", http, tokens, gateway, mbo_profile(standards),
                       cohorts)
