"""The RIO test bed: certificates, the simulated RIO on a real loopback server, a target.

    pki = Pki.create(tmp_path)
    with simulated_rio(standards, pki) as (rio, base_url):
        target = target_for(base_url, pki)
        with RioClient(target, TENANT, standards, wait=NO_WAIT) as client: ...
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.types import ASGIApp

from gateway.adapters.standards import Standards
from gateway.settings import RioTargetConfig, TenantConfig
from gateway.testing.serving import serve_in_thread
from simulators.rio_service import SimulatedRio, SimulatorConfig, create_app
from simulators.rio_service.certificates import Issued, TestCA

TENANT = TenantConfig(id="roc-a", name="ROC A", onderwijsaanbiedercode="123A456",
                      oin="00000001234567890000")
OTHER_TENANT = TenantConfig(id="roc-b", name="ROC B", onderwijsaanbiedercode="654A321",
                            oin="00000001999999990000")


def NO_WAIT(_: object) -> float:  # noqa: N802 - a constant-like function
    """No pause between retries: the tests count attempts, not seconds."""
    return 0.0


@dataclass(frozen=True)
class Pki:
    """A test CA, RIO's server certificate and the institution's client certificate."""

    folder: Path
    ca: TestCA
    server: Issued
    client: Issued
    ca_pem: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path

    @classmethod
    def create(cls, folder: Path, oin: str | None = TENANT.oin) -> Pki:
        ca = TestCA.create("Test PKIoverheid CA")
        server = ca.issue("localhost", server=True)
        client = ca.issue("ROC A", oin=oin)
        ca_pem = folder / "ca.pem"
        ca_pem.write_bytes(ca.cert_pem())
        server_cert, server_key = server.write(folder, "server")
        client_cert, client_key = client.write(folder, "client")
        return cls(folder, ca, server, client, ca_pem, server_cert, server_key, client_cert,
                   client_key)


@contextmanager
def serve(app: ASGIApp, **tls: Any) -> Iterator[int]:
    """Run ``app`` on a free loopback port (TLS options go to uvicorn); yield the port."""
    with serve_in_thread(app, **tls) as port:
        yield port


@contextmanager
def simulated_rio(
    standards: Standards, pki: Pki, **config: Any
) -> Iterator[tuple[SimulatedRio, str]]:
    """The simulated RIO (trusting the test CA) on plain HTTP; yields it and its base URL."""
    config.setdefault("trusted", (pki.ca.certificate,))
    rio = SimulatedRio(SimulatorConfig(standards, **config))
    with serve(create_app(rio)) as port:
        yield rio, f"http://127.0.0.1:{port}"


def target_for(base_url: str, pki: Pki, tenant: str = TENANT.id, **over: Any) -> RioTargetConfig:
    values: dict[str, Any] = {
        "tenant": tenant,
        "beheren_url": f"{base_url}/RIO/services/beheren4.0",
        "raadplegen_url": f"{base_url}/RIO/services/raadplegen4.0",
        "client_cert": pki.client_cert, "client_key": pki.client_key,
        "ca_bundle": pki.ca_pem, "timeout_seconds": 10, "max_attempts": 3,
    }
    values.update(over)
    return RioTargetConfig(**values)
