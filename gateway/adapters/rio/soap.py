"""The SOAP 1.1 envelope of Edukoppeling (the WUS profile of Digikoppeling) for RIO.

Every message carries WS-Addressing headers: ``wsa:To`` and ``wsa:From`` name the parties
by OIN (``http://www.w3.org/2005/08/addressing/anonymous?oin=<OIN>``), ``wsa:Action`` the
operation as the WSDL's ``soapAction``, ``wsa:MessageID`` a fresh ``urn:uuid``; a response
answers with ``wsa:RelatesTo``. The signature over these headers is added by
:mod:`gateway.adapters.rio.wssecurity`; this module only builds and reads the envelope.
"""

from __future__ import annotations

import copy
import re
import uuid
from dataclasses import dataclass
from enum import StrEnum

from lxml import etree

from gateway.errors import RetriableUpstreamError, ValidationError

__all__ = [
    "SOAP_ENV",
    "WSA",
    "WSU",
    "Addressing",
    "RioService",
    "SoapFault",
    "SoapFaultError",
    "address_for_oin",
    "body_payload",
    "build_envelope",
    "build_fault",
    "find_fault",
    "new_message_id",
    "oin_of",
    "read_addressing",
]

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
WSA = "http://www.w3.org/2005/08/addressing"
WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
ANONYMOUS = "http://www.w3.org/2005/08/addressing/anonymous"

_OIN_ADDRESS = re.compile(r"^" + re.escape(ANONYMOUS) + r"\?oin=(\d{20})$")
_MESSAGE_ID = re.compile(r"^urn:uuid:[0-9a-fA-F-]{36}$")


class RioService(StrEnum):
    """DUO's two RIO V4 service contracts; the value is the contract's name."""

    BEHEREN = "DUO_RIO_Beheren_OnderwijsOrganisatie_V4"
    RAADPLEGEN = "DUO_RIO_Raadplegen_OnderwijsOrganisatie_V4"

    @property
    def contract(self) -> str:
        """The WSDL target namespace, the prefix of every ``soapAction``."""
        return f"http://duo.nl/contract/{self.value}"

    @property
    def schema(self) -> str:
        """The XSD target namespace of the service's messages."""
        return f"http://duo.nl/schema/{self.value}"

    def action(self, operation: str) -> str:
        """``wsa:Action`` and ``SOAPAction`` of an operation, as the WSDL binding names it."""
        return f"{self.contract}/{operation}"


def address_for_oin(oin: str) -> str:
    """The Edukoppeling address of a party: the anonymous URI qualified by its OIN."""
    if not re.fullmatch(r"\d{20}", oin):
        raise ValidationError(f"an OIN has 20 digits, not {oin!r}", path="oin")
    return f"{ANONYMOUS}?oin={oin}"


def oin_of(address: str) -> str | None:
    """The OIN in an Edukoppeling address, or None when the address names none."""
    match = _OIN_ADDRESS.match(address.strip())
    return match.group(1) if match else None


def new_message_id() -> str:
    return f"urn:uuid:{uuid.uuid4()}"


@dataclass(frozen=True)
class Addressing:
    """The WS-Addressing headers of one message."""

    action: str
    to: str
    from_: str
    message_id: str
    relates_to: str | None = None


def _q(ns: str, name: str) -> str:
    return f"{{{ns}}}{name}"


def build_envelope(payload: etree._Element, addressing: Addressing) -> etree._Element:
    """Wrap a RIO request or response element in a SOAP envelope with addressing headers.

    The payload is deep-copied, so the caller's tree is left as it was.
    """
    envelope = etree.Element(_q(SOAP_ENV, "Envelope"),
                             nsmap={"soapenv": SOAP_ENV, "wsa": WSA, "wsu": WSU})
    header = etree.SubElement(envelope, _q(SOAP_ENV, "Header"))
    etree.SubElement(header, _q(WSA, "Action")).text = addressing.action
    etree.SubElement(header, _q(WSA, "MessageID")).text = addressing.message_id
    etree.SubElement(header, _q(WSA, "To")).text = addressing.to
    sender = etree.SubElement(header, _q(WSA, "From"))
    etree.SubElement(sender, _q(WSA, "Address")).text = addressing.from_
    if addressing.relates_to is not None:
        etree.SubElement(header, _q(WSA, "RelatesTo")).text = addressing.relates_to
    body = etree.SubElement(envelope, _q(SOAP_ENV, "Body"))
    body.append(copy.deepcopy(payload))
    return envelope


def _only(parent: etree._Element, tag: str, where: str, *, required: bool = True) -> (
    etree._Element | None
):
    found = parent.findall(tag)
    if len(found) > 1:
        raise ValidationError(f"more than one {tag} in {where}", path=where)
    if not found and required:
        raise ValidationError(f"no {tag} in {where}", path=where)
    return found[0] if found else None


