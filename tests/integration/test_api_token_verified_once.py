"""A request's bearer token is verified once, and a cached verification is exact.

Counted at PyJWT itself (its signature check and its parsing of a token), so the figures
hold whatever path the gateway takes: a burst of mbo pushes with one token checks the
signature once in all, and a request whose route asks for the principal twice verifies
once. The cache of verified own tokens answers exactly as a fresh verification does at
every instant around ``iat`` and ``exp`` (PyJWT's clock and the cache's set to the same
time), and 401/403 stay the problems they were.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Annotated, Any

import httpx
import jwt
import jwt.api_jws
import jwt.api_jwt
import pytest
from fastapi import Depends, FastAPI

from gateway.adapters.standards import Standards
from gateway.api.app import create_app
from gateway.api.auth.bearer import Authenticator
from gateway.api.auth.token_cache import VerifiedTokenCache
from gateway.api.auth.tokens import LEEWAY_SECONDS, TokenIssuer
from gateway.api.deps import Principal, require_scope
from gateway.api.testing import TENANT_A, gateway_on_sqlite, settings_for_tests
from gateway.bootstrap import Gateway
from gateway.errors import AuthError
from tests.integration.mbo_profile_support import FLOW_1_5, person_doc

pytestmark = pytest.mark.anyio


@pytest.fixture
def gateway(tmp_path: Path, standards: Standards) -> Iterator[Gateway]:
    gw = gateway_on_sqlite(tmp_path / "gw.db", settings_for_tests(standards_dir=standards.root))
    yield gw
    gw.close()


@pytest.fixture
def app(gateway: Gateway) -> FastAPI:
    app = create_app(gateway)

    @app.get("/test/twice")
    def twice(
        first: Annotated[Principal, Depends(require_scope("timetable:read"))],
        second: Annotated[Principal, Depends(require_scope("timetable:read", "x"))],
    ) -> dict[str, str]:
        return {"tenant": first.tenant, "same": str(first is second)}

    return app


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@pytest.fixture
def pyjwt_calls(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """How often PyJWT parses a token (``_load``) and checks a signature."""
    calls: Counter[str] = Counter()
    for name in ("_load", "_verify_signature"):
        original = getattr(jwt.api_jws.PyJWS, name)

        def counted(*args: Any, _name: str = name, _original: Any = original,
                    **kwargs: Any) -> Any:
            calls[_name] += 1
            return _original(*args, **kwargs)

        monkeypatch.setattr(jwt.api_jws.PyJWS, name, counted)
    return calls


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def token_of(gateway: Gateway, scopes: str = FLOW_1_5, at: datetime | None = None) -> str:
    issuer = TokenIssuer(gateway.settings, clock=lambda: at or datetime.now(UTC))
    return issuer.issue("sis", TENANT_A, scopes.split()).access_token


async def put_person(client: httpx.AsyncClient, token: str) -> httpx.Response:
    pid = str(uuid.uuid4())
    return await client.put(f"/ooapi/v5-mbo/persons/{pid}", json=person_doc(pid),
                            headers=bearer(token))


async def test_a_burst_of_pushes_with_one_token_checks_its_signature_once(
    client: httpx.AsyncClient, gateway: Gateway, pyjwt_calls: Counter[str]
) -> None:
    token = token_of(gateway)
    for _ in range(4):
        reply = await put_person(client, token)
        assert reply.status_code == 201, reply.text
    # before: 3 parses and 1 signature check per request (12 and 4)
    assert pyjwt_calls == {"_load": 2, "_verify_signature": 1}


async def test_a_route_asking_twice_verifies_once(
    app: FastAPI, client: httpx.AsyncClient, gateway: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    authenticator: Authenticator = app.state.authenticator
    calls: list[str] = []
    original = authenticator.verify

    def counted(token: str) -> Principal:
        calls.append(token)
        return original(token)

    monkeypatch.setattr(authenticator, "verify", counted)
    token = token_of(gateway, "timetable:read")
    for _ in range(2):
        reply = await client.get("/test/twice", headers=bearer(token))
        assert reply.json() == {"tenant": TENANT_A, "same": "True"}
    assert calls == [token, token]  # once per request, not once per dependency


async def test_scope_and_token_errors_are_unchanged(
    client: httpx.AsyncClient, gateway: Gateway
) -> None:
    token = token_of(gateway)
    assert (await put_person(client, token)).status_code == 201
    forbidden = await client.get("/test/twice", headers=bearer(token))  # cached, lacks scope
    assert forbidden.status_code == 403
    assert forbidden.headers["www-authenticate"] == 'Bearer error="insufficient_scope"'
    head, payload, signature = token.split(".")
    tampered = f"{head}.{payload[:-2]}{'AB' if payload[-2:] != 'AB' else 'CD'}.{signature}"
    for reply in (await put_person(client, tampered), await put_person(client, "")):
        assert reply.status_code == 401
        assert reply.headers["content-type"] == "application/problem+json"
        assert reply.headers["www-authenticate"].startswith('Bearer realm="mbo-gateway"')


async def test_a_cached_token_that_expires_is_refused_as_a_fresh_one_is(
    app: FastAPI, client: httpx.AsyncClient, gateway: Gateway
) -> None:
    now = [datetime.now(UTC).timestamp()]
    authenticator: Authenticator = app.state.authenticator
    authenticator.cache = VerifiedTokenCache(leeway=LEEWAY_SECONDS, clock=lambda: now[0])
    token = token_of(gateway)
    exp = jwt.decode(token, options={"verify_signature": False})["exp"]
    assert (await put_person(client, token)).status_code == 201
    assert len(authenticator.cache) == 1
    now[0] = exp + LEEWAY_SECONDS  # PyJWT's first refused instant
    cached = await put_person(client, token)
    ttl = gateway.settings.token_ttl_seconds
    long_expired = await put_person(client, token_of(
        gateway, at=datetime.now(UTC) - timedelta(seconds=ttl + LEEWAY_SECONDS + 60)))
    for reply in (cached, long_expired):
        assert reply.status_code == 401
        assert reply.headers["www-authenticate"] == \
            'Bearer realm="mbo-gateway", error="invalid_token"'
        assert reply.json()["detail"] == "token expired"
    assert len(authenticator.cache) == 0


def _outcome(verify: Callable[[], Principal]) -> str:
    try:
        return f"ok {verify().client_id}"
    except AuthError as exc:
        return f"refused: {exc.message}"


def test_the_cache_answers_as_pyjwt_at_every_instant(
    gateway: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [0.0]

    class Frozen(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> Frozen:
            return cls.fromtimestamp(now[0], tz)

    monkeypatch.setattr(jwt.api_jwt, "datetime", Frozen)  # PyJWT's clock
    issued = 1_900_000_000
    token = token_of(gateway, at=datetime.fromtimestamp(issued, UTC))
    exp = issued + gateway.settings.token_ttl_seconds
    cache = VerifiedTokenCache(leeway=LEEWAY_SECONDS, clock=lambda: now[0])
    now[0] = issued
    warm = Authenticator(TokenIssuer(gateway.settings), cache=cache)
    assert _outcome(lambda: warm.verify(token)) == "ok sis"
    leeway = LEEWAY_SECONDS
    instants = [issued - leeway - 1, issued - leeway - 0.5, issued - leeway, issued,
                exp - leeway, exp, exp + leeway - 0.5, exp + leeway, exp + leeway + 1]
    outcomes = []
    for instant in instants:
        now[0] = instant
        fresh = Authenticator(TokenIssuer(gateway.settings))
        expected = _outcome(partial(fresh.verify, token))
        assert len(fresh.cache) == (1 if expected.startswith("ok") else 0)
        assert _outcome(lambda: cache.get(token) or warm.verify(token)) == expected, instant
        outcomes.append(expected)
    assert outcomes == ["refused: invalid token"] * 2 + ["ok sis"] * 5 + \
        ["refused: token expired"] * 2


def test_the_cache_is_bounded_and_keeps_no_token(gateway: Gateway) -> None:
    issuer = TokenIssuer(gateway.settings)
    cache = VerifiedTokenCache(leeway=LEEWAY_SECONDS, max_entries=2)
    tokens = [issuer.issue(f"c{i}", TENANT_A, ["s"]).access_token for i in range(3)]
    for token in tokens:
        cache.put(token, *issuer.verify_claims(token))
    assert len(cache) == 2
    assert cache.get(tokens[0]) is None
    assert [p.client_id for p in map(cache.get, tokens[1:]) if p] == ["c1", "c2"]
    assert not any(token in repr(vars(cache)) for token in tokens)
