"""HTTP for Edukoppeling: TLS 1.2+ with a client certificate, bounded reads, one error map.

DUO authenticates the sender twice: by the TLS client certificate and by the XML
signature (both the PKIoverheid certificate of the institution or its supplier). This
module does the first and moves bytes; :mod:`gateway.adapters.rio.client` does the rest.

Every httpx exception is translated here (``map_httpx_errors``): timeouts, broken
connections and 5xx are retriable, other statuses fatal. A ``500`` that carries XML is
handed back, because SOAP 1.1 sends its faults with that status.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from pathlib import Path

import httpx

from gateway.adapters.ooapi.http_errors import error_for_status, map_httpx_errors
from gateway.adapters.rio.xml import MAX_XML_BYTES
from gateway.errors import ConfigurationError, FatalUpstreamError
from gateway.settings import RioTargetConfig

__all__ = ["RioTransport", "SoapHttpResponse", "tls_context"]


def tls_context(
    *, client_cert: Path | None, client_key: Path | None, ca_bundle: Path | None
) -> ssl.SSLContext:
    """A client TLS context: TLS 1.2 or newer, server verified, our certificate offered.

    Raises:
        ConfigurationError: a certificate, key or CA file is missing or unusable.
    """
    try:
        context = ssl.create_default_context(cafile=str(ca_bundle) if ca_bundle else None)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        if client_cert is not None:
            context.load_cert_chain(str(client_cert), str(client_key) if client_key else None)
    except (OSError, ssl.SSLError) as exc:
        raise ConfigurationError(f"RIO TLS setup failed: {exc}") from exc
    return context


@dataclass(frozen=True)
class SoapHttpResponse:
    status: int
    content_type: str
    content: bytes


class RioTransport:
    """POSTs SOAP messages; one connection pool per RIO target.

    Example::

        with RioTransport.for_target(target) as transport:
            reply = transport.post(target.beheren_url, action, envelope_bytes)
    """

    def __init__(
        self,
        http: httpx.Client,
        *,
        max_response_bytes: int = MAX_XML_BYTES,
    ) -> None:
        self.http = http
        self.max_response_bytes = max_response_bytes

    @classmethod
    def for_target(
        cls, target: RioTargetConfig, *, max_response_bytes: int = MAX_XML_BYTES
    ) -> RioTransport:
        """The transport the settings describe: mutual TLS, the target's timeout."""
        context = tls_context(
            client_cert=target.client_cert, client_key=target.client_key,
            ca_bundle=target.ca_bundle,
        )
        http = httpx.Client(
            verify=context, timeout=target.timeout_seconds, follow_redirects=False,
            trust_env=False,
        )
        return cls(http, max_response_bytes=max_response_bytes)

    def post(self, url: str, soap_action: str, envelope: bytes) -> SoapHttpResponse:
        """Send one envelope; return a 200 answer or a 500 carrying a SOAP fault.

        Raises:
            RetriableUpstreamError: timeouts, connection failures, 408/429/5xx without XML.
            FatalUpstreamError: other statuses, or an answer larger than the cap.
            ConfigurationError: the URL cannot be used.
        """
        headers = {
            "Content-Type": "text/xml; charset=utf-8",
            "SOAPAction": f'"{soap_action}"',
            "Accept": "text/xml",
        }
        what = f"POST {httpx.URL(url).path or '/'} ({soap_action.rpartition('/')[2]})"
        with map_httpx_errors(what), self.http.stream(
            "POST", url, content=envelope, headers=headers
        ) as response:
            content_type = response.headers.get("Content-Type", "").split(";")[0].strip()
            is_xml = content_type in {"text/xml", "application/xml", "application/soap+xml"}
            if response.status_code != 200 and not (response.status_code == 500 and is_xml):
                error = error_for_status(response, what)
                if error is not None:
                    raise error
            content = self._read(response, what)
        return SoapHttpResponse(response.status_code, content_type, content)

    def _read(self, response: httpx.Response, what: str) -> bytes:
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > self.max_response_bytes:
            raise FatalUpstreamError(
                f"{what}: the answer declares {declared} bytes, more than the "
                f"{self.max_response_bytes} the gateway reads", status=response.status_code)
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > self.max_response_bytes:
                raise FatalUpstreamError(
                    f"{what}: the answer is larger than {self.max_response_bytes} bytes",
                    status=response.status_code)
            chunks.append(chunk)
        return b"".join(chunks)

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> RioTransport:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
