"""The personal-data API over real HTTP: audited reads, scopes, tenants, the audit log, erasure."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from uuid import UUID, uuid4

import httpx
import pytest
from sqlalchemy import select

from gateway.api.app import create_app
from gateway.api.auth.clients import ClientRegistry
from gateway.api.testing import gateway_on_sqlite
from gateway.bootstrap import Gateway
from gateway.domain import Person, PersonalData, SourceRef
from gateway.store.audit import audit_log
from gateway.store.persons import PersonStore
from gateway.testing.serving import serve_in_thread

ECK = "https://ketenid.nl/201703/1b2c3d4e5f"
MAARTJE = PersonalData(
    given_name="Maartje", family_name_prefix="van", family_name="Damme",
    birth_date=date(2003, 9, 30), email="maartje.vandamme@example.nl",
    street_address="Lange Nieuwstraat 12", postal_code="3512 PH", locality="Utrecht",
    country="NL",
)
SCOPES = {
    "lms": ["persons:personal-data:read"],
    "planner": ["events:read"],
    "lms-b": ["persons:personal-data:read"],
    "operator": ["audit:read", "persons:erase"],
    "operator-b": ["audit:read"],
}
TENANT_OF = {"lms-b": "roc-b", "operator-b": "roc-b"}


@dataclass
class Api:
    base: str
    gateway: Gateway
    secrets: dict[str, str]
    person: UUID

    def client(self, client_id: str | None) -> httpx.Client:
        headers = {}
        if client_id:
            reply = httpx.post(f"{self.base}/oauth/token",
                               data={"grant_type": "client_credentials"},
                               auth=(client_id, self.secrets[client_id]), timeout=10)
            assert reply.status_code == 200, reply.text
            headers["Authorization"] = f"Bearer {reply.json()['access_token']}"
        return httpx.Client(base_url=self.base, headers=headers, timeout=10)

    def audit_rows(self) -> list[dict[str, object]]:
        with self.gateway.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(select(audit_log)
                                                           .order_by(audit_log.c.seq))]


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    gateway = gateway_on_sqlite(tmp_path / "gw.db")
    registry = ClientRegistry.for_gateway(gateway)
    client_secrets = {cid: registry.register(TENANT_OF.get(cid, "roc-a"), cid, scopes)
                      for cid, scopes in SCOPES.items()}
    person = Person.create(tenant="roc-a", source=SourceRef(system="sis", id="1001"),
                           eck_id=ECK)
    PersonStore(gateway.store).upsert(person, MAARTJE)
    try:
        with serve_in_thread(create_app(gateway)) as port:
            yield Api(f"http://127.0.0.1:{port}", gateway, client_secrets, person.id)
    finally:
        gateway.close()


def _path(person: UUID | str) -> str:
    return f"/api/v1/persons/{person}/personal-data"


def test_a_read_returns_the_personal_data_and_is_audited_with_field_names_only(
    api: Api,
) -> None:
    with api.client("lms") as client:
        reply = client.get(_path(api.person))
    assert reply.status_code == 200, reply.text
    assert reply.headers["cache-control"] == "no-store"
    assert reply.json() == {
        "personId": str(api.person), "eckId": ECK, "givenName": "Maartje",
        "familyNamePrefix": "van", "familyName": "Damme", "birthDate": "2003-09-30",
        "email": "maartje.vandamme@example.nl",
        "address": {"streetAddress": "Lange Nieuwstraat 12", "postalCode": "3512 PH",
                    "locality": "Utrecht", "country": "NL"},
    }
    [row] = api.audit_rows()
    assert (row["tenant"], row["client_id"], row["issuer"], row["person_id"], row["action"],
            row["outcome"]) == ("roc-a", "lms", "mbo-gateway", str(api.person), "read",
                                "granted")
    assert json.loads(str(row["fields"])) == [
        "address.country", "address.locality", "address.postalCode", "address.streetAddress",
        "birthDate", "eckId", "email", "familyName", "familyNamePrefix", "givenName"]
    assert row["at"] is not None
    stored = json.dumps(api.audit_rows(), default=str)
    for value in ("Maartje", "Damme", "2003", "example.nl", "Nieuwstraat", "3512", "Utrecht"):
        assert value not in stored


def test_a_read_without_the_scope_is_refused_and_audited(api: Api) -> None:
    with api.client("planner") as client:
        reply = client.get(_path(api.person))
    assert reply.status_code == 403
    assert reply.headers["content-type"] == "application/problem+json"
    assert "Maartje" not in reply.text
    [row] = api.audit_rows()
    assert (row["client_id"], row["person_id"], row["outcome"], row["fields"]) == (
        "planner", str(api.person), "forbidden", "[]")


def test_the_tenant_comes_from_the_token(api: Api) -> None:
    with api.client("lms-b") as client:
        reply = client.get(_path(api.person))
    assert reply.status_code == 404
    assert "Maartje" not in reply.text
    [row] = api.audit_rows()
    assert (row["tenant"], row["outcome"]) == ("roc-b", "not-found")


def test_unknown_person_is_audited_and_malformed_or_anonymous_requests_are_not(
    api: Api,
) -> None:
    unknown = uuid4()
    with api.client("lms") as client:
        assert client.get(_path(unknown)).status_code == 404
        bad = client.get(_path("maartje@example.nl"))
    assert bad.status_code == 422
    problem = bad.json()
    assert problem["errors"] == [{"path": "/path/personId", "message": "personId must be a UUID"}]
    with api.client(None) as anonymous:
        assert anonymous.get(_path(api.person)).status_code == 401
    assert [(r["person_id"], r["outcome"]) for r in api.audit_rows()] == [
        (str(unknown), "not-found")]


def test_operators_read_the_audit_log_of_their_own_tenant(api: Api) -> None:
    other = uuid4()
    with api.client("lms") as client:
        client.get(_path(api.person))
        client.get(_path(other))
        client.get(_path(api.person))
    with api.client("operator") as operator:
        everything = operator.get("/api/v1/audit").json()
        of_person = operator.get("/api/v1/audit", params={"person": str(api.person)}).json()
        after = operator.get("/api/v1/audit",
                             params={"after": everything["entries"][0]["seq"], "limit": 1})
    assert [e["personId"] for e in everything["entries"]] == [
        str(api.person), str(other), str(api.person)]
    assert [e["outcome"] for e in of_person["entries"]] == ["granted", "granted"]
    assert {e["clientId"] for e in of_person["entries"]} == {"lms"}
    assert [e["personId"] for e in after.json()["entries"]] == [str(other)]
    assert after.json()["cursor"] == everything["entries"][1]["seq"]
    with api.client("operator-b") as operator_b:
        assert operator_b.get("/api/v1/audit").json()["entries"] == []
    with api.client("lms") as client:
        assert client.get("/api/v1/audit").status_code == 403


def test_erasure_over_http_removes_the_data_leaves_a_tombstone_and_is_audited(
    api: Api,
) -> None:
    with api.client("lms") as client:
        refused = client.delete(_path(api.person))
    assert refused.status_code == 403
    with api.client("operator") as operator:
        first = operator.delete(_path(api.person))
        again = operator.delete(_path(api.person))
        missing = operator.delete(_path(uuid4()))
    assert (first.status_code, first.content) == (204, b"")
    assert again.status_code == 204
    assert missing.status_code == 404
    with api.client("lms") as client:
        assert client.get(_path(api.person)).status_code == 404
    deleted = [e for e in api.gateway.event_log.read("roc-a", limit=100).events
               if e.type == "nl.mbo.person.person.deleted.v1"]
    assert len(deleted) == 1
    assert deleted[0].data == {"entity": {"id": str(api.person), "tenant": "roc-a",
                                          "source": {"system": "sis", "id": "1001"}},
                               "changedFields": []}
    assert [(r["client_id"], r["action"], r["outcome"]) for r in api.audit_rows()] == [
        ("lms", "erase", "forbidden"), ("operator", "erase", "granted"),
        ("operator", "erase", "granted"), ("operator", "erase", "not-found"),
        ("lms", "read", "not-found")]
    # the person came with an ECK iD: its upsert event in the log no longer carries it
    assert json.loads(str(api.audit_rows()[1]["fields"])) == ["event_log", "person_data"]
    upserts = [e for e in api.gateway.event_log.read("roc-a", limit=100).events
               if e.type == "nl.mbo.person.person.upserted.v1" and e.subject == str(api.person)]
    assert upserts and all(e.data["entity"]["eck_id"] is None for e in upserts)
