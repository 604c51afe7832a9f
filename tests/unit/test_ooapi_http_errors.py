"""Every httpx exception is translated into one of the gateway's classes; statuses classified."""

from __future__ import annotations

import inspect
from datetime import UTC, datetime

import httpx
import pytest

from gateway.adapters.ooapi.http_errors import (
    error_for_status,
    map_httpx_errors,
    parse_retry_after,
)
from gateway.errors import (
    ConfigurationError,
    FatalUpstreamError,
    GatewayError,
    RetriableUpstreamError,
)

HTTPX_ERRORS = [
    cls for _, cls in inspect.getmembers(httpx, inspect.isclass)
    if issubclass(cls, Exception) and cls.__module__.startswith("httpx")
]
REQUEST = httpx.Request("GET", "https://sis.example/ooapi/offerings")


def _instance(cls: type[Exception]) -> Exception:
    if cls is httpx.HTTPStatusError:
        return cls("boom", request=REQUEST, response=httpx.Response(500, request=REQUEST))
    if issubclass(cls, httpx.RequestError):
        return cls("boom", request=REQUEST)
    try:
        return cls("boom")
    except TypeError:  # the stream errors take no message
        return cls()


def test_the_list_covers_httpx() -> None:
    assert len(HTTPX_ERRORS) >= 25
    assert httpx.ReadTimeout in HTTPX_ERRORS and httpx.InvalidURL in HTTPX_ERRORS


@pytest.mark.parametrize("cls", HTTPX_ERRORS, ids=lambda c: c.__name__)
def test_every_httpx_error_is_mapped(cls: type[Exception]) -> None:
    exc = _instance(cls)
    with pytest.raises(GatewayError) as info, map_httpx_errors("GET /offerings"):
        raise exc
    assert info.value.__cause__ is exc
    assert "GET /offerings" in info.value.message


@pytest.mark.parametrize(
    ("exc", "expected"),
    [(httpx.ConnectTimeout("t", request=REQUEST), RetriableUpstreamError),
     (httpx.ReadTimeout("t", request=REQUEST), RetriableUpstreamError),
     (httpx.PoolTimeout("t", request=REQUEST), RetriableUpstreamError),
     (httpx.ConnectError("refused", request=REQUEST), RetriableUpstreamError),
     (httpx.ReadError("reset", request=REQUEST), RetriableUpstreamError),
     (httpx.RemoteProtocolError("closed", request=REQUEST), RetriableUpstreamError),
     (httpx.LocalProtocolError("bad header", request=REQUEST), FatalUpstreamError),
     (httpx.DecodingError("gzip", request=REQUEST), FatalUpstreamError),
     (httpx.TooManyRedirects("loop", request=REQUEST), FatalUpstreamError),
     (httpx.UnsupportedProtocol("ftp", request=REQUEST), ConfigurationError),
     (httpx.InvalidURL("bad"), ConfigurationError),
     (httpx.StreamConsumed(), FatalUpstreamError)],
    ids=lambda v: type(v).__name__ if isinstance(v, Exception) else v.__name__,
)
def test_classification(exc: Exception, expected: type[GatewayError]) -> None:
    with pytest.raises(expected), map_httpx_errors("GET /"):
        raise exc


def test_gateway_errors_pass_through_unchanged() -> None:
    original = FatalUpstreamError("from the auth flow")
    with pytest.raises(FatalUpstreamError) as info, map_httpx_errors("GET /"):
        raise original
    assert info.value is original


@pytest.mark.parametrize(
    ("status", "expected"),
    [(200, None), (204, None), (408, RetriableUpstreamError), (429, RetriableUpstreamError),
     (500, RetriableUpstreamError), (503, RetriableUpstreamError),
     (599, RetriableUpstreamError), (301, FatalUpstreamError), (400, FatalUpstreamError),
     (401, FatalUpstreamError), (404, FatalUpstreamError), (422, FatalUpstreamError)],
)
def test_status_classification(status: int, expected: type[GatewayError] | None) -> None:
    error = error_for_status(httpx.Response(status), "GET /")
    assert type(error) is expected if expected else error is None


def test_status_messages_carry_no_body() -> None:
    reply = httpx.Response(404, json={"detail": "person Jan Jansen not found"})
    error = error_for_status(reply, "GET /persons/1")
    assert error is not None
    assert "Jansen" not in error.message
    assert error.message == "GET /persons/1: HTTP 404 Not Found"


NOW = datetime(2026, 3, 2, 10, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [(None, None), ("", None), ("120", 120.0), (" 0 ", 0.0),
     ("Mon, 02 Mar 2026 10:01:00 GMT", 60.0), ("Mon, 02 Mar 2026 09:00:00 GMT", 0.0),
     ("soon", None), ("-5", None)],
)
def test_parse_retry_after(header: str | None, seconds: float | None) -> None:
    assert parse_retry_after(header, lambda: NOW) == seconds