def _checked_envelope(envelope: etree._Element) -> tuple[etree._Element | None, etree._Element]:
    if envelope.tag != _q(SOAP_ENV, "Envelope"):
        raise ValidationError(f"not a SOAP 1.1 envelope: {envelope.tag}", path="/")
    header = _only(envelope, _q(SOAP_ENV, "Header"), "/Envelope", required=False)
    body = _only(envelope, _q(SOAP_ENV, "Body"), "/Envelope")
    assert body is not None  # noqa: S101 - required=True
    return header, body


def _text(element: etree._Element | None) -> str:
    return (element.text or "").strip() if element is not None else ""


def read_addressing(envelope: etree._Element, *, response: bool = False) -> Addressing:
    """Read and check the addressing headers; a response must carry ``wsa:RelatesTo``.

    Raises:
        ValidationError: a header is missing, repeated or malformed.
    """
    header, _ = _checked_envelope(envelope)
    if header is None:
        raise ValidationError("the envelope has no SOAP Header", path="/Envelope/Header")
    where = "/Envelope/Header"
    action = _text(_only(header, _q(WSA, "Action"), where))
    to = _text(_only(header, _q(WSA, "To"), where))
    sender = _only(header, _q(WSA, "From"), where)
    assert sender is not None  # noqa: S101 - required=True
    from_ = _text(_only(sender, _q(WSA, "Address"), f"{where}/From"))
    message_id = _text(_only(header, _q(WSA, "MessageID"), where))
    relates = _only(header, _q(WSA, "RelatesTo"), where, required=response)
    for name, value in (("Action", action), ("To", to), ("From/Address", from_)):
        if not value:
            raise ValidationError(f"wsa:{name} is empty", path=f"{where}/{name}")
    if not _MESSAGE_ID.match(message_id):
        raise ValidationError(f"wsa:MessageID {message_id!r} is not a urn:uuid",
                              path=f"{where}/MessageID")
    return Addressing(action, to, from_, message_id, _text(relates) if relates is not None
                      else None)


def body_payload(envelope: etree._Element) -> etree._Element:
    """The one element inside the SOAP Body.

    Raises:
        ValidationError: the Body holds no element or more than one.
    """
    _, body = _checked_envelope(envelope)
    children = [child for child in body if isinstance(child.tag, str)]
    if len(children) != 1:
        raise ValidationError(f"the SOAP Body holds {len(children)} elements, not 1",
                              path="/Envelope/Body")
    return children[0]


@dataclass(frozen=True)
class SoapFault:
    """A SOAP 1.1 fault: ``faultcode`` (``Client`` or ``Server``), ``faultstring``."""

    code: str
    string: str
    actor: str | None = None

    @property
    def local_code(self) -> str:
        """The fault code without its prefix (``soapenv:Server`` -> ``Server``)."""
        return self.code.rpartition(":")[2]


class SoapFaultError(RetriableUpstreamError):
    """The service answered with a SOAP fault; Edukoppeling faults are technical, so retried."""

    code = "rio-soap-fault"

    def __init__(self, fault: SoapFault) -> None:
        super().__init__(f"RIO answered with a SOAP fault {fault.code}: {fault.string}",
                         fault_code=fault.code)
        self.fault = fault


def find_fault(envelope: etree._Element) -> SoapFault | None:
    """The envelope's fault, or None when its Body holds something else."""
    _, body = _checked_envelope(envelope)
    fault = body.find(_q(SOAP_ENV, "Fault"))
    if fault is None:
        return None
    actor = fault.find("faultactor")
    return SoapFault(
        code=_text(fault.find("faultcode")) or "Server",
        string=_text(fault.find("faultstring"))[:2000],
        actor=_text(actor) if actor is not None else None,
    )


def build_fault(fault: SoapFault, addressing: Addressing | None = None) -> etree._Element:
    """A fault envelope (a service's answer to a message it cannot process)."""
    element = etree.Element(_q(SOAP_ENV, "Fault"), nsmap={"soapenv": SOAP_ENV})
    code = fault.code if ":" in fault.code else f"soapenv:{fault.code}"
    etree.SubElement(element, "faultcode").text = code
    etree.SubElement(element, "faultstring").text = fault.string
    if fault.actor:
        etree.SubElement(element, "faultactor").text = fault.actor
    if addressing is None:
        envelope = etree.Element(_q(SOAP_ENV, "Envelope"), nsmap={"soapenv": SOAP_ENV})
        etree.SubElement(envelope, _q(SOAP_ENV, "Body")).append(element)
        return envelope
    return build_envelope(element, addressing)
