import json
import secrets
from pathlib import Path

import pydantic
import pytest

from gateway.settings import Settings


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in list(os.environ):
        if name.startswith("GATEWAY_"):
            monkeypatch.delenv(name)


def test_reads_gateway_prefixed_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GATEWAY_TOKEN_SECRET", secrets.token_hex(32))
    monkeypatch.setenv("GATEWAY_KAFKA_BOOTSTRAP_SERVERS", "kafka:9092")
    monkeypatch.setenv("GATEWAY_TENANTS", json.dumps([{"id": "roc-a", "name": "ROC A",
                                                       "onderwijsaanbiedercode": "123A456"}]))
    monkeypatch.setenv("TOKEN_SECRET", "ignored-without-prefix")
    s = Settings()
    assert s.kafka_enabled and s.tenant("roc-a") is not None and s.tenant("roc-b") is None


def test_tenants_from_a_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = tmp_path / "tenants.json"
    path.write_text(json.dumps([{"id": "roc-b", "name": "B"}]))
    monkeypatch.setenv("GATEWAY_TENANTS", f"@{path}")
    s = Settings(token_secret=secrets.token_hex(32))
    assert [t.id for t in s.tenants] == ["roc-b"]


@pytest.mark.parametrize("secret", ["changeme", "CHANGEME", "<your-secret-here>",
                                    "changeme-changeme-changeme-changeme", "x" * 40,
                                    "abababababababababababababababab", "short-but-real-1"])
def test_placeholder_or_weak_secrets_are_refused(secret: str) -> None:
    with pytest.raises(pydantic.ValidationError, match="token_secret"):
        Settings(token_secret=secret)


def test_missing_secret_is_refused() -> None:
    with pytest.raises(pydantic.ValidationError, match="token_secret"):
        Settings()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"tenants": [{"id": "a", "name": "A"}, {"id": "a", "name": "B"}]}, "unique"),
        ({"oauth_jwks_url": "https://idp/jwks"}, "oauth_issuer"),
        ({"kafka_security_protocol": "SASL_SSL"}, "SASL"),
        ({"standards_dir": "/nonexistent/standards"}, "not a directory"),
        ({"topic_prefix": "Has.Dots"}, "topic_prefix"),
        ({"max_body_bytes": 10}, "max_body_bytes"),
    ],
)
def test_inconsistent_settings_are_refused(extra: dict[str, object], message: str) -> None:
    with pytest.raises(pydantic.ValidationError, match=message):
        Settings(token_secret=secrets.token_hex(32), **extra)
