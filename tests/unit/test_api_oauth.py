"""``POST /oauth/token``: the client credentials grant, with RFC 6749 §5.2 errors."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from urllib.parse import quote_plus

import httpx
import pytest

from gateway.api.app import create_app
from gateway.api.auth.clients import ClientRegistry
from gateway.api.auth.tokens import TokenIssuer
from gateway.api.testing import TENANT_A
from gateway.bootstrap import Gateway

pytestmark = pytest.mark.anyio

FORM = {"content-type": "application/x-www-form-urlencoded"}


@pytest.fixture
def secret(gateway: Gateway) -> str:
    return ClientRegistry.for_gateway(gateway).register(
        TENANT_A, "planner", "events:read catalogue:read"
    )


@pytest.fixture
async def client(gateway: Gateway) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(gateway))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


def basic(client_id: str, secret: str) -> dict[str, str]:
    raw = f"{quote_plus(client_id)}:{quote_plus(secret)}".encode()
    return {"authorization": "Basic " + base64.b64encode(raw).decode()}


async def token_request(
    client: httpx.AsyncClient, form: dict[str, str], headers: dict[str, str] | None = None
) -> httpx.Response:
    return await client.post("/oauth/token", data=form, headers=headers)


async def test_basic_auth_issues_a_token(
    client: httpx.AsyncClient, gateway: Gateway, secret: str
) -> None:
    response = await token_request(
        client, {"grant_type": "client_credentials"}, basic("planner", secret)
    )
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == gateway.settings.token_ttl_seconds
    assert body["scope"] == "catalogue:read events:read"
    principal = TokenIssuer(gateway.settings).verify(body["access_token"])
    assert (principal.client_id, principal.tenant) == ("planner", TENANT_A)
    assert principal.scopes == {"events:read", "catalogue:read"}


async def test_form_auth_issues_a_token(client: httpx.AsyncClient, secret: str) -> None:
    response = await token_request(client, {
        "grant_type": "client_credentials", "client_id": "planner", "client_secret": secret,
    })
    assert response.status_code == 200
    assert response.json()["access_token"]


async def test_a_subset_of_scopes_can_be_asked_for(
    client: httpx.AsyncClient, gateway: Gateway, secret: str
) -> None:
    response = await token_request(
        client, {"grant_type": "client_credentials", "scope": "events:read"},
        basic("planner", secret),
    )
    assert response.status_code == 200
    assert response.json()["scope"] == "events:read"
    principal = TokenIssuer(gateway.settings).verify(response.json()["access_token"])
    assert principal.scopes == {"events:read"}


@pytest.mark.parametrize("scope", ["events:read admin", "admin", 'bad"scope'])
async def test_scopes_beyond_the_clients_are_invalid_scope(
    client: httpx.AsyncClient, secret: str, scope: str
) -> None:
    response = await token_request(
        client, {"grant_type": "client_credentials", "scope": scope}, basic("planner", secret)
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_scope"


@pytest.mark.parametrize(
    ("client_id", "use_secret"), [("planner", False), ("nobody", True), ("nobody", False)]
)
async def test_bad_client_credentials_are_invalid_client(
    client: httpx.AsyncClient, secret: str, client_id: str, use_secret: bool
) -> None:
    response = await token_request(
        client, {"grant_type": "client_credentials"},
        basic(client_id, secret if use_secret else "wrong-secret"),
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert response.headers["www-authenticate"].startswith("Basic")
    assert response.headers["cache-control"] == "no-store"


async def test_disabled_client_is_invalid_client(
    client: httpx.AsyncClient, gateway: Gateway, secret: str
) -> None:
    ClientRegistry.for_gateway(gateway).disable("planner")
    response = await token_request(
        client, {"grant_type": "client_credentials"}, basic("planner", secret)
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


async def test_missing_client_authentication_is_invalid_client(
    client: httpx.AsyncClient, secret: str
) -> None:
    response = await token_request(client, {"grant_type": "client_credentials"})
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


@pytest.mark.parametrize(
    ("form", "error"),
    [
        ({}, "invalid_request"),
        ({"grant_type": ""}, "invalid_request"),
        ({"grant_type": "password"}, "unsupported_grant_type"),
        ({"grant_type": "authorization_code"}, "unsupported_grant_type"),
    ],
)
async def test_grant_type_errors(
    client: httpx.AsyncClient, secret: str, form: dict[str, str], error: str
) -> None:
    response = await token_request(client, form, basic("planner", secret))
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == error
    assert body["error_description"]
    assert set(body) == {"error", "error_description"}


async def test_two_authentication_methods_are_invalid_request(
    client: httpx.AsyncClient, secret: str
) -> None:
    response = await token_request(
        client, {"grant_type": "client_credentials", "client_secret": secret},
        basic("planner", secret),
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


async def test_repeated_parameter_is_invalid_request(
    client: httpx.AsyncClient, secret: str
) -> None:
    response = await client.post(
        "/oauth/token", content=b"grant_type=client_credentials&grant_type=client_credentials",
        headers={**FORM, **basic("planner", secret)},
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


async def test_json_body_is_invalid_request(client: httpx.AsyncClient, secret: str) -> None:
    response = await client.post(
        "/oauth/token", json={"grant_type": "client_credentials"},
        headers=basic("planner", secret),
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


async def test_body_that_is_not_utf8_is_invalid_request(
    client: httpx.AsyncClient, secret: str
) -> None:
    response = await client.post(
        "/oauth/token", content=b"grant_type=\xff\xfe", headers={**FORM, **basic("planner", secret)}
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


async def test_malformed_basic_header_is_invalid_client(client: httpx.AsyncClient) -> None:
    response = await token_request(
        client, {"grant_type": "client_credentials"}, {"authorization": "Basic !!!not-base64"}
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


async def test_token_endpoint_is_documented_as_a_form(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    body = spec["paths"]["/oauth/token"]["post"]["requestBody"]["content"]
    assert "application/x-www-form-urlencoded" in body
