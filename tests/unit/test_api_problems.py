"""Every error of the API is RFC 9457 problem+json, mapped from the exception root."""

from __future__ import annotations

import inspect
import logging
import secrets
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel

from gateway import errors
from gateway.api.app import create_app
from gateway.api.problems import PROBLEM_MEDIA_TYPE, STATUS_BY_ERROR, status_of
from gateway.bootstrap import Gateway


class Cohort(BaseModel):
    code: str
    capacity: int


@pytest.fixture
def app(gateway: Gateway) -> FastAPI:
    app = create_app(gateway)

    @app.get("/test/raise/{name}")
    def raise_error(name: str) -> None:
        raise {
            "validation": errors.ValidationError(
                "bad cohort", path="/cohort/code",
                errors=[{"path": "/cohort/code", "message": "too long"},
                        {"path": "/cohort/start", "message": "missing"}],
            ),
            "domain": errors.DomainRuleError("crebo must have 5 digits", path="/crebo"),
            "transition": errors.TransitionError("cannot enrol a withdrawn application"),
            "not-found": errors.NotFoundError("no such cohort"),
            "conflict": errors.ConflictError("version clash"),
            "auth": errors.AuthError("no token"),
            "forbidden": errors.AuthError("no scope", forbidden=True),
            "retriable": errors.RetriableUpstreamError("RIO down", retry_after=12),
            "fatal": errors.FatalUpstreamError("RIO says no: host rio.internal:8443"),
            "config": errors.ConfigurationError("password=hunter2 is wrong"),
            "unexpected": RuntimeError("person Jan Jansen, born 2001-02-03"),
        }[name]

    @app.post("/test/cohorts")
    def create_cohort(cohort: Cohort, limit: int = 10) -> dict[str, str]:
        return {"code": cohort.code}

    return app


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


def _all_gateway_errors() -> list[type[errors.GatewayError]]:
    return [
        cls for _, cls in inspect.getmembers(errors, inspect.isclass)
        if issubclass(cls, errors.GatewayError)
    ]


@pytest.mark.parametrize("cls", _all_gateway_errors(), ids=lambda c: c.__name__)
def test_every_gateway_error_has_a_status(cls: type[errors.GatewayError]) -> None:
    assert any(issubclass(cls, mapped) for mapped in STATUS_BY_ERROR)
    assert 400 <= status_of(cls("x")) <= 599


@pytest.mark.parametrize(
    ("name", "status", "code"),
    [
        ("validation", 422, "validation-error"),
        ("domain", 422, "domain-rule-violated"),
        ("transition", 422, "transition-not-allowed"),
        ("not-found", 404, "not-found"),
        ("conflict", 409, "conflict"),
        ("auth", 401, "unauthorized"),
        ("forbidden", 403, "forbidden"),
        ("retriable", 503, "upstream-unavailable"),
        ("fatal", 502, "upstream-rejected"),
        ("config", 500, "configuration-error"),
    ],
)
@pytest.mark.anyio
async def test_gateway_errors_become_problems(
    client: httpx.AsyncClient, name: str, status: int, code: str
) -> None:
    response = await client.get(f"/test/raise/{name}")
    assert response.status_code == status
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    problem = response.json()
    assert problem["type"] == f"urn:mbo-gateway:problem:{code}"
    assert problem["status"] == status
    assert problem["title"]
    assert problem["instance"] == f"/test/raise/{name}"


@pytest.mark.anyio
async def test_validation_error_lists_every_failure(
client: httpx.AsyncClient) -> None:
    problem = (await client.get("/test/raise/validation")).json()
    assert problem["detail"] == "bad cohort"
    assert problem["errors"] == [
        {"path": "/cohort/code", "message": "too long"},
        {"path": "/cohort/start", "message": "missing"},
    ]


@pytest.mark.anyio
async def test_auth_errors_carry_a_bearer_challenge(
client: httpx.AsyncClient) -> None:
    assert (await client.get("/test/raise/auth")).headers["www-authenticate"].startswith("Bearer")
    forbidden = await client.get("/test/raise/forbidden")
    assert 'error="insufficient_scope"' in forbidden.headers["www-authenticate"]


@pytest.mark.anyio
async def test_retriable_upstream_error_says_when_to_retry(
client: httpx.AsyncClient) -> None:
    assert (await client.get("/test/raise/retriable")).headers["retry-after"] == "12"


@pytest.mark.parametrize("name", ["fatal", "config"])
@pytest.mark.anyio
async def test_server_side_errors_keep_their_message_on_the_server(
    client: httpx.AsyncClient, name: str
) -> None:
    body = (await client.get(f"/test/raise/{name}")).text
    assert "hunter2" not in body
    assert "rio.internal" not in body


@pytest.mark.anyio
async def test_unexpected_exception_is_a_500_without_internals(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="gateway.api.problems"):
        response = await client.get("/test/raise/unexpected")
    assert response.status_code == 500
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    problem = response.json()
    assert problem["type"] == "urn:mbo-gateway:problem:internal-error"
    assert set(problem) == {"type", "title", "status", "detail", "instance"}
    for text in (response.text, caplog.text):
        assert "Jan Jansen" not in text
        assert "Traceback" not in text
    assert "RuntimeError" in caplog.text
    assert "/test/raise/unexpected" in caplog.text


@pytest.mark.anyio
async def test_a_failing_calendar_feed_keeps_its_token_out_of_logs_and_problem(
    client: httpx.AsyncClient, gateway: Gateway, caplog: pytest.LogCaptureFixture
) -> None:
    """A feed's token is its only key: a 500 on the feed URL must not write it anywhere."""
    token = secrets.token_urlsafe(32)
    with gateway.engine.begin() as conn:  # the feed's lookup fails: an unexpected error
        conn.exec_driver_sql("DROP TABLE calendar_subscriptions")
    with caplog.at_level(logging.ERROR):
        response = await client.get(f"/calendar/{token}.ics")
    assert response.status_code == 500
    assert response.json()["instance"] == "/calendar/{token}.ics"
    assert "/calendar/{token}.ics" in caplog.text
    assert token not in caplog.text and token not in response.text


@pytest.mark.anyio
async def test_unknown_route_is_a_404_problem(
client: httpx.AsyncClient) -> None:
    response = await client.get("/no/such/thing")
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert response.json()["type"] == "urn:mbo-gateway:problem:not-found"


@pytest.mark.anyio
async def test_wrong_method_is_a_405_problem_with_allow(
client: httpx.AsyncClient) -> None:
    response = await client.delete("/livez")
    assert response.status_code == 405
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert response.json()["type"] == "urn:mbo-gateway:problem:method-not-allowed"
    assert "GET" in response.headers["allow"]


@pytest.mark.anyio
async def test_request_validation_is_a_422_with_every_location(
client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/test/cohorts?limit=many",
        json={"code": "Jan Jansen 2001-02-03", "capacity": "lots"},
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    problem = response.json()
    assert problem["type"] == "urn:mbo-gateway:problem:validation-error"
    paths = {e["path"] for e in problem["errors"]}
    assert paths == {"/body/capacity", "/query/limit"}
    assert all(e["message"] for e in problem["errors"])
    assert "lots" not in response.text and "many" not in response.text  # input not echoed


@pytest.mark.anyio
async def test_malformed_json_is_a_422_problem(
client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/test/cohorts", content=b'{"code": ', headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["path"].startswith("/body")


@pytest.mark.anyio
async def test_openapi_and_docs_are_served(
client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    assert spec["info"]["title"] == "mbo-gateway"
    assert "/oauth/token" in spec["paths"]
    assert (await client.get("/docs")).status_code == 200
