"""One feed over HTTP: a GET with a timeout, a body cap, retries and a conditional GET.

A timetabling system republishes its whole feed on every change, and most polls find it
unchanged. The ETag and Last-Modified of the last good feed go along as ``If-None-Match``
and ``If-Modified-Since``, so an unchanged feed costs a ``304 Not Modified`` and no parse.

- 408, 429, 5xx, timeouts and broken connections are retried with the upstream policy
  (:func:`~gateway.adapters.ooapi.retry.upstream_retrying`: ``Retry-After`` honoured,
  capped exponential backoff); other statuses fail at once
  (:mod:`gateway.adapters.ooapi.http_errors`);
- redirects are followed (calendar hosts move feeds around); a 304 is not a redirect;
- the body is read in chunks and refused (``ValidationError``) once it passes the cap,
  decompressed size counted, so neither a huge feed nor a zip bomb fills the memory.

Messages name the host only: a feed URL often carries a secret token in its path.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx
from tenacity import Retrying

from gateway.adapters.icalendar.codec import MAX_FEED_BYTES
from gateway.adapters.ooapi.http_errors import error_for_status, map_httpx_errors
from gateway.adapters.ooapi.retry import upstream_retrying
from gateway.errors import ValidationError

__all__ = ["FeedResponse", "Validators", "fetch_feed"]

_ACCEPT = "text/calendar, text/plain;q=0.5, */*;q=0.1"


@dataclass(frozen=True)
class Validators:
    """The HTTP validators of a feed as last received, sent back on the next GET."""

    etag: str | None = None
    last_modified: str | None = None

    def headers(self) -> dict[str, str]:
        out = {}
        if self.etag:
            out["If-None-Match"] = self.etag
        if self.last_modified:
            out["If-Modified-Since"] = self.last_modified
        return out

    def as_dict(self) -> dict[str, str | None]:
        return {"etag": self.etag, "last_modified": self.last_modified}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> Validators:
        data = data or {}
        etag, modified = data.get("etag"), data.get("last_modified")
        return cls(etag if isinstance(etag, str) else None,
                   modified if isinstance(modified, str) else None)


@dataclass(frozen=True)
class FeedResponse:
    """A fetched feed; ``body`` is None when the server answered 304 Not Modified."""

    body: bytes | None
    validators: Validators

    @property
    def not_modified(self) -> bool:
        return self.body is None


def fetch_feed(
    url: str, *, validators: Validators | None = None, timeout: float = 30.0,
    max_bytes: int = MAX_FEED_BYTES, transport: httpx.BaseTransport | None = None,
    retrying: Retrying | None = None,
) -> FeedResponse:
    """GET the feed at ``url`` (see the module docstring).

    Args:
        url: the feed's URL (``SourceConfig.base_url``).
        validators: those of the last good feed; None makes an unconditional GET.
        timeout: seconds for connecting and for each read.
        max_bytes: the body cap (after decompression).
        transport: another transport (tests).
        retrying: the retry policy; default three attempts of the upstream policy.

    Returns:
        The body and its validators, or ``not_modified`` with the validators sent.

    Raises:
        RetriableUpstreamError: the server stayed unavailable through the retries.
        FatalUpstreamError: it refused the request (a 4xx, say).
        ConfigurationError: the URL cannot be requested.
        ValidationError: the body is larger than ``max_bytes``.
    """
    sent = validators or Validators()
    headers = {"Accept": _ACCEPT, **sent.headers()}
    what = f"GET feed at {httpx.URL(url).host or '?'}"
    policy = retrying or upstream_retrying(max_attempts=3)
    with httpx.Client(timeout=timeout, transport=transport, follow_redirects=True,
                      max_redirects=5) as client:
        result: FeedResponse = policy(_get, client, url, headers, sent, what, max_bytes)
        return result


def _get(client: httpx.Client, url: str, headers: dict[str, str], sent: Validators,
         what: str, max_bytes: int) -> FeedResponse:
    with map_httpx_errors(what), client.stream("GET", url, headers=headers) as response:
        if response.status_code == 304:
            return FeedResponse(None, _validators(response, sent))
        error = error_for_status(response, what)
        if error is not None:
            raise error
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > max_bytes:
            raise _too_large(what, max_bytes)
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > max_bytes:
                raise _too_large(what, max_bytes)
            chunks.append(chunk)
        return FeedResponse(b"".join(chunks), _validators(response, Validators()))


def _validators(response: httpx.Response, fallback: Validators) -> Validators:
    """The response's validators; a 304 may leave them out, then the sent ones hold."""
    etag = response.headers.get("ETag") or fallback.etag
    modified = response.headers.get("Last-Modified") or fallback.last_modified
    return Validators(etag, modified)


def _too_large(what: str, max_bytes: int) -> ValidationError:
    return ValidationError(f"{what}: the feed is larger than the {max_bytes} bytes allowed",
                           path="/")
