"""The OOAPI client against httpx.MockTransport: paging, retries, tokens, bad replies."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from gateway.adapters.ooapi.auth import ClientCredentials
from gateway.adapters.ooapi.client import OoapiClient, resource_path
from gateway.errors import ConfigurationError, FatalUpstreamError, RetriableUpstreamError
from gateway.settings import SourceConfig

BASE = "https://sis.example/ooapi"
Handler = Callable[[httpx.Request], httpx.Response]


def page_reply(items: list[Any], number: int, size: int, total: int | None = None,
               *, has_next: bool | None = None) -> httpx.Response:
    pages = total if total is not None else max(1, -(-len(items) // size))
    chunk = items[(number - 1) * size : number * size]
    doc: dict[str, Any] = {
        "pageSize": size, "pageNumber": number, "hasPreviousPage": number > 1,
        "hasNextPage": number < pages if has_next is None else has_next, "items": chunk,
    }
    if total is not None:
        doc["totalPages"] = total
    return httpx.Response(200, json=doc)


class Recorder:
    """Answers with ``handler`` and keeps every request; ``sleeps`` records backoff waits."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.requests: list[httpx.Request] = []
        self.sleeps: list[float] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.handler(request)

    def client(self, **options: Any) -> OoapiClient:
        options.setdefault("page_size", 10)
        return OoapiClient(BASE, transport=httpx.MockTransport(self), sleep=self.sleeps.append,
                           **options)

    def api_requests(self) -> list[httpx.Request]:
        return [r for r in self.requests if r.url.path != "/token"]


def catalogue(count: int) -> list[dict[str, str]]:
    return [{"offeringId": f"id-{n}"} for n in range(count)]


def paged(items: list[Any]) -> Handler:
    def handle(request: httpx.Request) -> httpx.Response:
        size = int(request.url.params["pageSize"])
        return page_reply(items, int(request.url.params.get("pageNumber", "1")), size)

    return handle


# -- paging ------------------------------------------------------------------------------------


def test_pages_through_a_collection_with_size_number_and_consumer() -> None:
    rec = Recorder(paged(catalogue(23)))
    with rec.client(consumer="mbo") as client:
        got = list(client.items("/offerings", {"since": "2020-01-01"}))
    assert got == catalogue(23)
    assert [dict(r.url.params) for r in rec.requests] == [
        {"since": "2020-01-01", "pageSize": "10", "consumer": "mbo", "pageNumber": str(n)}
        for n in (1, 2, 3)
    ]
    assert rec.requests[0].url.path == "/ooapi/offerings"


def test_stops_at_total_pages_even_when_has_next_page_says_more() -> None:
    rec = Recorder(lambda r: page_reply(catalogue(50), int(r.url.params["pageNumber"]), 10,
                                        total=2, has_next=True))
    with rec.client() as client:
        assert len(list(client.items("/programs"))) == 20
    assert len(rec.requests) == 2


def test_stops_at_an_empty_page() -> None:
    rec = Recorder(lambda r: page_reply(catalogue(10), int(r.url.params["pageNumber"]), 10,
                                        has_next=True))
    with rec.client() as client:
        assert len(list(client.items("/programs"))) == 10
    assert len(rec.requests) == 2


def test_a_server_that_ignores_page_number_is_refused() -> None:
    def same_page(request: httpx.Request) -> httpx.Response:
        doc = {"pageSize": 10, "hasPreviousPage": False, "hasNextPage": True,
               "items": catalogue(10)}
        return httpx.Response(200, json=doc)

    rec = Recorder(same_page)
    with rec.client() as client, pytest.raises(FatalUpstreamError, match="repeats an earlier"):
        list(client.items("/courses"))
    assert len(rec.requests) == 2


def test_a_server_answering_another_page_number_is_refused() -> None:
    rec = Recorder(lambda r: page_reply(catalogue(30), 1, 10))
    with rec.client() as client, pytest.raises(FatalUpstreamError, match="answered page 1"):
        list(client.items("/courses"))


def test_a_server_that_never_stops_paging_is_cut_off() -> None:
    endless = catalogue(10_000)
    rec = Recorder(lambda r: page_reply(endless, int(r.url.params["pageNumber"]), 10,
                                        has_next=True))
    with rec.client(max_pages=5) as client, pytest.raises(FatalUpstreamError, match="5 pages"):
        list(client.items("/courses"))
    assert len(rec.requests) == 5


def test_a_reply_without_pagination_fields_is_refused() -> None:
    rec = Recorder(lambda r: httpx.Response(200, json={"items": []}))
    with rec.client() as client, pytest.raises(FatalUpstreamError, match="hasNextPage"):
        list(client.items("/courses"))


def test_resource_path_encodes_ids() -> None:
    assert resource_path("programs", "a/b?c", "offerings") == "/programs/a%2Fb%3Fc/offerings"


# -- retries -----------------------------------------------------------------------------------


