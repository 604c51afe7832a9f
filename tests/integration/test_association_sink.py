"""The association sink over loopback against a recording SIS: auth, retries, refusals."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from gateway.adapters.ooapi.association_sink import AssociationSink
from gateway.adapters.standards import Standards
from gateway.domain import Application, PersonalData, SourceRef
from gateway.errors import FatalUpstreamError, RetriableUpstreamError, ValidationError
from gateway.mappings.mbo_association import association_of, mbo_person
from gateway.settings import SourceConfig
from gateway.testing import free_port
from gateway.testing.serving import serve_in_thread

PERSON = UUID("0b9d1c52-0c43-4a61-9d1e-6d4c7f6e2a10")
DATA = PersonalData(given_name="Maartje", family_name="Damme", email="maartje@example.org")


@dataclass
class RecordingSis:
    """Answers PUTs with the statuses queued in ``script`` (then 201), and records them."""

    script: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    puts: list[tuple[str, dict[str, Any], str]] = field(default_factory=list)
    tokens_issued: int = 0

    def app(self) -> Starlette:
        async def token(request: Request) -> Response:
            auth = request.headers.get("authorization", "")
            if auth != "Basic " + base64.b64encode(b"gw:s3cret-value").decode():
                return JSONResponse({"error": "invalid_client"}, status_code=401)
            self.tokens_issued += 1
            return JSONResponse({"access_token": f"t{self.tokens_issued}",
                                 "token_type": "Bearer", "expires_in": 3600})

        async def put(request: Request) -> Response:
            body = json.loads(await request.body())
            self.puts.append((request.path_params["ident"], body,
                              request.headers.get("authorization", "")))
            status, headers = self.script.pop(0) if self.script else (201, {})
            if status >= 400:
                return JSONResponse({"status": str(status), "title": "no",
                                     "detail": f"we refuse {body.get('person')}"},
                                    status_code=status, headers=headers,
                                    media_type="application/problem+json")
            return JSONResponse(body, status_code=status)

        return Starlette(routes=[Route("/oauth/token", token, methods=["POST"]),
                                 Route("/associations/{ident}", put, methods=["PUT"])])


@pytest.fixture
def sis() -> Iterator[tuple[RecordingSis, str]]:
    recording = RecordingSis()
    with serve_in_thread(recording.app()) as port:
        yield recording, f"http://127.0.0.1:{port}"


def _source(base: str) -> SourceConfig:
    return SourceConfig(tenant="roc-a", name="sis", base_url=base,
                        token_url=f"{base}/oauth/token", client_id="gw",
                        client_secret="s3cret-value")


def _association(expanded: bool = True) -> dict[str, Any]:
    application: Application = Application.create(
        tenant="roc-a", source=SourceRef(system="intake", id="k1"), person_id=PERSON,
        cohort_id=UUID(int=3), submitted_on=date(2026, 3, 1))
    person = mbo_person(PERSON, DATA) if expanded else str(PERSON)
    assert person is not None
    return association_of(application, offering_id=str(UUID(int=9)), person=person)


def test_a_put_carries_a_token_and_the_body(
    sis: tuple[RecordingSis, str], standards: Standards,
) -> None:
    recording, base = sis
    association = _association()
    with AssociationSink.for_source(_source(base), standards) as sink:
        assert sink.put(association) is True
        recording.script.append((200, {}))
        assert sink.put(association) is False
    assert [(i, b) for i, b, _ in recording.puts] == [(association["associationId"],
                                                        association)] * 2
    assert {auth for _, _, auth in recording.puts} == {"Bearer t1"}  # one token, reused


def test_retriable_failures_are_retried_with_the_servers_wait(
    sis: tuple[RecordingSis, str], standards: Standards,
) -> None:
    recording, base = sis
    recording.script += [(503, {}), (429, {"Retry-After": "7"}), (201, {})]
    waits: list[float] = []
    with AssociationSink.for_source(_source(base), standards, sleep=waits.append) as sink:
        assert sink.put(_association()) is True
    assert len(recording.puts) == 3
    assert len(waits) == 2 and waits[1] == 7


def test_an_expired_token_is_fetched_again_once(
    sis: tuple[RecordingSis, str], standards: Standards,
) -> None:
    recording, base = sis
    recording.script.append((401, {}))
    with AssociationSink.for_source(_source(base), standards) as sink:
        assert sink.put(_association()) is True
    assert [auth for _, _, auth in recording.puts] == ["Bearer t1", "Bearer t2"]


def test_retries_run_out(sis: tuple[RecordingSis, str], standards: Standards) -> None:
    recording, base = sis
    recording.script += [(500, {})] * 3
    with AssociationSink.for_source(_source(base), standards, max_attempts=3,
                                    sleep=lambda _: None) as sink, \
            pytest.raises(RetriableUpstreamError, match="HTTP 500"):
        sink.put(_association())
    assert len(recording.puts) == 3


def test_an_unreachable_sis_is_retriable(standards: Standards) -> None:
    base = f"http://127.0.0.1:{free_port()}"
    with AssociationSink(base, standards, max_attempts=2, sleep=lambda _: None) as sink, \
            pytest.raises(RetriableUpstreamError, match="ConnectError"):
        sink.put(_association())


def test_a_refusal_is_fatal_and_quotes_no_body(
    sis: tuple[RecordingSis, str], standards: Standards,
) -> None:
    recording, base = sis
    recording.script.append((400, {}))
    with AssociationSink.for_source(_source(base), standards) as sink, \
            pytest.raises(FatalUpstreamError) as refused:
        sink.put(_association())
    assert refused.value.context["status"] == 400
    assert "Maartje" not in refused.value.message
    assert len(recording.puts) == 1  # never retried


def test_a_body_the_profile_refuses_is_never_sent(
    sis: tuple[RecordingSis, str], standards: Standards,
) -> None:
    recording, base = sis
    bad = {**_association(), "state": "enrolled", "offering": "not-a-uuid"}
    with AssociationSink.for_source(_source(base), standards) as sink, \
            pytest.raises(ValidationError) as refused:
        sink.put(bad)
    assert refused.value.errors[0]["schema_path"].startswith("ooapi-v5-mbo/ooapiv5_MBO.yaml#")
    assert recording.puts == []
    assert recording.tokens_issued == 0


def test_wrong_credentials_are_fatal(
    sis: tuple[RecordingSis, str], standards: Standards,
) -> None:
    recording, base = sis
    source = _source(base).model_copy(update={"client_id": "intruder"})
    with AssociationSink.for_source(source, standards) as sink, \
            pytest.raises(FatalUpstreamError, match="client_id"):
        sink.put(_association(expanded=False))
    assert recording.puts == []
