"""The RIO client: sign, send, read the answer, and classify what went wrong.

    client = RioClient(target, tenant, standards)
    result = client.aanleveren(message)     # BeherenResult, accepted
    client.verwijderen(message)
    client.opvragen(offering_id)           # OpvragenResult (accepted or a foutmelding)
    client.opvragen_alle()                 # every RioOffering of the tenant, all pages

Outcomes, by what the caller should do:

- ``requestGoedgekeurd=true``: returned.
- ``requestGoedgekeurd=false`` on aanleveren/verwijderen: :class:`RioRejection` (a
  ``FatalUpstreamError`` carrying DUO's foutmeldingen). Never retried: the same message
  would be refused again.
- SOAP faults, timeouts, broken connections, 408/429/5xx, an answer to another message:
  retried with capped exponential backoff (``target.max_attempts`` attempts in all, a fresh
  envelope, MessageID and Timestamp each time), then :class:`RioUnavailable`.
- a hostile, oversized, malformed or XSD-invalid answer: ``RioResponseError`` (fatal).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from uuid import UUID

from lxml import etree
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt

from gateway.adapters.rio.aangeboden_opleiding import RioOffering
from gateway.adapters.rio.codec import RioMessageInvalid, validate_element
from gateway.adapters.rio.responses import (
    BeherenResult,
    Foutmelding,
    OpvragenResult,
    RioResponseError,
    build_opvragen,
    build_opvragen_lijst,
    parse_beheren_response,
    parse_opvragen_lijst_response,
    parse_opvragen_response,
)
from gateway.adapters.rio.soap import (
    Addressing,
    RioService,
    SoapFaultError,
    address_for_oin,
    body_payload,
    build_envelope,
    find_fault,
    new_message_id,
    read_addressing,
)
from gateway.adapters.rio.transport import RioTransport, SoapHttpResponse
from gateway.adapters.rio.wssecurity import SigningCredentials, sign_envelope
from gateway.adapters.rio.xml import MAX_XML_BYTES, MalformedXmlError, UnsafeXmlError, parse_xml
from gateway.adapters.standards import Standards
from gateway.errors import (
    ConfigurationError,
    FatalUpstreamError,
    RetriableUpstreamError,
    ValidationError,
)
from gateway.settings import RioTargetConfig, TenantConfig

__all__ = ["RioClient", "RioRejection", "RioUnavailable", "backoff"]

log = logging.getLogger(__name__)

Wait = Callable[[RetryCallState], float]


class RioRejection(FatalUpstreamError):
    """RIO refused the message (``requestGoedgekeurd=false``): dead-letter it, do not retry."""

    code = "rio-rejected"

    def __init__(self, operation: str, foutmeldingen: tuple[Foutmelding, ...]) -> None:
        shown = "; ".join(f"{f.code}: {f.text}" for f in foutmeldingen[:5]) or "no foutmelding"
        super().__init__(f"RIO rejected {operation}: {shown}", operation=operation)
        self.operation = operation
        self.foutmeldingen = foutmeldingen


class RioUnavailable(RetriableUpstreamError):
    """Every attempt failed with a retriable error; the last one is the ``__cause__``."""

    code = "rio-unavailable"


def backoff(initial: float = 1.0, maximum: float = 60.0) -> Wait:
    """Capped exponential backoff that honours a server's ``Retry-After`` (also capped)."""

    def wait(state: RetryCallState) -> float:
        delay: float = min(maximum, initial * 2.0 ** (state.attempt_number - 1))
        error = state.outcome.exception() if state.outcome is not None else None
        if isinstance(error, RetriableUpstreamError) and error.retry_after is not None:
            delay = max(delay, min(maximum, error.retry_after))
        return delay

    return wait


