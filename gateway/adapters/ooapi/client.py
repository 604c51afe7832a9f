"""An httpx client for an institution's OOAPI v5 endpoint (mbo profile), page by page.

It speaks the spec's paging (``pageSize``/``pageNumber`` in, ``Pagination`` out), sends the
``consumer`` parameter, authenticates with OAuth2 client credentials (:mod:`.auth`), retries
only what may heal (429, 5xx, timeouts, broken connections; ``Retry-After`` honoured) and
translates every httpx exception at this boundary (:mod:`.http_errors`). Items come out of a
generator one page at a time, so a sync of 10,000 offerings holds one page in memory.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType
from typing import Any
from urllib.parse import quote

import httpx

from gateway.adapters.ooapi.auth import ClientCredentials
from gateway.adapters.ooapi.http_errors import error_for_status, map_httpx_errors
from gateway.adapters.ooapi.retry import upstream_retrying
from gateway.errors import ConfigurationError, FatalUpstreamError
from gateway.settings import SourceConfig

__all__ = ["PAGE_SIZES", "OoapiClient", "Page", "resource_path"]

log = logging.getLogger(__name__)

Params = Mapping[str, str | int]
#: The ``pageSize`` values ``ooapi.json`` allows (an enumeration; servers answer 400 to others).
PAGE_SIZES = (10, 20, 50, 100, 250)


def resource_path(*segments: str) -> str:
    """``/programs/{id}/offerings`` with every segment percent-encoded (ids come upstream)."""
    return "/" + "/".join(quote(s, safe="") for s in segments)


@dataclass(frozen=True)
class Page:
    """One page of an OOAPI collection; ``items`` are raw JSON objects, not yet validated."""

    number: int
    items: list[Any]
    has_next: bool
    total_pages: int | None


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/")
                                            and media.endswith("+json"))


class OoapiClient:
    """Reads one OOAPI v5 endpoint.

    Example::

        with OoapiClient.for_source(source) as client:
            for offering in client.items("/offerings", {"since": "2020-01-01"}):
                ...

    Args:
        base_url: the endpoint's root (the service document's URL).
        auth: client credentials, or None for an open endpoint.
        consumer: the ``consumer`` query parameter sent with every collection request.
        page_size: ``pageSize`` of collection requests.
        timeout: seconds per request (connect, read, write, pool).
        max_attempts: attempts per request, the first included.
        max_backoff: the cap of the exponential backoff, in seconds.
        max_retry_after: a ``Retry-After`` longer than this ends the attempts at once (the
            error keeps ``retry_after`` so a scheduler can come back later).
        max_pages: a collection with more pages is refused (a server that never stops).
        max_response_bytes: a larger reply is refused before it fills the memory.
        transport: an httpx transport; tests pass ``httpx.MockTransport``.
        sleep: waits between attempts; tests pass a recorder.
        now: wall clock, to resolve an HTTP-date ``Retry-After``.
    """

    def __init__(
        self,
        base_url: str,
        *,
        auth: httpx.Auth | None = None,
        consumer: str | None = None,
        page_size: int = 250,
        timeout: float = 30.0,
        max_attempts: int = 5,
        max_backoff: float = 30.0,
        max_retry_after: float = 300.0,
        max_pages: int = 10_000,
        max_response_bytes: int = 64 * 1024 * 1024,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.consumer = consumer
        self.page_size = page_size
        self.max_pages = max_pages
        self.max_response_bytes = max_response_bytes
        self._now = now
        self._http = httpx.Client(
            base_url=base_url, auth=auth, timeout=timeout, transport=transport,
            headers={"Accept": "application/json", "User-Agent": "mbo-gateway"},
        )
        self._retrying = upstream_retrying(
            max_attempts=max_attempts, max_backoff=max_backoff,
            max_retry_after=max_retry_after, sleep=sleep,
        )

    @classmethod
    def for_source(cls, source: SourceConfig, **options: Any) -> OoapiClient:
        """A client with the settings of one configured source.

        Raises:
            ConfigurationError: client credentials are half configured, or ``page_size`` is
                not one OOAPI v5 allows.
        """
        if source.page_size not in PAGE_SIZES:
            raise ConfigurationError(
                f"source {source.tenant}/{source.name}: page_size {source.page_size} is not "
                f"one OOAPI v5 allows {PAGE_SIZES}"
            )
        auth: httpx.Auth | None = None
        secret = source.client_secret.get_secret_value() if source.client_secret else None
        configured = [source.token_url, source.client_id, secret]
        if any(configured) and not all(configured):
            raise ConfigurationError(
                f"source {source.tenant}/{source.name}: token_url, client_id and client_secret "
                "go together (OAuth2 client credentials)"
            )
        if source.token_url and source.client_id and secret:
            auth = ClientCredentials(source.token_url, source.client_id, secret)
        options.setdefault("consumer", source.consumer)
        options.setdefault("page_size", source.page_size)
        options.setdefault("timeout", source.timeout_seconds)
        return cls(source.base_url, auth=auth, **options)

    # -- requests ---------------------------------------------------------------------------
    def get(self, path: str, params: Params | None = None) -> Any:
        """GET one JSON document, retrying what may heal.

        Raises:
            RetriableUpstreamError: still failing after the last attempt.
            FatalUpstreamError: a 4xx, a reply that is not JSON, or one that is too large.
        """
        return self._retrying(self._get_once, path, dict(params or {}))

    def pages(self, path: str, params: Params | None = None) -> Iterator[Page]:
        """Every page of a collection, requested one after the other.

        Stops when ``hasNextPage`` is false, at ``totalPages`` or at an empty page.

        Raises:
            FatalUpstreamError: the reply is no ``Pagination`` page, answers another page than
                asked, repeats an earlier page, or the collection passes ``max_pages``.
        """
        seen: set[bytes] = set()
        query: dict[str, str | int] = dict(params or {})
        query["pageSize"] = self.page_size
        if self.consumer:
            query["consumer"] = self.consumer
        for number in range(1, self.max_pages + 1):
            query["pageNumber"] = number
            page = _page(self.get(path, query), f"GET {path}", number)
            fingerprint = hashlib.sha256(json.dumps(page.items).encode()).digest()
            if page.items and fingerprint in seen:
                raise FatalUpstreamError(
                    f"GET {path}: page {number} repeats an earlier page; the server does not "
                    "page (is pageNumber ignored?)"
                )
            seen.add(fingerprint)
            yield page
            last = page.total_pages is not None and number >= page.total_pages
            if not page.has_next or last or not page.items:
                if page.has_next and not last:
                    log.warning("GET %s: page %d is empty but claims a next page", path, number)
                return
        raise FatalUpstreamError(
            f"GET {path}: more than {self.max_pages} pages; the server does not stop paging"
        )

    def items(self, path: str, params: Params | None = None) -> Iterator[Any]:
        """The items of every page, in order, one page in memory at a time."""
        for page in self.pages(path, params):
            yield from page.items

    def _get_once(self, path: str, params: dict[str, str | int]) -> Any:
        what = f"GET {path}"
        with map_httpx_errors(what), self._http.stream("GET", path, params=params) as reply:
            error = error_for_status(reply, what, self._now)
            if error is not None:
                raise error
            content_type = reply.headers.get("Content-Type", "")
            if not _is_json(content_type):
                raise FatalUpstreamError(
                    f"{what}: expected application/json, got {content_type or 'no content type'}"
                )
            body = self._read_capped(reply, what)
        try:
            return json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise FatalUpstreamError(f"{what}: the reply is not valid JSON: {exc}") from exc

    def _read_capped(self, reply: httpx.Response, what: str) -> bytes:
        declared = reply.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > self.max_response_bytes:
            raise FatalUpstreamError(f"{what}: reply of {declared} bytes is over the limit "
                                     f"of {self.max_response_bytes}")
        chunks: list[bytes] = []
        size = 0
        for chunk in reply.iter_bytes():
            size += len(chunk)
            if size > self.max_response_bytes:
                raise FatalUpstreamError(f"{what}: reply is over the limit of "
                                         f"{self.max_response_bytes} bytes")
            chunks.append(chunk)
        return b"".join(chunks)

    # -- lifecycle --------------------------------------------------------------------------
    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> OoapiClient:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _page(doc: Any, what: str, requested: int) -> Page:
    if not isinstance(doc, dict) or not isinstance(doc.get("items"), list):
        raise FatalUpstreamError(f"{what}: not an OOAPI Pagination page (no items list)")
    has_next, total, number = doc.get("hasNextPage"), doc.get("totalPages"), doc.get("pageNumber")
    if not isinstance(has_next, bool):
        raise FatalUpstreamError(f"{what}: Pagination page without a boolean hasNextPage")
    if number is not None and number != requested:
        raise FatalUpstreamError(
            f"{what}: asked for page {requested}, the server answered page {number!r}"
        )
    return Page(requested, doc["items"], has_next, total if isinstance(total, int) else None)
