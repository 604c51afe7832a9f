"""WS-Security: what the gateway signs verifies, and every tampering is caught.

The independent check with xmlsec1 is in tests/integration/test_rio_xmlsec.py.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from lxml import etree

from gateway.adapters.rio.soap import (
    SOAP_ENV,
    WSA,
    WSU,
    Addressing,
    RioService,
    address_for_oin,
    build_envelope,
    new_message_id,
)
from gateway.adapters.rio.wssecurity import (
    DS,
    WSSE,
    SignatureError,
    SigningCredentials,
    sign_envelope,
)
from gateway.adapters.rio.wssecurity_verify import verify_envelope
from gateway.errors import ConfigurationError
from simulators.rio_service.certificates import Issued, TestCA

NOW = datetime.now(UTC).replace(microsecond=0)
OIN = "00000001234567890000"


@pytest.fixture(scope="module")
def ca() -> TestCA:
    return TestCA.create()


@pytest.fixture(scope="module")
def signer(ca: TestCA) -> Issued:
    return ca.issue("ROC A", oin=OIN)


def _signed(signer: Issued, *, now: datetime = NOW) -> etree._Element:
    payload = etree.fromstring(
        b'<duo:verwijderen_aangebodenOpleiding_request xmlns:duo="http://duo.nl/schema/'
        b'DUO_RIO_Beheren_OnderwijsOrganisatie_V4"><duo:aangebodenOpleidingCode>'
        b"6f1c0d3e-0000-4000-8000-000000000001</duo:aangebodenOpleidingCode>"
        b"</duo:verwijderen_aangebodenOpleiding_request>")
    addressing = Addressing(RioService.BEHEREN.action("verwijderen_aangebodenOpleiding"),
                            address_for_oin("00000001800866472000"), address_for_oin(OIN),
                            new_message_id())
    return sign_envelope(build_envelope(payload, addressing),
                         SigningCredentials(signer.certificate, signer.key), now=now)


def _reparsed(envelope: etree._Element) -> etree._Element:
    return etree.fromstring(etree.tostring(envelope))  # noqa: S320 - our own document


def test_signed_message_verifies_and_covers_body_timestamp_and_addressing(
    signer: Issued, ca: TestCA
) -> None:
    verified = verify_envelope(_reparsed(_signed(signer)), now=NOW + timedelta(seconds=30),
                               trusted=[ca.certificate])
    assert verified.certificate == signer.certificate
    assert verified.signed_parts == {"Body", "Timestamp", "To", "From", "Action", "MessageID"}
    assert verified.expires - verified.created == timedelta(minutes=5)


def test_the_security_header_has_the_profiles_shape(signer: Issued) -> None:
    envelope = _signed(signer)
    security = envelope.find(f"{{{SOAP_ENV}}}Header/{{{WSSE}}}Security")
    assert security is not None
    token = security.find(f"{{{WSSE}}}BinarySecurityToken")
    assert token is not None and token.get("ValueType", "").endswith("#X509v3")
    assert token.get("EncodingType", "").endswith("#Base64Binary")
    signed_info = security.find(f"{{{DS}}}Signature/{{{DS}}}SignedInfo")
    assert signed_info is not None
    algorithms = {e.get("Algorithm") for e in signed_info.iter() if e.get("Algorithm")}
    assert algorithms == {"http://www.w3.org/2001/10/xml-exc-c14n#",
                          "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
                          "http://www.w3.org/2001/04/xmlenc#sha256"}
    reference = security.find(
        f"{{{DS}}}Signature/{{{DS}}}KeyInfo/{{{WSSE}}}SecurityTokenReference/{{{WSSE}}}Reference")
    assert reference is not None and reference.get("URI") == f"#{token.get(f'{{{WSU}}}Id')}"


def _tamper_body(envelope: etree._Element) -> None:
    code = envelope.find(f".//{{{SOAP_ENV}}}Body//*")
    assert code is not None
    code.text = "tampered"


def _tamper_to(envelope: etree._Element) -> None:
    to = envelope.find(f"{{{SOAP_ENV}}}Header/{{{WSA}}}To")
    assert to is not None
    to.text = address_for_oin("00000009999999999999")


def _duplicate_id(envelope: etree._Element) -> None:
    """Signature wrapping: a second element with the Body's id, the real Body changed."""
    body = envelope.find(f"{{{SOAP_ENV}}}Body")
    header = envelope.find(f"{{{SOAP_ENV}}}Header")
    assert body is not None and header is not None
    header.append(copy.deepcopy(body))
    _tamper_body(envelope)


