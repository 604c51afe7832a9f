"""Bearer tokens on API routes: verified, scoped, and the tenant taken from the token only."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import httpx
import jwt
import pytest
from fastapi import Depends, Header

from gateway.api.app import create_app
from gateway.api.auth.clients import ClientRegistry
from gateway.api.auth.tokens import TokenIssuer
from gateway.api.deps import Principal, require_scope
from gateway.api.problems import PROBLEM_MEDIA_TYPE
from gateway.api.testing import TENANT_A, TENANT_B, gateway_on_sqlite, settings_for_tests
from gateway.bootstrap import Gateway
from gateway.errors import ConfigurationError

pytestmark = pytest.mark.anyio

DATA = {TENANT_A: "rooster van ROC A", TENANT_B: "rooster van ROC B"}


@pytest.fixture
async def client(gateway: Gateway) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(gateway)

    @app.get("/test/timetable")
    def timetable(
        principal: Annotated[Principal, Depends(require_scope("timetable:read"))],
        tenant: str | None = None,  # noqa: ARG001 - a client may send it; it is ignored
        x_tenant: Annotated[str | None, Header()] = None,  # noqa: ARG001 - idem
    ) -> dict[str, Any]:
        return {"tenant": principal.tenant, "data": DATA[principal.tenant]}

    @app.get("/test/anyone")
    def anyone(principal: Annotated[Principal, Depends(require_scope())]) -> dict[str, str]:
        return {"client": principal.client_id}

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def own_token(gateway: Gateway, tenant: str = TENANT_A, scopes: str = "timetable:read") -> str:
    return TokenIssuer(gateway.settings).issue("planner", tenant, scopes.split()).access_token


def assert_unauthorized(response: httpx.Response) -> None:
    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["type"] == "urn:mbo-gateway:problem:unauthorized"


async def test_valid_token_reaches_the_route(
    client: httpx.AsyncClient, gateway: Gateway
) -> None:
    response = await client.get("/test/timetable", headers=bearer(own_token(gateway)))
    assert response.status_code == 200
    assert response.json() == {"tenant": TENANT_A, "data": DATA[TENANT_A]}


async def test_tenant_comes_from_the_token_not_from_the_request(
    client: httpx.AsyncClient, gateway: Gateway
) -> None:
    secret = ClientRegistry.for_gateway(gateway).register(TENANT_A, "planner", "timetable:read")
    issued = await client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "client_id": "planner",
              "client_secret": secret, "tenant": TENANT_B},
        headers={"x-tenant": TENANT_B},
    )
    token = issued.json()["access_token"]
    response = await client.get(
        f"/test/timetable?tenant={TENANT_B}", headers={**bearer(token), "x-tenant": TENANT_B}
    )
    assert response.status_code == 200
    assert response.json() == {"tenant": TENANT_A, "data": DATA[TENANT_A]}


async def test_token_whose_tenant_was_rewritten_is_refused(
    client: httpx.AsyncClient, gateway: Gateway
) -> None:
    token = own_token(gateway)
    header, _, signature = token.split(".")
    claims = jwt.decode(token, options={"verify_signature": False})
    claims["tenant"] = TENANT_B
    forged_payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    response = await client.get(
        "/test/timetable", headers=bearer(f"{header}.{forged_payload}.{signature}")
    )
    assert_unauthorized(response)
    assert 'error="invalid_token"' in response.headers["www-authenticate"]


async def test_expired_token_is_refused(client: httpx.AsyncClient, gateway: Gateway) -> None:
    hour_ago = datetime.now(UTC) - timedelta(hours=1)
    token = TokenIssuer(gateway.settings, clock=lambda: hour_ago).issue(
        "planner", TENANT_A, ["timetable:read"]
    ).access_token
    response = await client.get("/test/timetable", headers=bearer(token))
    assert_unauthorized(response)
    assert response.json()["detail"] == "token expired"


async def test_missing_scope_is_forbidden(client: httpx.AsyncClient, gateway: Gateway) -> None:
    token = own_token(gateway, scopes="events:read")
    response = await client.get("/test/timetable", headers=bearer(token))
    assert response.status_code == 403
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert response.json()["type"] == "urn:mbo-gateway:problem:forbidden"
    assert 'error="insufficient_scope"' in response.headers["www-authenticate"]


async def test_no_required_scope_accepts_any_valid_token(
    client: httpx.AsyncClient, gateway: Gateway
) -> None:
    response = await client.get("/test/anyone", headers=bearer(own_token(gateway, scopes="")))
    assert response.status_code == 200
    assert response.json() == {"client": "planner"}


@pytest.mark.parametrize(
    "authorization", [None, "Bearer", "Bearer ", "Basic cGxhbm5lcjpzZWNyZXQ=", "Bearer abc.def"]
)
async def test_missing_or_malformed_token_is_unauthorized(
    client: httpx.AsyncClient, authorization: str | None
) -> None:
    headers = {"authorization": authorization} if authorization is not None else {}
    assert_unauthorized(await client.get("/test/anyone", headers=headers))


def _sign(gateway: Gateway, key: str | None = None, **overrides: Any) -> str:
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": gateway.settings.token_issuer, "aud": gateway.settings.token_audience,
        "sub": "planner", "tenant": TENANT_A, "scope": "timetable:read",
        "iat": now, "exp": now + 300, "jti": "j1",
    }
    headers = {"typ": overrides.pop("typ", "at+jwt")}
    claims.update(overrides)
    claims = {k: v for k, v in claims.items() if v is not None}
    secret = key or gateway.settings.token_secret.get_secret_value()
    return jwt.encode(claims, secret, algorithm="HS256", headers=headers)


@pytest.mark.parametrize(
    "overrides",
    [
        {"key": "another-secret-of-at-least-32-characters-long"},
        {"aud": "someone-else"},
        {"iss": "someone-else"},
        {"tenant": "roc-z"},
        {"tenant": None},
        {"exp": None},
        {"iat": None},
        {"typ": "JWT"},
    ],
    ids=["wrong-key", "wrong-aud", "unknown-iss", "unknown-tenant", "no-tenant", "no-exp",
         "no-iat", "not-an-access-token"],
)
async def test_bad_own_tokens_are_refused(
    client: httpx.AsyncClient, gateway: Gateway, overrides: dict[str, Any]
) -> None:
    response = await client.get("/test/timetable", headers=bearer(_sign(gateway, **overrides)))
    assert_unauthorized(response)


async def test_a_correctly_signed_token_passes(
    client: httpx.AsyncClient, gateway: Gateway
) -> None:
    response = await client.get("/test/timetable", headers=bearer(_sign(gateway)))
    assert response.status_code == 200


def test_external_issuer_equal_to_the_own_one_is_refused_at_start(tmp_path: Path) -> None:
    settings = settings_for_tests(
        oauth_jwks_url="https://idp.example.nl/jwks.json", oauth_issuer="mbo-gateway"
    )
    gateway = gateway_on_sqlite(tmp_path / "gw.db", settings)
    try:
        with pytest.raises(ConfigurationError, match="must differ"):
            create_app(gateway)
    finally:
        gateway.close()
