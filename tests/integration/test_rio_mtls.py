"""Mutual TLS as DUO runs it: the client presents a certificate or gets no service.

The simulated RIO runs under uvicorn with TLS, requiring a client certificate issued by
the test CA (``ssl_cert_reqs=CERT_REQUIRED``); the gateway's transport verifies the
server against the same CA and presents the institution's certificate.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterator

import httpx
import pytest

from gateway.adapters.rio.client import RioClient, RioUnavailable
from gateway.adapters.rio.transport import RioTransport, tls_context
from gateway.adapters.standards import Standards
from gateway.errors import RetriableUpstreamError
from gateway.mappings.rio_v4 import build_aanleveren
from simulators.rio_service import SimulatedRio, SimulatorConfig, create_app
from tests import factories
from tests.integration.rio_testbed import NO_WAIT, TENANT, Pki, serve, target_for


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return Pki.create(tmp_path_factory.mktemp("mtls"))


@pytest.fixture
def rio_over_mtls(standards: Standards, pki: Pki) -> Iterator[tuple[SimulatedRio, str]]:
    rio = SimulatedRio(SimulatorConfig(standards, trusted=(pki.ca.certificate,)))
    tls = {"ssl_certfile": str(pki.server_cert), "ssl_keyfile": str(pki.server_key),
           "ssl_ca_certs": str(pki.ca_pem), "ssl_cert_reqs": ssl.CERT_REQUIRED}
    with serve(create_app(rio), **tls) as port:
        yield rio, f"https://127.0.0.1:{port}"


def _message(standards: Standards) -> bytes:
    offering = factories.offering()
    return build_aanleveren(TENANT, offering, [factories.cohort(offering_id=offering.id)],
                            standards=standards)


def test_a_client_with_its_certificate_is_served(
    rio_over_mtls: tuple[SimulatedRio, str], pki: Pki, standards: Standards
) -> None:
    rio, base_url = rio_over_mtls
    with RioClient(target_for(base_url, pki), TENANT, standards, wait=NO_WAIT) as client:
        assert client.aanleveren(_message(standards)).accepted
    assert rio.state.codes(str(TENANT.onderwijsaanbiedercode)) == [str(factories.offering().id)]


def test_a_client_without_a_certificate_is_refused(
    rio_over_mtls: tuple[SimulatedRio, str], pki: Pki, standards: Standards
) -> None:
    rio, base_url = rio_over_mtls
    target = target_for(base_url, pki, max_attempts=2)
    anonymous = tls_context(client_cert=None, client_key=None, ca_bundle=pki.ca_pem)
    transport = RioTransport(httpx.Client(verify=anonymous, timeout=10))
    with RioClient(target, TENANT, standards, transport=transport, wait=NO_WAIT) as client, \
            pytest.raises(RioUnavailable) as info:
        client.aanleveren(_message(standards))
    # TLS 1.3: the handshake ends on the client's side before the server checks the
    # certificate, so the refusal shows as a dropped connection (or a TLS alert).
    assert isinstance(info.value.__cause__, RetriableUpstreamError)
    assert isinstance(info.value.__cause__.__cause__, httpx.TransportError)
    assert rio.state.count() == 0  # nothing reached the service


def test_the_client_refuses_a_server_it_cannot_verify(
    rio_over_mtls: tuple[SimulatedRio, str], pki: Pki, standards: Standards
) -> None:
    rio, base_url = rio_over_mtls
    folder = pki.folder / "other-ca"
    folder.mkdir(exist_ok=True)
    other = Pki.create(folder)
    target = target_for(base_url, pki, ca_bundle=other.ca_pem, max_attempts=1)
    with RioClient(target, TENANT, standards, wait=NO_WAIT) as client, pytest.raises(
        RioUnavailable, match="CERTIFICATE_VERIFY_FAILED|certificate verify failed"
    ):
        client.aanleveren(_message(standards))
    assert rio.state.count() == 0
