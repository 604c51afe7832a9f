"""The client registry stores only self-describing salted hashes and refuses bad input."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from gateway.api.auth.clients import ClientRegistry, hash_secret, verify_secret
from gateway.api.testing import TENANT_A, TENANT_B
from gateway.bootstrap import Gateway
from gateway.errors import AuthError, ConflictError, NotFoundError, ValidationError
from gateway.store.tables import oauth_clients


@pytest.fixture
def registry(gateway: Gateway) -> ClientRegistry:
    return ClientRegistry.for_gateway(gateway)


def test_register_returns_a_strong_secret_and_stores_only_a_hash(
    registry: ClientRegistry, gateway: Gateway
) -> None:
    secret = registry.register(TENANT_A, "planner", "events:read catalogue:read")
    assert len(secret) >= 43  # 32 random bytes, base64url
    with gateway.engine.connect() as conn:
        stored = conn.execute(select(oauth_clients.c.secret_hash)).scalar_one()
    assert secret not in stored
    assert stored.startswith("scrypt$n=16384,r=8,p=1$")
    assert verify_secret(secret, stored)


def test_verify_returns_the_client_record(registry: ClientRegistry) -> None:
    secret = registry.register(TENANT_A, "planner", ["events:read", "catalogue:read"])
    client = registry.verify("planner", secret)
    assert client.tenant == TENANT_A
    assert client.scopes == {"events:read", "catalogue:read"}
    assert not client.disabled


@pytest.mark.parametrize(
    ("client_id", "secret"), [("planner", "wrong"), ("nobody", "wrong"), ("planner", "")]
)
def test_verify_refuses_bad_credentials(
    registry: ClientRegistry, client_id: str, secret: str
) -> None:
    registry.register(TENANT_A, "planner", "events:read")
    with pytest.raises(AuthError, match="invalid client credentials"):
        registry.verify(client_id, secret)


def test_disabled_client_cannot_authenticate(registry: ClientRegistry) -> None:
    secret = registry.register(TENANT_A, "planner", "events:read")
    registry.disable("planner")
    with pytest.raises(AuthError):
        registry.verify("planner", secret)
    assert registry.get("planner").disabled


def test_client_of_a_tenant_no_longer_configured_cannot_authenticate(
    gateway: Gateway,
) -> None:
    secret = ClientRegistry.for_gateway(gateway).register(TENANT_B, "planner", "x")
    narrowed = ClientRegistry(gateway.engine, [TENANT_A])
    with pytest.raises(AuthError):
        narrowed.verify("planner", secret)


def test_unknown_tenant_is_refused(registry: ClientRegistry) -> None:
    with pytest.raises(ValidationError, match="not configured"):
        registry.register("roc-z", "planner", "events:read")


def test_duplicate_client_is_a_conflict(registry: ClientRegistry) -> None:
    registry.register(TENANT_A, "planner", "events:read")
    with pytest.raises(ConflictError):
        registry.register(TENANT_B, "planner", "events:read")


@pytest.mark.parametrize("client_id", ["", "has space", "a:b", "x" * 129, "-leading"])
def test_malformed_client_id_is_refused(registry: ClientRegistry, client_id: str) -> None:
    with pytest.raises(ValidationError):
        registry.register(TENANT_A, client_id, "events:read")


def test_malformed_scope_is_refused(registry: ClientRegistry) -> None:
    with pytest.raises(ValidationError):
        registry.register(TENANT_A, "planner", ['events"read'])


def test_list_is_per_tenant(registry: ClientRegistry) -> None:
    registry.register(TENANT_A, "b-client", "x")
    registry.register(TENANT_A, "a-client", "x")
    registry.register(TENANT_B, "other", "x")
    assert [c.client_id for c in registry.list(TENANT_A)] == ["a-client", "b-client"]


def test_disable_unknown_client_is_not_found(registry: ClientRegistry) -> None:
    with pytest.raises(NotFoundError):
        registry.disable("nobody")


@pytest.mark.parametrize(
    "stored",
    [
        "", "plain", "bcrypt$x$y$z", "scrypt$n=abc,r=8,p=1$AA$AA",
        "scrypt$n=1073741824,r=8,p=1$AA$AA",  # would need a terabyte: refused, not run
    ],
)
def test_malformed_stored_hash_never_matches(stored: str) -> None:
    assert not verify_secret("secret", stored)


def test_hashes_are_salted() -> None:
    assert hash_secret("same") != hash_secret("same")
