"""N concurrent POSTs with one Idempotency-Key over loopback: one application, one answer.

Real uvicorn, real HTTP connections (one client each), SQLite and PostgreSQL. The
requests are released together by a barrier; the key's first request runs the operation,
the others wait for it and answer its stored response.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.integration.intake_support import APPLICANT_EXAMPLE, IntakeServer, intake_server

REQUESTS = 16
UPSERTED = "nl.mbo.enrolment.application.upserted.v1"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def server(request: pytest.FixtureRequest) -> Iterator[IntakeServer]:
    name = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    with intake_server(request.getfixturevalue(name)) as running:
        yield running


@pytest.mark.parametrize("person", ["known", "new applicant"])
def test_concurrent_requests_with_one_key_create_one_application(
    server: IntakeServer, person: str,
) -> None:
    body = {"cohortId": str(server.cohorts["open"].id),
            "person": {"personId": str(server.person.id)} if person == "known"
            else APPLICANT_EXAMPLE}
    token = server.token("intake-a")
    start = threading.Barrier(REQUESTS)
    before_apps = len(server.events(type_=UPSERTED))
    before_persons = len(server.events(type_="nl.mbo.person.person.upserted.v1"))

    def post(_: int) -> httpx.Response:
        with httpx.Client(base_url=server.base, timeout=60, headers={
                "Authorization": f"Bearer {token}",
                "Idempotency-Key": '"one-key-for-all"'}) as client:
            start.wait()
            reply = client.post("/intake/v1/applications", json=body)
            reply.read()
            return reply

    with ThreadPoolExecutor(REQUESTS) as pool:
        replies = list(pool.map(post, range(REQUESTS)))

    created = [r for r in replies if r.status_code == 201]
    busy = [r for r in replies if r.status_code == 409]
    assert len(created) + len(busy) == REQUESTS, [r.status_code for r in replies]
    for reply in busy:  # only if the first one outlived the wait: the draft's 409
        assert reply.json()["type"] == "urn:mbo-gateway:problem:idempotency-key-in-use"
    executed = [r for r in created if "Idempotent-Replayed" not in r.headers]
    assert len(executed) == 1
    assert {r.content for r in created} == {executed[0].content}
    assert {r.headers["location"] for r in created} == {executed[0].headers["location"]}
    assert all(r.headers["Idempotent-Replayed"] == "true" for r in created
               if r is not executed[0])
    events = server.events(type_=UPSERTED)[before_apps:]
    assert [e.subject for e in events] == [executed[0].json()["applicationId"]]
    persons = server.events(type_="nl.mbo.person.person.upserted.v1")[before_persons:]
    assert len(persons) == (0 if person == "known" else 1)
