"""The intake API over real HTTP on loopback, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest

from gateway.domain.enrolment import EnrolmentState
from gateway.store.motivations import Motivations
from gateway.store.persons import PersonStore
from gateway.sync.intake_applications import IntakeApplications
from tests.integration.intake_support import IntakeServer, intake_server, new_key, today

APPLICATION_UPSERTED = "nl.mbo.enrolment.application.upserted.v1"
APPLICANT = {"givenName": "Zoë", "familyNamePrefix": "van der", "familyName": "Wijngaarden",
             "birthDate": "2009-02-17", "email": "zoe.wijngaarden@example.org",
             "streetAddress": "Lindengracht 12", "postalCode": "1015 KK",
             "locality": "Amsterdam", "country": "NL"}
SECRETS = ("Zoë", "Wijngaarden", "zoe.wijngaarden@example.org", "2009-02-17",
           "Lindengracht", "1015 KK", "Ik wil graag")


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres",
                                                                 marks=pytest.mark.postgres)])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
           ) -> Iterator[IntakeServer]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('intake')}/gw.db"
        with intake_server(url) as running:
            yield running
        return
    from gateway.testing.postgres import fresh_database

    with fresh_database(request.getfixturevalue("postgres_server")) as url, \
            intake_server(url) as running:
        yield running


def _body(server: IntakeServer, cohort: str = "open", **over: Any) -> dict[str, Any]:
    body = {"cohortId": str(server.cohorts[cohort].id),
            "person": {"personId": str(server.person.id)}}
    body.update(over)
    return body


def test_a_known_person_applies_and_reads_the_status(server: IntakeServer) -> None:
    before = len(server.events(type_=APPLICATION_UPSERTED))
    with server.client("intake-a") as client, server.client("reader-a") as reader:
        reply = server.apply(client, _body(server), new_key())
        assert reply.status_code == 201, reply.text
        created = reply.json()
        assert "Idempotent-Replayed" not in reply.headers
        assert reply.headers["location"] == f"/intake/v1/applications/{created['applicationId']}"
        status = reader.get(reply.headers["location"])
    assert created["state"] == "received"
    assert created["cohortId"] == str(server.cohorts["open"].id)
    assert created["personId"] == str(server.person.id)
    assert created["submittedOn"] == today().isoformat()
    assert created["allowedTransitions"] == ["accepted", "in_review", "rejected", "withdrawn"]
    assert created["forwarding"]["status"] == "pending"
    assert status.status_code == 200
    assert status.json() == created
    events = server.events(type_=APPLICATION_UPSERTED)[before:]
    assert len(events) == 1
    assert events[0].topic == "mbo.roc-a.enrolment"
    assert events[0].subject == created["applicationId"]
    assert events[0].data["entity"]["state"] == "received"


def test_a_new_applicant_is_stored_as_personal_data_and_never_published(
    server: IntakeServer, caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    before = server.gateway.event_log.head("roc-a")
    body = _body(server, person=APPLICANT, motivation="Ik wil graag ontwerper worden.")
    with server.client("intake-a") as client:
        reply = server.apply(client, body, new_key())
    assert reply.status_code == 201, reply.text
    created = reply.json()
    person_id = UUID(created["personId"])
    data = PersonStore(server.gateway.store).get_personal_data("roc-a", person_id)
    assert (data.given_name, data.family_name_prefix, data.family_name) == (
        "Zoë", "van der", "Wijngaarden")
    assert str(data.email) == "zoe.wijngaarden@example.org"
    assert Motivations(server.gateway.engine).get("roc-a", UUID(created["applicationId"])) == (
        "Ik wil graag ontwerper worden.")
    events = server.gateway.event_log.read("roc-a", after=before).events
    assert {e.type for e in events} == {"nl.mbo.person.person.upserted.v1", APPLICATION_UPSERTED}
    published = json.dumps([e.data for e in events], ensure_ascii=False)
    seen = published + reply.text + "\n".join(r.getMessage() for r in caplog.records)
    assert [s for s in SECRETS if s in seen] == []


def test_unknown_cohorts_and_persons_are_422_with_the_place(server: IntakeServer) -> None:
    with server.client("intake-a") as client:
        missing = server.apply(client, _body(server, cohortId=str(UUID(int=1))), new_key())
        foreign = server.apply(client, _body(server, "other-tenant"), new_key())
        no_person = server.apply(client, _body(server, person={"personId": str(UUID(int=2))}),
                                 new_key())
    for reply, path in ((missing, "/cohortId"), (foreign, "/cohortId"),
                        (no_person, "/person/personId")):
        assert reply.status_code == 422
        assert reply.headers["content-type"] == "application/problem+json"
        problem = reply.json()
        assert problem["type"] == "urn:mbo-gateway:problem:reference-not-found"
        assert problem["errors"][0]["path"] == path


@pytest.mark.parametrize(("cohort", "reason", "fragment"), [
    ("closed", "cohort-closed", "is closed for applications"),
    ("later", "application-window-not-open", "open on {start}; today is {today}"),
    ("passed", "application-window-passed", "closed after {end}; today is {today}"),
])
def test_a_cohort_not_open_today_is_refused_with_the_reason_and_dates(
    server: IntakeServer, cohort: str, reason: str, fragment: str,
) -> None:
    before = len(server.events(type_=APPLICATION_UPSERTED))
    with server.client("intake-a") as client:
        reply = server.apply(client, _body(server, cohort), new_key())
    assert reply.status_code == 409
    problem = reply.json()
    assert problem["type"] == "urn:mbo-gateway:problem:cohort-not-open"
    assert problem["reason"] == reason
    chosen = server.cohorts[cohort]
    assert fragment.format(start=chosen.application_start, end=chosen.application_end,
                           today=today()) in problem["detail"]
    assert problem["applicationStart"] == chosen.application_start.isoformat()
    assert problem["applicationEnd"] == (chosen.application_end.isoformat()
                                         if chosen.application_end else None)
    assert problem["today"] == today().isoformat()
    assert problem["cohortId"] == str(chosen.id)
    assert len(server.events(type_=APPLICATION_UPSERTED)) == before


def test_invalid_bodies_are_refused_without_echoing_them(server: IntakeServer) -> None:
    bad_mail = _body(server, person={**APPLICANT, "email": "zoe-at-example"})
    both = _body(server, person={**APPLICANT, "personId": str(server.person.id)})
    with server.client("intake-a") as client:
        replies = [server.apply(client, body, new_key())
                   for body in ({"person": {"personId": str(server.person.id)}}, bad_mail, both)]
    for reply in replies:
        assert reply.status_code == 422
        assert reply.headers["content-type"] == "application/problem+json"
        assert "zoe" not in reply.text.lower() and "Wijngaarden" not in reply.text


def test_withdraw_and_withdraw_again(server: IntakeServer) -> None:
    with server.client("intake-a") as client:
        created = server.apply(client, _body(server), new_key()).json()
        url = created["links"]["withdraw"]
        first = client.post(url, headers={"Idempotency-Key": new_key()})
        events = len(server.events(type_=APPLICATION_UPSERTED))
        again = client.post(url, headers={"Idempotency-Key": new_key()})
        replay = client.post(url, headers={"Idempotency-Key": "fixed"})
        replayed = client.post(url, headers={"Idempotency-Key": "fixed"})
    assert first.status_code == 200, first.text
    assert first.json()["state"] == "withdrawn"
    assert first.json()["allowedTransitions"] == []
    assert "withdraw" not in first.json()["links"]
    assert first.json()["version"] == 2
    assert again.status_code == 200 and again.json()["state"] == "withdrawn"
    assert again.json()["version"] == 2
    assert len(server.events(type_=APPLICATION_UPSERTED)) == events  # nothing changed
    assert replayed.json() == replay.json()
    assert replayed.headers["Idempotent-Replayed"] == "true"


def test_a_refused_transition_is_409_and_leaves_the_state(server: IntakeServer) -> None:
    with server.client("intake-a") as client, server.client("reader-a") as reader:
        created = server.apply(client, _body(server), new_key()).json()
        ident = UUID(created["applicationId"])
        IntakeApplications(server.gateway).change_state("roc-a", ident, EnrolmentState.REJECTED)
        before = reader.get(f"/intake/v1/applications/{ident}").json()
        events = len(server.events(type_=APPLICATION_UPSERTED))
        reply = client.post(f"/intake/v1/applications/{ident}/withdraw",
                            headers={"Idempotency-Key": new_key()})
        after = reader.get(f"/intake/v1/applications/{ident}").json()
    assert reply.status_code == 409
    problem = reply.json()
    assert problem["type"] == "urn:mbo-gateway:problem:transition-not-allowed"
    assert (problem["from"], problem["to"], problem["allowed"]) == ("rejected", "withdrawn", [])
    assert "rejected -> withdrawn" in problem["detail"]
    assert after == before
    assert after["state"] == "rejected"
    assert len(server.events(type_=APPLICATION_UPSERTED)) == events


def test_scopes_and_tenants_are_enforced(server: IntakeServer) -> None:
    with server.client("intake-a") as client:
        created = server.apply(client, _body(server), new_key()).json()
    where = f"/intake/v1/applications/{created['applicationId']}"
    with server.client("reader-a") as reader, server.client("events-a") as other, \
            server.client("intake-b") as tenant_b:
        assert server.apply(reader, _body(server), new_key()).status_code == 403
        assert other.get(where).status_code == 403
        assert reader.get(where).status_code == 200
        assert tenant_b.get(where).status_code == 404
        withdraw = tenant_b.post(f"{where}/withdraw", headers={"Idempotency-Key": new_key()})
        assert withdraw.status_code == 404
        assert reader.get("/intake/v1/applications/not-a-uuid").status_code == 422
    with server.client("intake-a") as client:
        assert client.get(where).json()["state"] == "received"


def test_idempotency_keys_replay_refuse_and_require(server: IntakeServer) -> None:
    key = new_key()
    before = len(server.events(type_=APPLICATION_UPSERTED))
    body = _body(server, motivation="first")
    with server.client("intake-a") as client, server.client("intake-b") as tenant_b:
        first = server.apply(client, body, key)
        # the same JSON with other key order and spacing is the same request
        raw = json.dumps(dict(reversed(list(body.items()))), indent=3)
        repeat = client.post("/intake/v1/applications", content=raw, headers={
            "Idempotency-Key": key, "Content-Type": "application/json"})
        other_body = server.apply(client, _body(server, motivation="second"), key)
        other_path = client.post(f"{first.headers['location']}/withdraw",
                                 headers={"Idempotency-Key": f'"{key}"'})
        missing = server.apply(client, body)
        malformed = client.post("/intake/v1/applications", json=body,
                                headers={"Idempotency-Key": "two words"})
        other_tenant = server.apply(tenant_b, _body(server, "other-tenant", person=APPLICANT),
                                    key)
    assert first.status_code == 201
    assert (repeat.status_code, repeat.content) == (201, first.content)
    assert repeat.headers["Idempotent-Replayed"] == "true"
    assert repeat.headers["location"] == first.headers["location"]
    for reply, status, code in ((other_body, 422, "idempotency-key-reused"),
                                (other_path, 422, "idempotency-key-reused"),
                                (missing, 400, "idempotency-key-missing"),
                                (malformed, 400, "idempotency-key-invalid")):
        assert reply.status_code == status, reply.text
        problem = reply.json()
        assert problem["type"] == f"urn:mbo-gateway:problem:{code}"
        assert problem["documentation"].endswith("/intake/v1/openapi.json")
    assert other_tenant.status_code == 201  # keys are scoped per tenant and client
    assert other_tenant.json()["applicationId"] != first.json()["applicationId"]
    assert len(server.events(type_=APPLICATION_UPSERTED)) == before + 1


def test_refusals_are_stored_per_key_too(server: IntakeServer) -> None:
    key = new_key()
    later = server.cohorts["later"]
    with server.client("intake-a") as client:
        first = server.apply(client, _body(server, "later"), key)
        server.gateway.store.upsert([later.model_copy(update={  # the school opens it now
            "application_start": today() - timedelta(days=1)})])
        try:
            again = server.apply(client, _body(server, "later"), key)
            fresh = server.apply(client, _body(server, "later"), new_key())
        finally:
            server.gateway.store.upsert([later])
    assert first.status_code == again.status_code == 409
    assert again.content == first.content
    assert again.headers["Idempotent-Replayed"] == "true"
    assert fresh.status_code == 201


def test_the_api_description_is_served_without_a_token(server: IntakeServer) -> None:
    import httpx

    reply = httpx.get(f"{server.base}/intake/v1/openapi.json", timeout=10)
    assert reply.status_code == 200
    assert reply.json()["info"]["title"] == "mbo-gateway intake API"