def flaky(*first: httpx.Response) -> Handler:
    replies = list(first)

    def handle(request: httpx.Request) -> httpx.Response:
        if replies:
            return replies.pop(0)
        return httpx.Response(200, json={"ok": True})

    return handle


def test_429_waits_as_long_as_retry_after_says() -> None:
    rec = Recorder(flaky(httpx.Response(429, headers={"Retry-After": "7"})))
    with rec.client() as client:
        assert client.get("/") == {"ok": True}
    assert rec.sleeps == [7.0]
    assert len(rec.requests) == 2


def test_retry_after_as_an_http_date() -> None:
    now = datetime(2026, 3, 2, 10, 0, 0, tzinfo=UTC)
    rec = Recorder(flaky(httpx.Response(
        503, headers={"Retry-After": "Mon, 02 Mar 2026 10:00:30 GMT"})))
    with rec.client(now=lambda: now) as client:
        assert client.get("/") == {"ok": True}
    assert rec.sleeps == [30.0]


def test_503_then_success_backs_off_exponentially() -> None:
    rec = Recorder(flaky(httpx.Response(503), httpx.Response(502), httpx.Response(500)))
    with rec.client(max_backoff=8) as client:
        assert client.get("/") == {"ok": True}
    assert len(rec.requests) == 4
    assert len(rec.sleeps) == 3
    assert all(0 < s <= 8 for s in rec.sleeps)
    assert rec.sleeps[2] >= 2.0  # initial 0.5 doubled twice, jitter only adds


def test_timeouts_and_connection_errors_are_retried() -> None:
    errors: list[Exception] = [httpx.ReadTimeout("slow"), httpx.ConnectError("refused")]

    def handle(request: httpx.Request) -> httpx.Response:
        if errors:
            raise errors.pop(0)
        return httpx.Response(200, json={"ok": True})

    rec = Recorder(handle)
    with rec.client() as client:
        assert client.get("/") == {"ok": True}
    assert len(rec.requests) == 3


def test_gives_up_after_max_attempts_with_a_retriable_error() -> None:
    rec = Recorder(lambda r: httpx.Response(503))
    with rec.client(max_attempts=3) as client, pytest.raises(RetriableUpstreamError, match="503"):
        client.get("/programs")
    assert len(rec.requests) == 3


def test_a_retry_after_beyond_the_limit_ends_the_attempts_and_keeps_the_delay() -> None:
    rec = Recorder(lambda r: httpx.Response(429, headers={"Retry-After": "3600"}))
    with rec.client(max_retry_after=60) as client, pytest.raises(RetriableUpstreamError) as info:
        client.get("/")
    assert info.value.retry_after == 3600.0
    assert (len(rec.requests), rec.sleeps) == (1, [])


@pytest.mark.parametrize("status", [400, 403, 404, 409, 422])
def test_client_errors_are_fatal_and_not_retried(status: int) -> None:
    rec = Recorder(lambda r: httpx.Response(status, json={"title": "nope"}))
    with rec.client() as client, pytest.raises(FatalUpstreamError, match=f"HTTP {status}"):
        client.get("/programs")
    assert len(rec.requests) == 1


def test_a_redirect_is_fatal_and_names_the_target() -> None:
    rec = Recorder(lambda r: httpx.Response(301, headers={"Location": "https://new/ooapi"}))
    with rec.client() as client, pytest.raises(FatalUpstreamError, match="https://new/ooapi"):
        client.get("/")


# -- bad replies -------------------------------------------------------------------------------


def test_a_reply_with_the_wrong_content_type_is_refused_with_a_clear_message() -> None:
    rec = Recorder(lambda r: httpx.Response(200, text="<html>login</html>",
                                            headers={"Content-Type": "text/html"}))
    with rec.client() as client, pytest.raises(
        FatalUpstreamError, match="expected application/json, got text/html"
    ):
        client.get("/offerings")
    assert len(rec.requests) == 1


def test_a_reply_that_says_json_but_is_not_is_refused() -> None:
    rec = Recorder(lambda r: httpx.Response(200, content=b"{not json",
                                            headers={"Content-Type": "application/json"}))
    with rec.client() as client, pytest.raises(FatalUpstreamError, match="not valid JSON"):
        client.get("/offerings")


def test_problem_json_and_charset_parameters_are_json() -> None:
    body = json.dumps({"ok": True}).encode()
    rec = Recorder(lambda r: httpx.Response(
        200, content=body, headers={"Content-Type": "application/json; charset=utf-8"}))
    with rec.client() as client:
        assert client.get("/") == {"ok": True}


def test_an_oversized_reply_is_refused() -> None:
    rec = Recorder(lambda r: httpx.Response(200, json={"items": ["x" * 5000]}))
    with rec.client(max_response_bytes=1024) as client, pytest.raises(
        FatalUpstreamError, match="over the limit"
    ):
        client.get("/")


# -- tokens ------------------------------------------------------------------------------------