class RioClient:
    """Talks to one tenant's RIO services over Edukoppeling.

    Args:
        target: URLs, DUO's OIN, certificate files, timeout and ``max_attempts``.
        tenant: the institution; its OIN is ``wsa:From`` and the documents' sender.
        standards: DUO's XSDs, to validate what RIO answers.
        transport: defaults to mutual TLS as ``target`` describes.
        credentials: the signing certificate and key; defaults to ``target``'s files.
        wait: the pause before each retry (tests pass ``lambda _: 0``).
        clock: the time for Timestamps.
    """

    def __init__(
        self,
        target: RioTargetConfig,
        tenant: TenantConfig,
        standards: Standards,
        *,
        transport: RioTransport | None = None,
        credentials: SigningCredentials | None = None,
        wait: Wait | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        max_response_bytes: int = MAX_XML_BYTES,
    ) -> None:
        if not tenant.oin:
            raise ConfigurationError(f"tenant {tenant.id} has no OIN: set it to deliver to RIO")
        self.target = target
        self.tenant = tenant
        self.standards = standards
        self.credentials = credentials or SigningCredentials.from_pem_files(
            target.client_cert, target.client_key)
        self.transport = transport or RioTransport.for_target(
            target, max_response_bytes=max_response_bytes)
        self.wait = wait or backoff()
        self.clock = clock

    # -- Beheren -----------------------------------------------------------------------
    def aanleveren(self, message: bytes) -> BeherenResult:
        """Send an ``aanleveren_aangebodenOpleiding_request`` (full state).

        Raises:
            RioMessageInvalid: the message fails DUO's XSD; it was not sent.
            RioRejection: RIO refused it with foutmeldingen.
            RioUnavailable: every attempt failed with a retriable error.
            RioResponseError: RIO's answer is hostile, malformed or not per the XSD.
        """
        return self._beheren("aanleveren_aangebodenOpleiding", message)

    def verwijderen(self, message: bytes) -> BeherenResult:
        """Send a ``verwijderen_aangebodenOpleiding_request``; raises like :meth:`aanleveren`."""
        return self._beheren("verwijderen_aangebodenOpleiding", message)

    def _beheren(self, operation: str, message: bytes) -> BeherenResult:
        envelope = self._call(RioService.BEHEREN, operation, message)
        result = parse_beheren_response(envelope, self.standards, operation)
        if not result.accepted:
            raise RioRejection(operation, result.foutmeldingen)
        return result

    # -- Raadplegen ----------------------------------------------------------------------
    def opvragen(self, code: UUID | str) -> OpvragenResult:
        """What RIO holds for one offering; ``accepted`` is False (with a foutmelding) if none."""
        message = build_opvragen(self.tenant, str(code), standards=self.standards,
                                 receiver_oin=self.target.duo_oin)
        envelope = self._call(RioService.RAADPLEGEN, "opvragen_aangebodenOpleiding", message)
        return parse_opvragen_response(envelope, self.standards)

    def opvragen_alle(self) -> Iterator[RioOffering]:
        """Every offering RIO holds for the tenant's onderwijsaanbieder, page by page.

        Raises:
            RioRejection: RIO refused the query (e.g. an unknown onderwijsaanbieder).
        """
        page = 0
        while True:
            message = build_opvragen_lijst(self.tenant, page, standards=self.standards,
                                           receiver_oin=self.target.duo_oin)
            operation = "opvragen_aangebodenOpleidingenVanOrganisatie"
            envelope = self._call(RioService.RAADPLEGEN, operation, message)
            result = parse_opvragen_lijst_response(envelope, self.standards)
            if not result.accepted:
                raise RioRejection(operation, result.foutmeldingen)
            yield from result.offerings
            if not result.has_next:
                return
            page += 1

    # -- one exchange, retried -----------------------------------------------------------
    def _call(self, service: RioService, operation: str, message: bytes) -> etree._Element:
        payload = parse_xml(message)
        if etree.QName(payload).localname != f"{operation}_request":
            raise ValueError(f"{operation} takes a {operation}_request, not "
                             f"{etree.QName(payload).localname}")
        errors = validate_element(payload, self.standards)
        if errors:  # never send what DUO's XSD refuses
            raise RioMessageInvalid(errors)
        url = (self.target.beheren_url if service is RioService.BEHEREN
               else self.target.raadplegen_url)
        retrying = Retrying(
            stop=stop_after_attempt(self.target.max_attempts), wait=self.wait,
            retry=retry_if_exception_type(RetriableUpstreamError), reraise=True,
        )
        try:
            return retrying(self._attempt, service, operation, url, payload)
        except RetriableUpstreamError as exc:
            raise RioUnavailable(
                f"RIO {operation} failed {self.target.max_attempts} time(s); last: {exc.message}",
                operation=operation,
            ) from exc

    def _attempt(
        self, service: RioService, operation: str, url: str, payload: etree._Element
    ) -> etree._Element:
        addressing = Addressing(
            action=service.action(operation), to=address_for_oin(self.target.duo_oin),
            from_=address_for_oin(str(self.tenant.oin)), message_id=new_message_id(),
        )
        envelope = sign_envelope(build_envelope(payload, addressing), self.credentials,
                                 now=self.clock())
        data = etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")
        try:
            reply = self.transport.post(url, addressing.action, data)
            answer = self._answer(reply, addressing)
        except RetriableUpstreamError as exc:
            log.warning("rio %s tenant=%s message=%s failed, may retry: %s", operation,
                        self.tenant.id, addressing.message_id, exc.message)
            raise
        log.info("rio %s tenant=%s message=%s answered", operation, self.tenant.id,
                 addressing.message_id)
        return answer

    def _answer(self, reply: SoapHttpResponse, sent: Addressing) -> etree._Element:
        server_error = reply.status >= 500
        try:
            envelope = parse_xml(reply.content)
        except UnsafeXmlError as exc:
            raise RioResponseError(f"RIO answer refused: {exc.message}") from exc
        except MalformedXmlError as exc:
            if server_error:
                raise RetriableUpstreamError(f"HTTP {reply.status} with no readable SOAP fault",
                                             status=reply.status) from exc
            raise RioResponseError(f"RIO answer is not XML: {exc.message}") from exc
        try:
            fault = find_fault(envelope)
            if fault is not None:
                raise SoapFaultError(fault)
            if server_error:
                raise RetriableUpstreamError(f"HTTP {reply.status} without a SOAP fault",
                                             status=reply.status)
            addressing = read_addressing(envelope, response=True)
            body_payload(envelope)
        except ValidationError as exc:
            raise RioResponseError(f"RIO answer is not an Edukoppeling message: {exc.message}"
                                   ) from exc
        if addressing.relates_to != sent.message_id:
            raise RetriableUpstreamError(
                f"RIO answered message {addressing.relates_to}, not {sent.message_id}")
        return envelope

    def close(self) -> None:
        self.transport.close()

    def __enter__(self) -> RioClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
