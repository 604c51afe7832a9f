"""Fetching a feed: conditional GET, retries on 5xx/429 only, the body cap, no secrets."""

from __future__ import annotations

import gzip

import httpx
import pytest

from gateway.adapters.icalendar.fetch import Validators, fetch_feed
from gateway.adapters.ooapi.retry import upstream_retrying
from gateway.errors import FatalUpstreamError, RetriableUpstreamError, ValidationError

URL = "https://rooster.example.nl/feeds/s3cr3t-token/rooster.ics"
BODY = b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"


class Server:
    """Answers with the queued responses in turn and records each request."""

    def __init__(self, *responses: httpx.Response) -> None:
        self.responses = list(responses)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.responses.pop(0)


def fetch(server: Server, **options: object) -> object:
    waits: list[float] = []
    options.setdefault("retrying", upstream_retrying(max_attempts=3, sleep=waits.append))
    return fetch_feed(URL, transport=httpx.MockTransport(server), **options)  # type: ignore[arg-type]


def test_a_first_get_is_unconditional_and_returns_body_and_validators() -> None:
    server = Server(httpx.Response(200, content=BODY, headers={
        "ETag": '"v1"', "Last-Modified": "Sun, 22 Nov 2026 08:00:00 GMT"}))
    got = fetch_feed(URL, transport=httpx.MockTransport(server))
    assert got.body == BODY and not got.not_modified
    assert got.validators == Validators('"v1"', "Sun, 22 Nov 2026 08:00:00 GMT")
    sent = server.requests[0].headers
    assert "If-None-Match" not in sent and "If-Modified-Since" not in sent
    assert "text/calendar" in sent["Accept"]


def test_the_validators_go_along_and_a_304_is_not_modified() -> None:
    server = Server(httpx.Response(304))
    last = Validators('"v1"', "Sun, 22 Nov 2026 08:00:00 GMT")
    got = fetch_feed(URL, validators=last, transport=httpx.MockTransport(server))
    assert got.not_modified and got.body is None
    assert got.validators == last
    assert server.requests[0].headers["If-None-Match"] == '"v1"'
    assert server.requests[0].headers["If-Modified-Since"] == last.last_modified


def test_validators_round_trip_through_the_sync_state() -> None:
    last = Validators('"v1"', None)
    assert Validators.from_dict(last.as_dict()) == last
    assert Validators.from_dict(None) == Validators()
    assert Validators.from_dict({"etag": 7}) == Validators()


@pytest.mark.parametrize("status", [429, 500, 502, 503])
def test_unavailable_servers_are_retried(status: int) -> None:
    server = Server(httpx.Response(status, headers={"Retry-After": "0"}),
                    httpx.Response(200, content=BODY))
    got = fetch(server)
    assert got.body == BODY  # type: ignore[attr-defined]
    assert len(server.requests) == 2


def test_retries_end_with_a_retriable_error() -> None:
    server = Server(*(httpx.Response(503) for _ in range(3)))
    with pytest.raises(RetriableUpstreamError):
        fetch(server)
    assert len(server.requests) == 3


def test_a_refusal_is_not_retried_and_names_the_host_only() -> None:
    server = Server(httpx.Response(404))
    with pytest.raises(FatalUpstreamError) as caught:
        fetch(server)
    assert len(server.requests) == 1
    assert "rooster.example.nl" in caught.value.message
    assert "s3cr3t" not in caught.value.message


@pytest.mark.parametrize("declared", [True, False])
def test_a_body_over_the_cap_is_refused(declared: bool) -> None:
    big = b"x" * 2000
    headers = {} if declared else {"Transfer-Encoding": "chunked"}
    server = Server(httpx.Response(200, content=iter([big[:1000], big[1000:]])
                                   if not declared else big, headers=headers))
    with pytest.raises(ValidationError, match="larger than the 1500 bytes allowed"):
        fetch(server, max_bytes=1500)
    assert len(server.requests) == 1  # not retried


def test_the_cap_counts_decompressed_bytes() -> None:
    bomb = gzip.compress(b"A" * 100_000)
    server = Server(httpx.Response(200, content=bomb, headers={"Content-Encoding": "gzip"}))
    with pytest.raises(ValidationError):
        fetch(server, max_bytes=50_000)


def test_a_network_failure_is_retriable() -> None:
    def broken(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(RetriableUpstreamError):
        fetch_feed(URL, transport=httpx.MockTransport(broken),
                   retrying=upstream_retrying(max_attempts=2, sleep=lambda _: None))
