"""Tokens of an external issuer, verified with keys fetched over real HTTP from its JWKS."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Annotated, Any

import httpx
import jwt
import jwt.api_jws
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from fastapi import Depends
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from gateway.api.app import create_app
from gateway.api.auth.bearer import Authenticator
from gateway.api.auth.tokens import TokenIssuer
from gateway.api.deps import Principal, require_scope
from gateway.api.problems import PROBLEM_MEDIA_TYPE
from gateway.api.testing import TENANT_A, TENANT_B, gateway_on_sqlite, settings_for_tests
from gateway.bootstrap import Gateway

pytestmark = pytest.mark.anyio

ISSUER = "https://idp.roc-a.example.nl"
AUDIENCE = "mbo-gateway-api"
TENANT_CLAIM = "school"


@dataclass
class Jwks:
    """A JWKS endpoint on loopback, and the private keys behind it."""

    url: str
    rsa_key: rsa.RSAPrivateKey
    ec_key: ec.EllipticCurvePrivateKey
    requests: list[str] = field(default_factory=list)

    def public_pem(self) -> bytes:
        return self.rsa_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )


def _jwk(public: Any, algorithm: type[RSAAlgorithm] | type[ECAlgorithm], kid: str, alg: str) -> Any:
    jwk = algorithm.to_jwk(public, as_dict=True)
    return {**jwk, "kid": kid, "use": "sig", "alg": alg}


@pytest.fixture(scope="module")
def jwks() -> Iterator[Jwks]:
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ec_key = ec.generate_private_key(ec.SECP256R1())
    document = json.dumps({"keys": [
        _jwk(rsa_key.public_key(), RSAAlgorithm, "rsa-1", "RS256"),
        _jwk(ec_key.public_key(), ECAlgorithm, "ec-1", "ES256"),
    ]}).encode()
    requests: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
            requests.append(self.path)
            if self.path != "/.well-known/jwks.json":
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(document)))
            self.end_headers()
            self.wfile.write(document)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - base signature
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, name="jwks-server", daemon=True)
    thread.start()
    try:
        port = server.server_address[1]
        url = f"http://127.0.0.1:{port}/.well-known/jwks.json"
        yield Jwks(url, rsa_key, ec_key, requests)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _gateway(tmp_path: Path, jwks_url: str) -> Gateway:
    settings = settings_for_tests(
        oauth_jwks_url=jwks_url, oauth_issuer=ISSUER, oauth_audience=AUDIENCE,
        oauth_tenant_claim=TENANT_CLAIM,
    )
    return gateway_on_sqlite(tmp_path / "gw.db", settings)


@pytest.fixture
def gateway(tmp_path: Path, jwks: Jwks) -> Iterator[Gateway]:
    gw = _gateway(tmp_path, jwks.url)
    yield gw
    gw.close()


async def _client_for(gateway: Gateway) -> httpx.AsyncClient:
    app = create_app(gateway)

    @app.get("/test/whoami")
    def whoami(
        principal: Annotated[Principal, Depends(require_scope("timetable:read"))],
    ) -> dict[str, Any]:
        return {"client": principal.client_id, "tenant": principal.tenant,
                "issuer": principal.issuer, "scopes": sorted(principal.scopes)}

    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


@pytest.fixture
async def client(gateway: Gateway) -> AsyncIterator[httpx.AsyncClient]:
    async with await _client_for(gateway) as client:
        yield client


def _claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": ISSUER, "aud": AUDIENCE, "sub": "roosterapp", TENANT_CLAIM: TENANT_A,
        "scope": "timetable:read events:read", "iat": now, "exp": now + 300,
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def rs256(jwks: Jwks, kid: str = "rsa-1", **overrides: Any) -> str:
    return jwt.encode(_claims(**overrides), jwks.rsa_key, algorithm="RS256", headers={"kid": kid})


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unsigned(header: dict[str, Any], claims: dict[str, Any]) -> str:
    return f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"


def alg_none() -> str:
    return _unsigned({"alg": "none", "typ": "JWT", "kid": "rsa-1"}, _claims()) + "."


def hs256_with_the_public_key(jwks: Jwks) -> str:
    """The algorithm confusion attack: HMAC keyed with the issuer's public key."""
    signing_input = _unsigned({"alg": "HS256", "typ": "JWT", "kid": "rsa-1"}, _claims())
    mac = hmac.new(jwks.public_pem(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(mac)}"


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


async def test_external_rs256_token_is_accepted_with_its_tenant(
    client: httpx.AsyncClient, jwks: Jwks
) -> None:
    response = await client.get("/test/whoami", headers=bearer(rs256(jwks)))
    assert response.status_code == 200
    assert response.json() == {
        "client": "roosterapp", "tenant": TENANT_A, "issuer": ISSUER,
        "scopes": ["events:read", "timetable:read"],
    }


async def test_external_es256_token_with_scp_list_is_accepted(
    client: httpx.AsyncClient, jwks: Jwks
) -> None:
    claims = _claims(scope=None, scp=["timetable:read"], **{TENANT_CLAIM: TENANT_B})
    token = jwt.encode(claims, jwks.ec_key, algorithm="ES256", headers={"kid": "ec-1"})
    response = await client.get("/test/whoami", headers=bearer(token))
    assert response.status_code == 200
    assert response.json()["tenant"] == TENANT_B


async def test_keys_are_fetched_once_and_cached(tmp_path: Path, jwks: Jwks) -> None:
    gateway = _gateway(tmp_path, jwks.url)
    before = len(jwks.requests)
    try:
        async with await _client_for(gateway) as client:
            for _ in range(5):
                response = await client.get("/test/whoami", headers=bearer(rs256(jwks)))
                assert response.status_code == 200
    finally:
        gateway.close()
    assert len(jwks.requests) - before == 1


def _bad_tokens(jwks: Jwks) -> dict[str, str]:
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    unknown_tenant: dict[str, Any] = {TENANT_CLAIM: "roc-z"}
    no_tenant: dict[str, Any] = {TENANT_CLAIM: None}
    return {
        "wrong-aud": rs256(jwks, aud="another-api"),
        "wrong-iss": rs256(jwks, iss="https://evil.example"),
        "expired": rs256(jwks, iat=int(time.time()) - 7200, exp=int(time.time()) - 3600),
        "no-exp": rs256(jwks, exp=None),
        "no-aud": rs256(jwks, aud=None),
        "alg-none": alg_none(),
        "hs256-with-public-key": hs256_with_the_public_key(jwks),
        "signed-by-another-key": jwt.encode(
            _claims(), other_key, algorithm="RS256", headers={"kid": "rsa-1"}
        ),
        "unknown-kid": rs256(jwks, kid="rsa-unknown"),
        "rs256-claiming-the-ec-key": rs256(jwks, kid="ec-1"),
        "tenant-not-configured": rs256(jwks, **unknown_tenant),
        "no-tenant": rs256(jwks, **no_tenant),
    }


#: Each bad token, and the reason it is refused for.
BAD_TOKENS = {
    "wrong-aud": "invalid token",
    "wrong-iss": "token of an unknown issuer",
    "expired": "token expired",
    "no-exp": "invalid token",
    "no-aud": "invalid token",
    "alg-none": "token algorithm not accepted",
    "hs256-with-public-key": "token algorithm not accepted",
    "signed-by-another-key": "invalid token",
    "unknown-kid": "unknown signing key",
    "rs256-claiming-the-ec-key": "invalid token",
    "tenant-not-configured": "token names no configured tenant",
    "no-tenant": "token names no configured tenant",
}


@pytest.mark.parametrize("name", list(BAD_TOKENS))
async def test_bad_external_tokens_are_401_problems(
    client: httpx.AsyncClient, jwks: Jwks, name: str
) -> None:
    response = await client.get("/test/whoami", headers=bearer(_bad_tokens(jwks)[name]))
    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["type"] == "urn:mbo-gateway:problem:unauthorized"
    assert response.json()["detail"] == BAD_TOKENS[name]


async def test_own_tokens_still_work_beside_external_ones(
    client: httpx.AsyncClient, gateway: Gateway
) -> None:
    token = TokenIssuer(gateway.settings).issue("planner", TENANT_B, ["timetable:read"])
    response = await client.get("/test/whoami", headers=bearer(token.access_token))
    assert response.status_code == 200
    assert response.json()["issuer"] == gateway.settings.token_issuer


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


async def test_unreachable_jwks_is_a_503_with_retry_after(tmp_path: Path, jwks: Jwks) -> None:
    gateway = _gateway(tmp_path, f"http://127.0.0.1:{_closed_port()}/jwks.json")
    try:
        async with await _client_for(gateway) as client:
            response = await client.get("/test/whoami", headers=bearer(rs256(jwks)))
    finally:
        gateway.close()
    assert response.status_code == 503
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert int(response.headers["retry-after"]) > 0
    assert "127.0.0.1" not in response.text


async def test_jwks_answering_404_is_a_503(tmp_path: Path, jwks: Jwks) -> None:
    gateway = _gateway(tmp_path, jwks.url.replace("jwks.json", "missing.json"))
    try:
        async with await _client_for(gateway) as client:
            response = await client.get("/test/whoami", headers=bearer(rs256(jwks)))
    finally:
        gateway.close()
    assert response.status_code == 503


def test_external_tokens_are_verified_on_every_use_never_cached(
    gateway: Gateway, jwks: Jwks, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The issuer may withdraw a key: only a fresh verification against its JWKS sees it."""
    checks: list[str] = []
    original = jwt.api_jws.PyJWS._verify_signature

    def counted(*args: Any, **kwargs: Any) -> Any:
        checks.append("signature")
        return original(*args, **kwargs)

    monkeypatch.setattr(jwt.api_jws.PyJWS, "_verify_signature", counted)
    authenticator = Authenticator.for_gateway(gateway)
    token = rs256(jwks)
    for _ in range(3):
        assert authenticator.verify(token).issuer == ISSUER
    assert checks == ["signature"] * 3
    assert len(authenticator.cache) == 0
