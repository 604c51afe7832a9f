"""The Edukoppeling envelope: addressing headers as the WSDLs and the profile want them."""

from __future__ import annotations

import re

import pytest
from lxml import etree

from gateway.adapters.rio.soap import (
    SOAP_ENV,
    WSA,
    Addressing,
    RioService,
    SoapFault,
    address_for_oin,
    body_payload,
    build_envelope,
    build_fault,
    find_fault,
    new_message_id,
    oin_of,
    read_addressing,
)
from gateway.adapters.standards import Standards
from gateway.errors import ValidationError

OIN = "00000001234567890000"
DUO = "00000001800866472000"


def _payload() -> etree._Element:
    return etree.fromstring(
        b'<duo:opvragen_aangebodenOpleiding_request xmlns:duo="http://duo.nl/schema/'
        b'DUO_RIO_Raadplegen_OnderwijsOrganisatie_V4"><duo:x>1</duo:x>'
        b"</duo:opvragen_aangebodenOpleiding_request>")


def _addressing(**over: str) -> Addressing:
    values = {"action": RioService.RAADPLEGEN.action("opvragen_aangebodenOpleiding"),
              "to": address_for_oin(DUO), "from_": address_for_oin(OIN),
              "message_id": new_message_id()}
    values.update(over)
    return Addressing(**values)


def test_actions_are_the_soap_actions_of_the_official_wsdls(standards: Standards) -> None:
    for service, wsdl in ((RioService.BEHEREN, standards.rio_beheren_wsdl),
                          (RioService.RAADPLEGEN, standards.rio_raadplegen_wsdl)):
        declared = set(re.findall(r'soapAction="([^"]+)"', wsdl.read_text(encoding="utf-8")))
        operations = {a.rpartition("/")[2] for a in declared}
        assert {service.action(op) for op in operations} == declared
    assert RioService.BEHEREN.action("aanleveren_aangebodenOpleiding") == (
        "http://duo.nl/contract/DUO_RIO_Beheren_OnderwijsOrganisatie_V4/"
        "aanleveren_aangebodenOpleiding")
    assert RioService.RAADPLEGEN.schema == (
        "http://duo.nl/schema/DUO_RIO_Raadplegen_OnderwijsOrganisatie_V4")


def test_addresses_carry_the_oin_of_each_party() -> None:
    assert address_for_oin(OIN) == f"http://www.w3.org/2005/08/addressing/anonymous?oin={OIN}"
    assert oin_of(address_for_oin(OIN)) == OIN
    assert oin_of("https://duo.nl/RIO/services/beheren4.0") is None
    with pytest.raises(ValidationError):
        address_for_oin("123")


def test_envelope_round_trips_its_headers_and_payload() -> None:
    sent = _addressing()
    envelope = build_envelope(_payload(), sent)
    assert envelope.tag == f"{{{SOAP_ENV}}}Envelope"
    assert read_addressing(envelope) == sent
    assert etree.QName(body_payload(envelope)).localname == "opvragen_aangebodenOpleiding_request"
    sender = envelope.find(f"{{{SOAP_ENV}}}Header/{{{WSA}}}From/{{{WSA}}}Address")
    assert sender is not None and sender.text == address_for_oin(OIN)
    assert re.fullmatch(r"urn:uuid:[0-9a-f-]{36}", sent.message_id)


def test_a_response_must_relate_to_its_request() -> None:
    request_id = new_message_id()
    answer = build_envelope(_payload(), _addressing(relates_to=request_id))
    assert read_addressing(answer, response=True).relates_to == request_id
    with pytest.raises(ValidationError, match="RelatesTo"):
        read_addressing(build_envelope(_payload(), _addressing()), response=True)


@pytest.mark.parametrize("mutation", ["drop-action", "double-to", "bad-message-id", "two-bodies"])
def test_malformed_envelopes_are_refused(mutation: str) -> None:
    envelope = build_envelope(_payload(), _addressing())
    header = envelope.find(f"{{{SOAP_ENV}}}Header")
    assert header is not None
    if mutation == "drop-action":
        header.remove(header.find(f"{{{WSA}}}Action"))
    elif mutation == "double-to":
        header.append(etree.fromstring(f'<wsa:To xmlns:wsa="{WSA}">x</wsa:To>'))
    elif mutation == "bad-message-id":
        message_id = header.find(f"{{{WSA}}}MessageID")
        assert message_id is not None
        message_id.text = "42"
    else:
        envelope.append(etree.Element(f"{{{SOAP_ENV}}}Body"))
    with pytest.raises(ValidationError):
        read_addressing(envelope)


def test_faults_are_built_and_read() -> None:
    envelope = build_fault(SoapFault("Server", "Tijdelijke storing"))
    fault = find_fault(envelope)
    assert fault == SoapFault("soapenv:Server", "Tijdelijke storing")
    assert fault.local_code == "Server"
    assert find_fault(build_envelope(_payload(), _addressing())) is None


def test_the_payload_is_copied_not_moved() -> None:
    payload = _payload()
    build_envelope(payload, _addressing())
    assert payload.getparent() is None and len(payload) == 1
