"""HTTP failures of an upstream API, translated into the gateway's error classes in one place.

What the caller should do decides the class (see :mod:`gateway.errors`):

- 408, 429 and 5xx, timeouts and broken connections are ``RetriableUpstreamError`` (the
  server's ``Retry-After`` travels along as ``retry_after`` seconds);
- every other non-2xx status, a reply that is not JSON and a request that cannot be built
  are ``FatalUpstreamError``: asking again will not help;
- a URL or scheme the settings got wrong is a ``ConfigurationError``.

Messages carry the method, the path and the status, never a response body: an upstream
body may echo personal data, and these messages end up in logs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

from gateway.errors import (
    ConfigurationError,
    FatalUpstreamError,
    GatewayError,
    RetriableUpstreamError,
)

__all__ = [
    "RETRIABLE_STATUS",
    "error_for_status",
    "map_httpx_errors",
    "parse_retry_after",
]

#: Statuses worth another attempt besides 5xx: request timeout and rate limiting.
RETRIABLE_STATUS = frozenset({408, 429})

#: httpx errors that a later attempt may not meet: the network or the server hiccuped.
_TRANSIENT: tuple[type[Exception], ...] = (
    httpx.TimeoutException,  # connect, read, write and pool timeouts
    httpx.NetworkError,  # connect, read, write and close errors
    httpx.RemoteProtocolError,  # the server broke HTTP, e.g. closed mid-response
    httpx.ProxyError,
)
#: httpx errors that mean the settings are wrong (a bad base_url or token_url).
_CONFIGURATION: tuple[type[Exception], ...] = (httpx.InvalidURL, httpx.UnsupportedProtocol)


def parse_retry_after(
    value: str | None, now: Callable[[], datetime] = lambda: datetime.now(UTC)
) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delay-seconds or an HTTP-date.

    Returns None when the header is missing or unreadable; a date in the past gives 0.
    """
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # an HTTP-date is always GMT
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now()).total_seconds())


def error_for_status(
    response: httpx.Response, what: str, now: Callable[[], datetime] = lambda: datetime.now(UTC)
) -> GatewayError | None:
    """The error a non-2xx response stands for, or None for a 2xx.

    Args:
        response: the upstream reply (its body is not read).
        what: method and path, for the message.
        now: the clock to resolve an HTTP-date ``Retry-After`` against.
    """
    status = response.status_code
    if 200 <= status < 300:
        return None
    reason = f"{what}: HTTP {status} {response.reason_phrase}".rstrip()
    if status in RETRIABLE_STATUS or 500 <= status < 600:
        delay = parse_retry_after(response.headers.get("Retry-After"), now)
        return RetriableUpstreamError(reason, retry_after=delay, status=status)
    if 300 <= status < 400:
        return FatalUpstreamError(
            f"{reason} (redirect to {response.headers.get('Location', '?')}; "
            "configure the final URL)", status=status
        )
    return FatalUpstreamError(reason, status=status)


@contextmanager
def map_httpx_errors(what: str) -> Iterator[None]:
    """Re-raise every httpx exception as a gateway error (``raise ... from exc``).

    Gateway errors raised inside (by an auth flow, say) pass through unchanged.
    """
    try:
        yield
    except GatewayError:
        raise
    except httpx.HTTPStatusError as exc:
        error = error_for_status(exc.response, what)
        raise (error or FatalUpstreamError(f"{what}: {exc}")) from exc
    except _TRANSIENT as exc:
        raise RetriableUpstreamError(f"{what}: {type(exc).__name__}: {exc}") from exc
    except _CONFIGURATION as exc:
        raise ConfigurationError(f"{what}: {type(exc).__name__}: {exc}") from exc
    except (httpx.HTTPError, httpx.InvalidURL, httpx.CookieConflict, httpx.StreamError) as exc:
        # local protocol errors, too many redirects, decoding errors, misuse of a stream
        raise FatalUpstreamError(f"{what}: {type(exc).__name__}: {exc}") from exc
