"""Secrets in reports: a calendar feed's token, secret query parameters, URL userinfo and
the target's own credentials are masked in every format, and the rest of each location
(host, path, pointer) stays readable."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET  # noqa: S405 - parsing our own output
from collections.abc import Iterable
from typing import Any

import pytest

from contract_tests.checks import Finding, Severity, Suite
from contract_tests.reporting import mask_report, summary, to_html, to_json, to_junit_xml
from contract_tests.reporting.masking import Masker, mask_token
from contract_tests.runner import Report, run
from contract_tests.target import Target

FEED_TOKEN = "Xk3qZ9vT2mLwP8rB5nYcH1dFgJ4sA7eU0oIiKlMnOpQ"  # token_urlsafe(32): 43 characters
FEED = f"https://gateway.example/calendar/{FEED_TOKEN}.ics"
ACCESS = "eyJhbGciOiJIUzI1NiJ9.payload.signature"
PASSWORD = "hunter2-correct-horse"
BEARER = "static-bearer-token-0123456789"


def feed_report() -> Report:
    """A calendar run whose findings carry the feed URL, a token in a query, a URL with a
    password, and a body echoing the bearer token."""
    suite = Suite("feed", title="Feed", context_factory=lambda target: None, secret_url=True)

    @suite.check("feed.http", title="served", rule="r", reference="RFC 9110")
    def http(ctx: Any) -> Iterable[Finding]:
        yield Finding("feed.http", f"{FEED} answered 500", Severity.ERROR,
                      location=f"{FEED}#VEVENT-3", value=f"token {FEED_TOKEN} not found",
                      request=f"GET {FEED}")
        yield Finding("feed.http", "a redirect", Severity.ERROR,
                      location=f"https://api.example/x?page=2&access_token={ACCESS}&sort=id",
                      request=f"GET https://robot:{PASSWORD}@files.example/feed.ics")
        yield Finding("feed.http", "echoed", Severity.WARNING,
                      value=f'{{"detail": "Authorization: Bearer {BEARER} is expired"}}')

    return run(suite, Target(base_url=FEED, token=BEARER))


@pytest.mark.parametrize("render", [summary, to_json, to_html, to_junit_xml])
def test_no_report_holds_the_feed_token_a_password_or_a_token(render: Any) -> None:
    text = render(feed_report())
    for secret in (FEED_TOKEN, ACCESS, PASSWORD, BEARER, FEED_TOKEN[4:20]):
        assert secret not in text
    assert "https://gateway.example/calendar/Xk3q***.ics" in text  # where, still readable


def test_the_masked_findings_keep_where_they_are() -> None:
    data = json.loads(to_json(feed_report()))
    assert data["target"]["base_url"] == "https://gateway.example/calendar/Xk3q***.ics"
    assert data["target"]["auth"] == "token"
    first, second, third = data["results"][0]["findings"]
    assert first["location"] == "https://gateway.example/calendar/Xk3q***.ics#VEVENT-3"
    assert first["request"] == "GET https://gateway.example/calendar/Xk3q***.ics"
    assert first["value"] == "token Xk3q*** not found"
    assert second["location"] == "https://api.example/x?page=2&access_token=eyJh***&sort=id"
    assert second["request"] == "GET https://robot:***@files.example/feed.ics"
    assert "Bearer stat***" in third["value"]


def test_junit_carries_the_masked_target() -> None:
    root = ET.fromstring(to_junit_xml(feed_report()))  # noqa: S314 - our own output
    prop = root.find("testsuite/properties/property")
    assert prop is not None and prop.get("value") == (
        "https://gateway.example/calendar/Xk3q***.ics")


@pytest.mark.parametrize(("text", "masked"), [
    ("https://x/feeds/abcdefghijklmnopqrstu.ics?x=1", "https://x/feeds/abcd***.ics?x=1"),
    ("https://x/a?api_key=short", "https://x/a?api_key=***"),
    ("https://x/a?client_secret=0123456789abcdef&q=math",
     "https://x/a?client_secret=0123***&q=math"),
    ("https://x/a?code=abc&pageSize=10", "https://x/a?code=***&pageSize=10"),
    ("https://ghp_0123456789abcdef@git.example/r", "https://ghp_***@git.example/r"),
    ('{"Authorization": "Basic dXNlcjpwYXNzd29yZA=="}', '{"Authorization": "Basic dXNl***"}'),
    ("Basic information is missing", "Basic information is missing"),
    # ids, ordinary parameters and local files stay as they are
    ("https://x/persons/0b6f1b8e-2f1c-4d5e-9a1b-3c4d5e6f7a8b?pageNumber=2&sort=-name",
     "https://x/persons/0b6f1b8e-2f1c-4d5e-9a1b-3c4d5e6f7a8b?pageNumber=2&sort=-name"),
    ("/tmp/feeds/01-monday-and-tuesday.ics line 3", "/tmp/feeds/01-monday-and-tuesday.ics line 3"),
    ("", ""),
])
def test_every_shape_of_secret_is_masked_and_nothing_else(text: str, masked: str) -> None:
    assert Masker().text(text) == masked
    assert Masker().text(masked) == masked  # masking twice changes nothing


def test_a_secret_url_is_masked_only_when_the_suite_says_so() -> None:
    target = Target(base_url="https://x/feeds/group-7a-secret-part")
    assert Masker.for_target(target, secret_url=True).text(
        "GET https://x/feeds/group-7a-secret-part") == "GET https://x/feeds/grou***"
    assert Masker.for_target(target).text("https://x/feeds/group-7a-secret-part") == (
        "https://x/feeds/group-7a-secret-part")
    short = Target(base_url="https://x/calendar")  # a word, not a token: left alone
    assert Masker.for_target(short, secret_url=True).text("calendar") == "calendar"


def test_short_secrets_are_masked_whole_and_the_target_loses_its_credentials() -> None:
    assert mask_token("abcdefghijk") == "***"
    assert mask_token("abcdefghijkl") == "abcd***"
    report = run(Suite("s", context_factory=lambda target: None),
                 Target(base_url="https://u:p4ssw0rd@x/", client_id="id", client_secret="cs-123456",
                        options={"sasl_password": "pw-123456", "topic": "t"}))
    safe = mask_report(report).target
    assert (safe.base_url, safe.client_secret, safe.token) == ("https://u:***@x/", "***", None)
    assert dict(safe.options) == {"sasl_password": "***", "topic": "t"}
