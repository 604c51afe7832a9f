"""The recording client of the contract tests: credentials, the GET cache, the record."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from contract_tests.http import NOT_JSON, HttpRecorder
from contract_tests.target import Target, TargetError


class FakeServer:
    """An OOAPI-ish server behind client credentials, counting what it is asked."""

    def __init__(self, *, token_status: int = 200) -> None:
        self.token_status = token_status
        self.seen: list[tuple[str, str, str | None]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append((request.method, str(request.url), request.headers.get("authorization")))
        if request.url.path == "/token":
            if self.token_status != 200:
                return httpx.Response(self.token_status, json={"error": "invalid_client"})
            assert request.headers["authorization"].startswith("Basic ")
            assert b"grant_type=client_credentials" in request.content
            return httpx.Response(200, json={"access_token": "tok", "token_type": "bearer"})
        if request.url.path == "/api/broken":
            return httpx.Response(200, text="<html>", headers={"content-type": "text/html"})
        return httpx.Response(200, json={"path": request.url.path},
                              headers={"content-type": "application/json; charset=utf-8"})


def recorder(server: FakeServer, **target: Any) -> HttpRecorder:
    return HttpRecorder.from_target(Target(base_url="http://sis.test/api/", **target),
                                    transport=httpx.MockTransport(server))


def test_client_credentials_are_exchanged_once_for_a_bearer_token() -> None:
    server = FakeServer()
    with recorder(server, client_id="c", client_secret="s",
                  token_url="http://sis.test/token") as http:
        reply = http.get("/programs", {"pageSize": 10})
        assert reply.json() == {"path": "/api/programs"}
        assert reply.content_type == "application/json" and reply.is_json
        assert reply.request_line == "GET http://sis.test/api/programs?pageSize=10"
    assert [s[2] for s in server.seen[1:]] == ["Bearer tok"]


def test_get_is_cached_per_url_and_authentication_but_request_is_not() -> None:
    server = FakeServer()
    with recorder(server, token="static") as http:
        first = http.get("programs", {"pageSize": 10})
        assert http.get("/programs", {"pageSize": 10}) is first
        anonymous = http.get("/programs", {"pageSize": 10}, authenticated=False)
        http.request("GET", "/programs?pageSize=10")
        assert anonymous is not first
        assert len(http.exchanges) == 3
    assert [s[2] for s in server.seen] == ["Bearer static", None, "Bearer static"]


def test_a_refused_client_is_a_target_error() -> None:
    with pytest.raises(TargetError, match="answered 401 without an access_token"):
        recorder(FakeServer(token_status=401), client_id="c", client_secret="bad",
                 token_url="http://sis.test/token")
    with pytest.raises(TargetError, match="together"):
        recorder(FakeServer(), client_id="c")


def test_an_unreachable_endpoint_is_a_target_error() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with HttpRecorder("http://sis.test", transport=httpx.MockTransport(refuse)) as http, \
            pytest.raises(TargetError, match="GET http://sis.test/x: ConnectError"):
        http.get("/x")


def test_a_body_that_is_not_json_is_marked_so() -> None:
    with recorder(FakeServer()) as http:
        reply = http.get("/broken")
    assert reply.json() is NOT_JSON and not reply.is_json
