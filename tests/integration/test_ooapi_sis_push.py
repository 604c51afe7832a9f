"""Push mode: the simulated SIS PUTs its population to an mbo profile receiver over HTTP.

First against a recording receiver (OAuth2 client credentials, every body checked against
the mbo profile, in-flight requests counted, failures on request), then against the
gateway's own receiving side under ``/ooapi/v5-mbo``.
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
import secrets
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from gateway.adapters.ooapi.mbo_profile import MboProfile, mbo_profile
from gateway.adapters.standards import Standards
from gateway.api.app import create_app
from gateway.api.auth.clients import ClientRegistry
from gateway.api.testing import gateway_on_sqlite, settings_for_tests
from gateway.mappings.ooapi_v5_mbo_in import canonical_id
from gateway.settings import SourceConfig
from gateway.sync.ooapi_catalogue import OoapiCatalogueSync
from gateway.testing.serving import serve_in_thread
from simulators.ooapi_sis.generator import SisCatalogue
from simulators.ooapi_sis.population import SisSchool
from simulators.ooapi_sis.push import push_to
from simulators.ooapi_sis.server import running_sis

TODAY = date(2026, 3, 1)
_TEMPLATES = [(re.compile(r"^/persons/[^/]+$"), "/persons/{personId}"),
              (re.compile(r"^/groups/[^/]+$"), "/groups/{groupId}"),
              (re.compile(r"^/groups/[^/]+/members$"), "/groups/{groupId}/members"),
              (re.compile(r"^/associations/[^/]+$"), "/associations/{associationId}")]


@dataclass
class Recorder:
    """A receiver that checks and records every PUT."""

    profile: MboProfile
    client: tuple[str, str] = ("sis", secrets.token_urlsafe(16))
    tokens: set[str] = field(default_factory=set)
    token_requests: int = 0
    puts: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)
    in_flight: int = 0
    most_in_flight: int = 0
    #: Answer 503 to the first PUT of these paths (a retry must follow).
    flaky: set[str] = field(default_factory=set)
    #: Forget every token after this many PUTs (the pusher must fetch a new one).
    revoke_after: int | None = None

    def app(self) -> Starlette:
        async def token(request: Request) -> Response:
            self.token_requests += 1
            header = request.headers.get("authorization", "")
            given = base64.b64decode(header[6:]).decode() if header.startswith("Basic ") else ""
            if given != ":".join(self.client):
                return JSONResponse({"error": "invalid_client"}, 401)
            issued = secrets.token_urlsafe(16)
            self.tokens.add(issued)
            return JSONResponse({"access_token": issued, "token_type": "Bearer"})

        async def put(request: Request) -> Response:
            if request.headers.get("authorization", "")[7:] not in self.tokens:
                return JSONResponse({"status": "401", "title": "Unauthorized"}, 401)
            path = "/" + request.path_params["path"]
            template = next(t for rx, t in _TEMPLATES if rx.match(path))
            body = json.loads(await request.body())
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
            try:
                await asyncio.sleep(0.002)  # requests overlap when the pusher runs several
            finally:
                self.in_flight -= 1
            if path in self.flaky:
                self.flaky.discard(path)
                return JSONResponse({"status": "503", "title": "Unavailable"}, 503)
            errors = self.profile.validate_request(template, "put", body)
            if errors:
                return JSONResponse({"status": "400", "detail": str(errors[:3])}, 400)
            self.puts.append((path, body))
            if self.revoke_after is not None and len(self.puts) >= self.revoke_after:
                self.tokens.clear()
                self.revoke_after = None
            key = path if template != "/groups/{groupId}/members" else \
                f"{path}/{body['personId']}"
            created = key not in self.seen
            self.seen.add(key)
            return JSONResponse(body, 201 if created else 200)

        return Starlette(routes=[Route("/oauth/token", token, methods=["POST"]),
                                 Route("/mbo/{path:path}", put, methods=["PUT"])])


@pytest.fixture(scope="module")
def school() -> SisSchool:
    return SisSchool(SisCatalogue(10, seed=3, today=TODAY), students=120)


@pytest.fixture
def recorder(standards: Standards) -> Iterator[tuple[Recorder, str]]:
    recorder = Recorder(mbo_profile(standards))
    with serve_in_thread(recorder.app()) as port:
        yield recorder, f"http://127.0.0.1:{port}"


def expected(school: SisSchool) -> Counter[str]:
    members = sum(len(school.members(g)) for g in range(len(school.groups)))
    associations = sum(1 for n in range(school.students)
                       for _ in school.associations_of_person(school.person_id(n)))
    return Counter(persons=school.persons, groups=len(school.groups), members=members,
                   associations=associations)


def test_a_push_sends_everything_valid_in_order_with_concurrency(
    school: SisSchool, recorder: tuple[Recorder, str],
) -> None:
    rec, url = recorder
    report = push_to(school, f"{url}/mbo", f"{url}/oauth/token", *rec.client, concurrency=4)
    assert report.ok, report.failures[:3]
    assert report.by_phase == expected(school)
    assert report.statuses == {201: report.requests} and len(report.latencies) == report.requests
    assert rec.most_in_flight in range(2, 5) and rec.token_requests == 1
    paths = [p for p, _ in rec.puts]
    last_person = max(i for i, p in enumerate(paths) if p.startswith("/persons/"))
    first_group = min(i for i, p in enumerate(paths) if p.startswith("/groups/"))
    first_association = min(i for i, p in enumerate(paths) if p.startswith("/associations/"))
    assert last_person < first_group < first_association
    bodies = {p: b for p, b in rec.puts}
    sample = school.person_id(17)
    assert bodies[f"/persons/{sample}"] == school.person_of(17)
    association = next(b for p, b in rec.puts if p.startswith("/associations/"))
    assert isinstance(association["person"], str) and isinstance(association["offering"], str)
    assert "p99" in report.line() and report.percentile(0.99) >= report.percentile(0.5)

    again = push_to(school, f"{url}/mbo", f"{url}/oauth/token", *rec.client, concurrency=2,
                    students=10, phases=("persons", "associations"))
    assert again.ok and set(again.statuses) == {200}
    assert again.by_phase["persons"] == 10 + school.staff


def test_a_push_fetches_a_new_token_and_tries_again_what_may_heal(
    school: SisSchool, recorder: tuple[Recorder, str],
) -> None:
    rec, url = recorder
    rec.revoke_after = 30
    rec.flaky = {f"/persons/{school.person_id(n)}" for n in (40, 41, 90)}
    report = push_to(school, f"{url}/mbo", f"{url}/oauth/token", *rec.client, concurrency=3,
                     phases=("persons",))
    assert report.ok and report.by_phase["persons"] == school.persons
    assert rec.token_requests == 2 and not rec.flaky
    assert len({p for p, _ in rec.puts}) == school.persons


def test_a_push_with_wrong_credentials_stops_at_once(
    school: SisSchool, recorder: tuple[Recorder, str],
) -> None:
    rec, url = recorder
    with pytest.raises(RuntimeError, match="401"):
        push_to(school, f"{url}/mbo", f"{url}/oauth/token", "sis", "wrong")
    assert rec.puts == []


def test_a_push_into_the_gateways_receiving_side(
    tmp_path: Any, standards: Standards, school: SisSchool,
) -> None:
    gateway = gateway_on_sqlite(tmp_path / "gw.db",
                                settings_for_tests(standards_dir=standards.root))
    try:
        secret = secrets.token_urlsafe(16)
        with running_sis(school.catalogue, client_id="gw", client_secret=secret) as sis_url:
            source = SourceConfig(tenant="roc-a", name="sis", base_url=sis_url,
                                  token_url=f"{sis_url}/oauth/token", client_id="gw",
                                  client_secret=secret)
            OoapiCatalogueSync.for_gateway(gateway).run(source, full=True)  # the cohorts
        sis_secret = ClientRegistry.for_gateway(gateway).register(
            "roc-a", "sis-push", ["nl-test-admin-flow-1-5"])
        with serve_in_thread(create_app(gateway)) as port:
            base = f"http://127.0.0.1:{port}"
            cursor = gateway.event_log.head("roc-a")
            report = push_to(school, f"{base}/ooapi/v5-mbo", f"{base}/oauth/token",
                             "sis-push", sis_secret, concurrency=4,
                             association_types=("programOfferingAssociation",))
            assert report.ok, report.failures[:3]
            assert report.statuses == {201: report.requests}
            repeat = push_to(school, f"{base}/ooapi/v5-mbo", f"{base}/oauth/token",
                             "sis-push", sis_secret, concurrency=4, students=20,
                             association_types=("programOfferingAssociation",))
            assert repeat.ok and set(repeat.statuses) == {200}
            with httpx.Client(base_url=base, timeout=30) as http:
                token = http.post("/oauth/token", data={"grant_type": "client_credentials"},
                                  auth=("sis-push", sis_secret)).json()["access_token"]
                person = school.person_id(5)
                back = http.get(f"/ooapi/v5-mbo/persons/{person}",
                                headers={"Authorization": f"Bearer {token}"})
            assert back.status_code == 200 and back.json()["personId"] == person
        events = gateway.event_log.read("roc-a", after=cursor, limit=100_000).events
        kinds = Counter(e.type.split(".")[3] for e in events)
        assert kinds["person"] == school.persons
        assert kinds["group"] == len(school.groups)
        assert kinds["membership"] == report.by_phase["members"]
        assert kinds["enrolment"] == report.by_phase["associations"]
        assert str(canonical_id("roc-a", "person", school.person_id(5))) in {
            e.subject for e in events}
        assert uuid.UUID(events[0].subject)
    finally:
        gateway.close()
