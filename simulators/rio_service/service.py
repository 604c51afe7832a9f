"""The simulated RIO's handling of one SOAP request, as DUO's service would do it.

In order: refuse hostile XML, verify the WS-Security signature (and, when configured, that
a trusted CA issued the signer's certificate), check the addressing headers (``To`` is
DUO, ``From`` an OIN that matches the certificate, ``Action`` = ``SOAPAction``, a fresh
``MessageID``), validate the body against DUO's XSD, then apply the business rules and the
operation. Technical problems are SOAP faults; business rule violations are ordinary
answers with ``requestGoedgekeurd=false`` and foutmeldingen.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from cryptography import x509
from cryptography.x509.oid import NameOID
from lxml import etree

from gateway.adapters.rio.codec import validate_element
from gateway.adapters.rio.document import DUO_OIN
from gateway.adapters.rio.soap import (
    Addressing,
    RioService,
    SoapFault,
    address_for_oin,
    body_payload,
    build_envelope,
    build_fault,
    new_message_id,
    oin_of,
    read_addressing,
)
from gateway.adapters.rio.wssecurity import SigningCredentials, sign_envelope
from gateway.adapters.rio.wssecurity_verify import verify_envelope
from gateway.adapters.rio.xml import MAX_XML_BYTES, parse_xml
from gateway.adapters.standards import Standards
from gateway.errors import ValidationError
from simulators.rio_service.operations import OPERATIONS, Request
from simulators.rio_service.state import FaultKind, RioState

__all__ = ["DEFAULT_CREBOS", "Answer", "SimulatorConfig", "SimulatedRio"]

log = logging.getLogger(__name__)

#: Crebos the simulated register knows unless configured otherwise (the sample school's).
DEFAULT_CREBOS = frozenset({"25604", "25651", "25180", "25498", "25169", "25486", "25726",
                            "25609"})

#: Which service offers which operation (Beheren writes, Raadplegen reads).
OPERATIONS_BY_SERVICE = frozenset(
    (RioService.BEHEREN if op.startswith(("aanleveren", "verwijderen")) else RioService.RAADPLEGEN,
     op) for op in OPERATIONS
)

_BOMB = (b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
         b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
         b"<lolz>&lol2;</lolz>")


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class SimulatorConfig:
    """How the simulated RIO behaves; every field has a default that works in tests."""

    standards: Standards
    known_crebos: frozenset[str] = DEFAULT_CREBOS
    oin: str = DUO_OIN
    #: CA (or signer) certificates trusted for signatures; None accepts any valid signer.
    trusted: tuple[x509.Certificate, ...] | None = None
    #: Sign answers like DUO does; None sends them unsigned.
    signing: SigningCredentials | None = None
    max_body_bytes: int = MAX_XML_BYTES
    page_size: int = 500
    clock: Callable[[], datetime] = field(default=_utcnow)


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    #: Send chunked, without a Content-Length (so a client must cap what it reads itself).
    chunked: bool = False


class _Refused(Exception):
    def __init__(self, reason: str, outcome: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.outcome = outcome


def _certificate_oin(cert: x509.Certificate) -> str | None:
    """PKIoverheid certificates carry the holder's OIN as the subject's serialNumber."""
    values = cert.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)
    return str(values[0].value) if values else None


class SimulatedRio:
    """DUO's RIO V4 services in memory: ``handle`` one request, keep ``state``."""

    def __init__(self, config: SimulatorConfig, state: RioState | None = None) -> None:
        self.config = config
        self.state = state or RioState()

    def handle(self, service: RioService, body: bytes, soap_action: str | None) -> Answer:
        """Answer one POSTed SOAP message; never raises for bad input."""
        operation = (soap_action or "").strip().strip('"').rpartition("/")[2] or "?"
        fault = self.state.next_fault()
        if fault is not None:
            self.state.log(operation, "", f"injected-{fault.kind}")
            return self._injected(fault.kind, fault.size)
        try:
            request = self._accept(service, body, soap_action)
        except _Refused as refused:
            self.state.log(operation, "", refused.outcome)
            log.info("rio simulator refused a %s request: %s", operation, refused.reason)
            fault_envelope = build_fault(SoapFault("Client", refused.reason))
            return Answer(500, etree.tostring(fault_envelope, xml_declaration=True,
                                              encoding="UTF-8"), {"Content-Type": "text/xml"})
        payload, outcome = OPERATIONS[request.operation](request, self.config, self.state)
        errors = validate_element(payload, self.config.standards)
        if errors:  # the simulator's own bug: say so instead of sending invalid XML
            self.state.log(request.operation, request.addressing.message_id, "invalid-answer")
            envelope = build_fault(SoapFault("Server", f"invalid answer: {errors[0]}"))
            return Answer(500, etree.tostring(envelope), {"Content-Type": "text/xml"})
        self.state.log(request.operation, request.addressing.message_id, outcome)
        return Answer(200, self._reply(request.addressing, payload),
                      {"Content-Type": "text/xml; charset=utf-8"})

    def _accept(self, service: RioService, body: bytes, soap_action: str | None) -> Request:
        try:
            envelope = parse_xml(body, max_bytes=self.config.max_body_bytes)
        except ValidationError as exc:
            raise _Refused(f"XML refused: {exc.message}", "refused-xml") from exc
        now = self.config.clock()
        try:
            verified = verify_envelope(envelope, now=now, trusted=self.config.trusted)
            addressing = read_addressing(envelope)
            payload = body_payload(envelope)
        except ValidationError as exc:
            raise _Refused(f"security or addressing refused: {exc.message}",
                           "refused-security") from exc
        sender = oin_of(addressing.from_)
        operation = addressing.action.rpartition("/")[2]
        problems = [
            (addressing.to != address_for_oin(self.config.oin), "wsa:To is not DUO's address"),
            (sender is None, "wsa:From names no OIN"),
            (_certificate_oin(verified.certificate) not in (None, sender),
             "the certificate's OIN is not the wsa:From OIN"),
            ((soap_action or "").strip().strip('"') != addressing.action,
             "SOAPAction differs from wsa:Action"),
            (not addressing.action.startswith(service.contract + "/")
             or (service, operation) not in OPERATIONS_BY_SERVICE,
             f"unsupported action {addressing.action}"),
            (etree.QName(payload).text != f"{{{service.schema}}}{operation}_request",
             "the body is not this action's request"),
        ]
        for failed, reason in problems:
            if failed:
                raise _Refused(reason, "refused-addressing")
        if not self.state.first_use(addressing.message_id):
            raise _Refused(f"message {addressing.message_id} was already received", "replay")
        errors = validate_element(payload, self.config.standards)
        if errors:
            shown = "; ".join(str(e) for e in errors[:3])
            raise _Refused(f"the message fails the XSD: {shown}", "refused-xsd")
        return Request(operation, addressing, str(sender), payload)

    def _reply(self, request: Addressing, payload: etree._Element) -> bytes:
        addressing = Addressing(
            action=f"{request.action}Response", to=request.from_,
            from_=address_for_oin(self.config.oin), message_id=new_message_id(),
            relates_to=request.message_id,
        )
        envelope = build_envelope(payload, addressing)
        if self.config.signing is not None:
            sign_envelope(envelope, self.config.signing, now=self.config.clock())
        return etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")

    def _injected(self, kind: FaultKind, size: int) -> Answer:
        if kind is FaultKind.UNAVAILABLE:
            return Answer(503, b"Service Unavailable",
                          {"Content-Type": "text/plain", "Retry-After": "0"})
        if kind is FaultKind.SOAP_FAULT:
            envelope = build_fault(SoapFault("Server", "Tijdelijke storing, probeer het later"))
            return Answer(500, etree.tostring(envelope), {"Content-Type": "text/xml"})
        if kind is FaultKind.HOSTILE:
            return Answer(200, _BOMB, {"Content-Type": "text/xml"})
        return Answer(200, b"<a>" + b"x" * max(size, 1) + b"</a>", {"Content-Type": "text/xml"},
                      chunked=True)
