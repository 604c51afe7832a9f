"""The Edukoppeling transport: headers, status classes, read caps, TLS settings."""

from __future__ import annotations

import ssl
from pathlib import Path

import httpx
import pytest

from gateway.adapters.rio.transport import RioTransport, tls_context
from gateway.errors import ConfigurationError, FatalUpstreamError, RetriableUpstreamError
from simulators.rio_service.certificates import TestCA

URL = "https://rio.example/RIO/services/beheren4.0"
ACTION = "http://duo.nl/contract/DUO_RIO_Beheren_OnderwijsOrganisatie_V4/aanleveren_x"


def _transport(handler: httpx.MockTransport, cap: int = 1024) -> RioTransport:
    return RioTransport(httpx.Client(transport=handler), max_response_bytes=cap)


def test_posts_soap_with_the_action_header() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=b"<ok/>", headers={"Content-Type": "text/xml"})

    with _transport(httpx.MockTransport(answer)) as transport:
        reply = transport.post(URL, ACTION, b"<Envelope/>")
    assert (reply.status, reply.content_type, reply.content) == (200, "text/xml", b"<ok/>")
    assert seen[0].headers["SOAPAction"] == f'"{ACTION}"'
    assert seen[0].headers["Content-Type"].startswith("text/xml")
    assert seen[0].content == b"<Envelope/>"


@pytest.mark.parametrize(("status", "headers", "expected"), [
    (503, {"Retry-After": "7"}, RetriableUpstreamError),
    (502, {}, RetriableUpstreamError),
    (429, {}, RetriableUpstreamError),
    (500, {"Content-Type": "text/html"}, RetriableUpstreamError),
    (404, {}, FatalUpstreamError),
    (403, {}, FatalUpstreamError),
    (301, {"Location": "https://elsewhere"}, FatalUpstreamError),
])
def test_statuses_are_classified(status: int, headers: dict[str, str],
                                 expected: type[Exception]) -> None:
    mock = httpx.MockTransport(lambda _: httpx.Response(status, headers=headers, content=b"x"))
    with _transport(mock) as transport, pytest.raises(expected) as info:
        transport.post(URL, ACTION, b"<Envelope/>")
    if "Retry-After" in headers:
        assert info.value.retry_after == 7.0  # type: ignore[attr-defined]


def test_a_soap_fault_with_status_500_is_handed_back() -> None:
    mock = httpx.MockTransport(lambda _: httpx.Response(
        500, content=b"<Fault/>", headers={"Content-Type": "text/xml; charset=utf-8"}))
    with _transport(mock) as transport:
        assert transport.post(URL, ACTION, b"<Envelope/>").status == 500


def test_an_answer_declaring_more_than_the_cap_is_not_read() -> None:
    mock = httpx.MockTransport(lambda _: httpx.Response(
        200, content=b"x" * 2048, headers={"Content-Type": "text/xml"}))
    with _transport(mock) as transport, pytest.raises(FatalUpstreamError, match="declares 2048"):
        transport.post(URL, ACTION, b"<Envelope/>")


@pytest.mark.parametrize(("error", "expected"), [
    (httpx.ConnectTimeout("slow"), RetriableUpstreamError),
    (httpx.ReadTimeout("slow"), RetriableUpstreamError),
    (httpx.ConnectError("refused"), RetriableUpstreamError),
    (httpx.RemoteProtocolError("closed"), RetriableUpstreamError),
    (httpx.UnsupportedProtocol("ftp"), ConfigurationError),
])
def test_httpx_errors_are_translated(error: Exception, expected: type[Exception]) -> None:
    def fail(_: httpx.Request) -> httpx.Response:
        raise error

    with _transport(httpx.MockTransport(fail)) as transport, pytest.raises(expected) as info:
        transport.post(URL, ACTION, b"<Envelope/>")
    assert info.value.__cause__ is error


def test_tls_context_needs_tls12_and_offers_the_client_certificate(tmp_path: Path) -> None:
    ca = TestCA.create()
    cert, key = ca.issue("ROC A").write(tmp_path, "client")
    ca_file = tmp_path / "ca.pem"
    ca_file.write_bytes(ca.cert_pem())
    context = tls_context(client_cert=cert, client_key=key, ca_bundle=ca_file)
    assert context.minimum_version == ssl.TLSVersion.TLSv1_2
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    with pytest.raises(ConfigurationError, match="TLS setup failed"):
        tls_context(client_cert=tmp_path / "missing.pem", client_key=key, ca_bundle=None)