class TokenServer:
    """A token endpoint and an API that accepts only the newest token (or none, when told)."""

    def __init__(self, lifetime: int = 600) -> None:
        self.lifetime = lifetime
        self.issued = 0
        self.revoked: set[str] = set()
        self.refuse_all = False

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/token":
            assert request.method == "POST"
            assert request.headers["Authorization"] == httpx.BasicAuth(
                "gw", "s3cret-value")._auth_header
            form = dict(httpx.QueryParams(request.content.decode()))
            assert form["grant_type"] == "client_credentials"
            self.issued += 1
            return httpx.Response(200, json={"access_token": f"tok-{self.issued}",
                                             "token_type": "Bearer",
                                             "expires_in": self.lifetime})
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if self.refuse_all or not token.startswith("tok-") or token in self.revoked:
            # a stream, as over the wire: the body is not read until someone reads it
            return httpx.Response(401, headers={"Content-Type": "application/problem+json"},
                                  stream=httpx.ByteStream(b'{"title": "invalid token"}'))
        return httpx.Response(200, json={"token": token})


def token_client(server: TokenServer, rec: Recorder, clock: list[float]) -> OoapiClient:
    auth = ClientCredentials("https://sis.example/token", "gw", "s3cret-value",
                             clock=lambda: clock[0])
    return rec.client(auth=auth)


def test_token_is_fetched_once_and_cached_until_shortly_before_expiry() -> None:
    server, clock = TokenServer(lifetime=600), [1000.0]
    rec = Recorder(server)
    with token_client(server, rec, clock) as client:
        assert client.get("/")["token"] == "tok-1"
        clock[0] += 500
        assert client.get("/")["token"] == "tok-1"
        clock[0] += 75  # within the margin before expiry: fetch a fresh one
        assert client.get("/")["token"] == "tok-2"
    assert server.issued == 2
    assert len(rec.api_requests()) == 3


def test_a_401_refreshes_the_token_once_and_retries() -> None:
    server, clock = TokenServer(), [0.0]
    rec = Recorder(server)
    with token_client(server, rec, clock) as client:
        client.get("/")
        server.revoked.add("tok-1")
        assert client.get("/")["token"] == "tok-2"
    assert server.issued == 2


def test_a_second_401_is_fatal() -> None:
    server, clock = TokenServer(), [0.0]
    server.refuse_all = True
    rec = Recorder(server)
    with token_client(server, rec, clock) as client, pytest.raises(
        FatalUpstreamError, match="HTTP 401"
    ):
        client.get("/")
    assert server.issued == 2
    assert len(rec.api_requests()) == 2


def test_a_refused_client_is_fatal_with_a_hint() -> None:
    rec = Recorder(lambda r: httpx.Response(401, json={"error": "invalid_client"}))
    auth = ClientCredentials("https://sis.example/token", "gw", "wrong-secret-value")
    with rec.client(auth=auth) as client, pytest.raises(FatalUpstreamError, match="client_id"):
        client.get("/")
    assert len(rec.requests) == 1


def test_a_token_endpoint_outage_is_retried() -> None:
    server = TokenServer()
    outage = [httpx.Response(503)]
    rec = Recorder(lambda r: outage.pop() if outage and r.url.path == "/token" else server(r))
    auth = ClientCredentials("https://sis.example/token", "gw", "s3cret-value")
    with rec.client(auth=auth) as client:
        assert client.get("/")["token"] == "tok-1"
    assert len(rec.sleeps) == 1


def test_a_token_reply_without_access_token_is_fatal() -> None:
    rec = Recorder(lambda r: httpx.Response(200, json={"token_type": "Bearer"}))
    auth = ClientCredentials("https://sis.example/token", "gw", "s3cret-value")
    with rec.client(auth=auth) as client, pytest.raises(FatalUpstreamError, match="OAuth2"):
        client.get("/")


def test_half_configured_credentials_are_a_configuration_error() -> None:
    source = SourceConfig(tenant="roc-a", name="sis", base_url=BASE,
                          token_url="https://sis.example/token", client_id="gw")
    with pytest.raises(ConfigurationError, match="go together"):
        OoapiClient.for_source(source)


def test_for_source_takes_consumer_and_page_size() -> None:
    source = SourceConfig(tenant="roc-a", name="sis", base_url=BASE, consumer="mbo",
                          page_size=50)
    rec = Recorder(paged(catalogue(3)))
    with OoapiClient.for_source(source, transport=httpx.MockTransport(rec)) as client:
        list(client.items("/offerings"))
    assert rec.requests[0].url.params["consumer"] == "mbo"
    assert rec.requests[0].url.params["pageSize"] == "50"


def test_a_page_size_outside_the_spec_is_a_configuration_error() -> None:
    source = SourceConfig(tenant="roc-a", name="sis", base_url=BASE, page_size=1000)
    with pytest.raises(ConfigurationError, match="page_size 1000"):
        OoapiClient.for_source(source)
