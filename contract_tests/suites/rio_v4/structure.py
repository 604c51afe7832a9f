"""Checks of the form of each file: safe XML, DUO's XSD, and the Edukoppeling envelope.

The envelope checks apply only to files holding a SOAP envelope around a RIO message: a
bare message (a dry run's output) has no addressing to check, and the checks are skipped as
not applicable then, as every check is that finds no readable RIO message at all.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from lxml import etree

from contract_tests.checks import Finding, NotApplicable
from contract_tests.suites.rio_v4.definition import XSD, suite, violation
from contract_tests.suites.rio_v4.documents import (
    NO_MESSAGE,
    RioContext,
    RioDocument,
    children,
    local,
)
from gateway.adapters.rio.codec import validate_element
from gateway.adapters.rio.soap import WSA, RioService, oin_of

__all__: list[str] = []

_MESSAGE_ID = re.compile(r"^urn:uuid:[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_EDUKOPPELING = "Digikoppeling WUS / Edukoppeling transactiestandaard (WS-Addressing)"


@suite.check(
    "rio-v4.xml.safe", title="No DTD, entity or oversized document",
    rule="A RIO message carries no DOCTYPE, no ENTITY declaration or reference, and stays "
         "within 10 MiB and 64 levels; such documents are refused unread (XXE, billion laughs)",
    reference="Digikoppeling WUS profile; OWASP XXE prevention",
)
def xml_safe(ctx: RioContext) -> Iterator[Finding]:
    for document in ctx.documents:
        if document.refused is not None:
            yield violation("rio-v4.xml.safe", document.refused, document)


@suite.check(
    "rio-v4.xml.well-formed", title="Well-formed XML holding one RIO message",
    rule="Each file is well-formed XML holding one RIO message: a request or response "
         "element of the Beheren or Raadplegen namespace, bare or as the only element of "
         "the Body of a SOAP 1.1 envelope",
    reference=f"XML 1.0; SOAP 1.1 section 4.3; {XSD} and its Raadplegen counterpart "
              "(targetNamespace, message elements)",
)
def well_formed(ctx: RioContext) -> Iterator[Finding]:
    read = [document for document in ctx.documents if document.refused is None]
    if not read:
        raise NotApplicable(f"{NO_MESSAGE}: {ctx.unreadable()} (rio-v4.xml.safe reports why)")
    for document in read:
        if document.malformed is not None:
            yield violation("rio-v4.xml.well-formed", document.malformed, document)
        elif document.not_message is not None:
            yield violation("rio-v4.xml.well-formed", document.not_message, document,
                            document.root)


@suite.check(
    "rio-v4.xsd", title="Valid against DUO's XSD",
    rule="Every RIO message validates against the official Beheren or Raadplegen XSD of "
         "its namespace",
    reference=XSD,
)
def xsd_valid(ctx: RioContext) -> Iterator[Finding]:
    for document, payload in ctx.messages():
        for error in validate_element(payload, ctx.standards):
            where = f"{document.name}:{error.line} {error.path}" if error.line else (
                f"{document.name} {error.path}")
            yield violation("rio-v4.xsd", error.message, document, location=where)


def _header(document: RioDocument) -> etree._Element | None:
    assert document.envelope is not None  # noqa: S101 - callers pass envelopes only
    headers = children(document.envelope, "Header")
    return headers[0] if headers else None


def _addressing(header: etree._Element, name: str) -> list[etree._Element]:
    return header.findall(f"{{{WSA}}}{name}")


def _envelopes(ctx: RioContext) -> list[RioDocument]:
    """The files holding a SOAP envelope around a RIO message.

    Raises:
        NotApplicable: no file holds a RIO message, or none holds it in an envelope.
    """
    found = [document for document, _ in ctx.messages() if document.envelope is not None]
    if not found:
        raise NotApplicable("no SOAP envelope around a RIO message: the files hold bare "
                            "messages, which carry no Edukoppeling addressing")
    return found


@suite.check(
    "rio-v4.envelope.addressing", title="WS-Addressing headers present",
    rule="An envelope carries exactly one wsa:Action, wsa:To, wsa:From/wsa:Address and "
         "wsa:MessageID (a urn:uuid); To and From name parties by OIN",
    reference=_EDUKOPPELING,
)
def addressing(ctx: RioContext) -> Iterator[Finding]:
    check = "rio-v4.envelope.addressing"
    for document in _envelopes(ctx):
        header = _header(document)
        if header is None:
            yield violation(check, "the envelope has no SOAP Header", document, document.envelope)
            continue
        for name in ("Action", "To", "MessageID", "From"):
            found = _addressing(header, name)
            if len(found) != 1:
                yield violation(check, f"wsa:{name} occurs {len(found)} times, not once",
                                document, header)
        for name in ("To", "From"):
            found = _addressing(header, name)
            if len(found) == 1:
                element = found[0] if name == "To" else found[0].find(f"{{{WSA}}}Address")
                text = (element.text or "").strip() if element is not None else ""
                if oin_of(text) is None:
                    yield violation(check, f"wsa:{name} does not name a party by OIN",
                                    document, found[0], text)
        for element in _addressing(header, "MessageID"):
            if not _MESSAGE_ID.match((element.text or "").strip()):
                yield violation(check, "wsa:MessageID is not a urn:uuid", document, element,
                                element.text)


@suite.check(
    "rio-v4.envelope.message-id-unique", title="Every message has its own MessageID",
    rule="wsa:MessageID identifies one message: no two envelopes share one (a reused id is "
         "refused as a replay)",
    reference=_EDUKOPPELING,
)
def message_id_unique(ctx: RioContext) -> Iterator[Finding]:
    seen: dict[str, str] = {}
    compared = 0
    for document in _envelopes(ctx):
        header = _header(document)
        for element in _addressing(header, "MessageID") if header is not None else []:
            value = (element.text or "").strip()
            compared += 1
            if value in seen:
                yield violation("rio-v4.envelope.message-id-unique",
                                f"wsa:MessageID already used in {seen[value]}", document,
                                element, value)
            seen.setdefault(value, document.name)
    if compared < 2:
        raise NotApplicable(f"{compared} wsa:MessageID among the envelopes: nothing to compare "
                            "(rio-v4.envelope.addressing reports a missing one)")


def expected_action(payload: etree._Element) -> str | None:
    """The wsa:Action the WSDL binds to a request or response element (None: unknown)."""
    namespace, name = etree.QName(payload).namespace, local(payload)
    service = next((s for s in RioService if s.schema == namespace), None)
    if service is None:
        return None
    if name.endswith("_request"):
        return service.action(name.removesuffix("_request"))
    if name.endswith("_response"):
        return service.action(name.removesuffix("_response")) + "Response"
    return None


@suite.check(
    "rio-v4.envelope.action", title="wsa:Action matches the body",
    rule="wsa:Action is the WSDL soapAction of the operation whose request (or response, "
         "with 'Response' appended) the Body holds",
    reference="DUO_RIO_Beheren_OnderwijsOrganisatie_V4.wsdl, binding soap:operation",
)
def action_matches(ctx: RioContext) -> Iterator[Finding]:
    compared = False
    for document in _envelopes(ctx):
        header = _header(document)
        actions = _addressing(header, "Action") if header is not None else []
        if document.payload is None or len(actions) != 1:
            continue  # reported by the addressing and well-formed checks
        expected = expected_action(document.payload)
        actual = (actions[0].text or "").strip()
        compared = compared or expected is not None
        if expected is not None and actual != expected:  # None: no operation of the WSDL
            yield violation("rio-v4.envelope.action",
                            f"wsa:Action does not match the body {local(document.payload)} "
                            f"(expected {expected})", document, actions[0], actual)
    if not compared:
        raise NotApplicable("no envelope with one wsa:Action around a message of a WSDL "
                            "operation (rio-v4.envelope.addressing reports the headers)")


@suite.check(
    "rio-v4.envelope.parties", title="Addressing and document header name the same parties",
    rule="The OIN in wsa:From is the verzendendeInstantie and the OIN in wsa:To the "
         "ontvangendeInstantie of the message",
    reference=f"{_EDUKOPPELING}; {XSD} Bedrijfsdocument",
)
def parties(ctx: RioContext) -> Iterator[Finding]:
    compared = False
    for document in _envelopes(ctx):
        header, payload = _header(document), document.payload
        if header is None or payload is None:
            continue
        pairs = (("To", None, "ontvangendeInstantie"), ("From", "Address", "verzendendeInstantie"))
        for name, inner, field in pairs:
            found = _addressing(header, name)
            element = found[0] if len(found) == 1 else None
            if element is not None and inner is not None:
                element = element.find(f"{{{WSA}}}{inner}")
            body = children(payload, field)
            if element is None or not body:
                continue
            oin = oin_of((element.text or "").strip())
            compared = compared or oin is not None
            if oin is not None and oin != (body[0].text or "").strip():
                yield violation("rio-v4.envelope.parties",
                                f"wsa:{name} names OIN {oin}, the message's {field} "
                                f"{body[0].text}", document, body[0], oin)
    if not compared:
        raise NotApplicable("no envelope names a party by OIN that its message also names "
                            "(verzendendeInstantie/ontvangendeInstantie): nothing to compare")
