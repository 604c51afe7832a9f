"""An independent verifier accepts the gateway's WS-Security signature: xmlsec1 (libxmlsec1).

xmlsec1 does not follow a wsse:SecurityTokenReference, so it gets the signer's public key
from the certificate file (``--pubkey-cert-pem``), and ``--id-attr`` tells it which
attribute is the id of each signed element (wsu:Id). It checks every reference's digest and
the RSA-SHA256 signature value over the exclusively canonicalised SignedInfo.

CI installs xmlsec1 (``.ci/run``); without it this test fails on CI and skips elsewhere.
"""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, datetime
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
from gateway.adapters.rio.wssecurity import SigningCredentials, sign_envelope
from gateway.adapters.standards import Standards
from gateway.mappings.rio_v4 import build_aanleveren
from simulators.rio_service.certificates import TestCA
from tests import factories
from tests.fixtures import component_missing
from tests.integration.rio_testbed import TENANT

SIGNED_ELEMENTS = [f"{SOAP_ENV}:Body", f"{WSU}:Timestamp"] + [
    f"{WSA}:{name}" for name in ("To", "From", "Action", "MessageID")
]


def _xmlsec1() -> str:
    found = shutil.which("xmlsec1")
    if found is None:
        component_missing("xmlsec1 is not installed (apt-get install xmlsec1)")
    return found


def _verify(xmlsec1: str, cert: Path, document: Path) -> subprocess.CompletedProcess[str]:
    command = [xmlsec1, "--verify", "--pubkey-cert-pem", str(cert)]
    for element in SIGNED_ELEMENTS:
        command += ["--id-attr:Id", element]
    return subprocess.run([*command, str(document)], capture_output=True, text=True,  # noqa: S603
                          timeout=60, check=False)


@pytest.fixture
def signed(tmp_path: Path, standards: Standards) -> tuple[Path, Path]:
    """A real aanleveren message, signed by a fresh test certificate: (message, cert)."""
    signer = TestCA.create().issue("ROC A", oin=TENANT.oin)
    cert, _ = signer.write(tmp_path, "signer")
    offering = factories.offering()
    body = build_aanleveren(TENANT, offering, [factories.cohort(offering_id=offering.id)],
                            standards=standards)
    addressing = Addressing(RioService.BEHEREN.action("aanleveren_aangebodenOpleiding"),
                            address_for_oin("00000001800866472000"),
                            address_for_oin(str(TENANT.oin)), new_message_id())
    payload = etree.fromstring(body)  # noqa: S320 - the gateway's own message
    envelope = sign_envelope(build_envelope(payload, addressing),
                             SigningCredentials(signer.certificate, signer.key),
                             now=datetime.now(UTC))
    document = tmp_path / "signed.xml"
    document.write_bytes(etree.tostring(envelope, xml_declaration=True, encoding="UTF-8"))
    return document, cert


def test_xmlsec1_verifies_the_signature(signed: tuple[Path, Path]) -> None:
    xmlsec1 = _xmlsec1()
    document, cert = signed
    result = _verify(xmlsec1, cert, document)
    assert result.returncode == 0, result.stderr
    assert "OK" in result.stdout + result.stderr
    assert "SignedInfo References (ok/all): 6/6" in result.stdout + result.stderr


def test_xmlsec1_refuses_the_message_once_the_body_is_changed(
    signed: tuple[Path, Path],
) -> None:
    xmlsec1 = _xmlsec1()
    document, cert = signed
    text = document.read_text(encoding="utf-8")
    assert "<duo:opleidingscode>25604</duo:opleidingscode>" in text
    document.write_text(text.replace("<duo:opleidingscode>25604<",
                                     "<duo:opleidingscode>25605<"), encoding="utf-8")
    result = _verify(xmlsec1, cert, document)
    assert result.returncode != 0
    assert "FAIL" in result.stdout + result.stderr


def test_xmlsec1_refuses_a_signature_by_another_key(
    signed: tuple[Path, Path], tmp_path: Path
) -> None:
    xmlsec1 = _xmlsec1()
    document, _ = signed
    other, _ = TestCA.create().issue("someone else").write(tmp_path, "other")
    result = _verify(xmlsec1, other, document)
    assert result.returncode != 0