def _wrapped_body(envelope: etree._Element) -> None:
    """Signature wrapping: the signed Body moved into the header, a new Body in its place."""
    body = envelope.find(f"{{{SOAP_ENV}}}Body")
    header = envelope.find(f"{{{SOAP_ENV}}}Header")
    assert body is not None and header is not None
    wrapper = etree.SubElement(header, "Wrapper")
    wrapper.append(copy.deepcopy(body))
    body.attrib.clear()
    _tamper_body(envelope)


def _weak_algorithm(envelope: etree._Element) -> None:
    method = envelope.find(f".//{{{DS}}}SignatureMethod")
    assert method is not None
    method.set("Algorithm", "http://www.w3.org/2000/09/xmldsig#rsa-sha1")


def _drop_timestamp(envelope: etree._Element) -> None:
    stamp = envelope.find(f".//{{{WSU}}}Timestamp")
    assert stamp is not None
    stamp.getparent().remove(stamp)  # type: ignore[union-attr]


def _bad_signature_value(envelope: etree._Element) -> None:
    value = envelope.find(f".//{{{DS}}}SignatureValue")
    assert value is not None and value.text
    value.text = ("A" if value.text[0] != "A" else "B") + value.text[1:]


@pytest.mark.parametrize("tamper", [_tamper_body, _tamper_to, _duplicate_id, _wrapped_body,
                                    _weak_algorithm, _drop_timestamp, _bad_signature_value],
                         ids=lambda f: f.__name__.strip("_"))
def test_tampering_is_detected(signer: Issued, tamper: object) -> None:
    envelope = _signed(signer)
    tamper(envelope)  # type: ignore[operator]
    with pytest.raises(SignatureError):
        verify_envelope(_reparsed(envelope), now=NOW)


@pytest.mark.parametrize("offset", [timedelta(minutes=-11), timedelta(minutes=6)])
def test_a_stale_or_future_message_is_refused(signer: Issued, offset: timedelta) -> None:
    envelope = _signed(signer, now=NOW + offset)
    with pytest.raises(SignatureError, match="fresh"):
        verify_envelope(envelope, now=NOW)


def test_a_signer_of_an_untrusted_ca_is_refused(signer: Issued) -> None:
    stranger = TestCA.create("another CA")
    with pytest.raises(SignatureError, match="not trusted"):
        verify_envelope(_signed(signer), now=NOW, trusted=[stranger.certificate])


def test_a_required_part_that_is_not_signed_is_refused(signer: Issued) -> None:
    with pytest.raises(SignatureError, match="not signed: RelatesTo"):
        verify_envelope(_signed(signer), now=NOW, required=("Body", "RelatesTo"))


def test_credentials_load_from_pem_and_refuse_a_key_of_another_certificate(
    signer: Issued, ca: TestCA, tmp_path: Path
) -> None:
    cert, key = signer.write(tmp_path, "signer")
    assert SigningCredentials.from_pem_files(cert, key).certificate == signer.certificate
    _, other_key = ca.issue("someone else").write(tmp_path, "other")
    with pytest.raises(ConfigurationError, match="does not belong"):
        SigningCredentials.from_pem_files(cert, other_key)
    with pytest.raises(ConfigurationError):
        SigningCredentials.from_pem_files(tmp_path / "missing.pem", key)
