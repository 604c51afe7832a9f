"""The Idempotency-Key header as the IETF draft has it, and the request fingerprint."""

from __future__ import annotations

import pytest

from gateway.api.idempotency import KeyProblem, fingerprint, parse_idempotency_key


@pytest.mark.parametrize(("value", "key"), [
    ('"8e03978e-40d5-43e8-bc93-6894a57f9324"', "8e03978e-40d5-43e8-bc93-6894a57f9324"),
    ('  "abc"  ', "abc"),
    ('"with space and \\"quote\\" and \\\\"', 'with space and "quote" and \\'),
    ('"abc";param=1', "abc"),
    ("8e03978e-40d5-43e8-bc93-6894a57f9324", "8e03978e-40d5-43e8-bc93-6894a57f9324"),
    ("token:with/odd=chars", "token:with/odd=chars"),
    ('"' + "k" * 255 + '"', "k" * 255),
])
def test_keys_are_read_as_structured_field_strings_or_bare_tokens(value: str, key: str) -> None:
    assert parse_idempotency_key(value) == key


@pytest.mark.parametrize(("value", "code"), [
    (None, "idempotency-key-missing"),
    ("", "idempotency-key-invalid"),
    ('""', "idempotency-key-invalid"),
    ('"unterminated', "idempotency-key-invalid"),
    ("two words", "idempotency-key-invalid"),
    ("a,b", "idempotency-key-invalid"),
    ('"tab\tinside"', "idempotency-key-invalid"),
    ('"é"', "idempotency-key-invalid"),
    ('"' + "k" * 256 + '"', "idempotency-key-invalid"),
])
def test_missing_and_malformed_keys_are_refused(value: str | None, code: str) -> None:
    with pytest.raises(KeyProblem) as caught:
        parse_idempotency_key(value)
    assert caught.value.code == code
    assert "Idempotency-Key" in caught.value.detail


def test_fingerprint_ignores_key_order_and_tells_requests_apart() -> None:
    body = {"cohortId": "c", "person": {"personId": "p"}, "motivation": None}
    same = {"motivation": None, "person": {"personId": "p"}, "cohortId": "c"}
    base = fingerprint("POST", "/intake/v1/applications", body)
    assert base == fingerprint("post", "/intake/v1/applications", same)
    assert len(base) == 64
    assert base != fingerprint("POST", "/intake/v1/applications", {**body, "cohortId": "d"})
    assert base != fingerprint("POST", "/intake/v1/other", body)
    assert base != fingerprint("PUT", "/intake/v1/applications", body)
    assert fingerprint("POST", "/x", None) != fingerprint("POST", "/x", {})
