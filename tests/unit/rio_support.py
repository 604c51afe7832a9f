"""Shared pieces of the RIO tests: a tenant, fixed header values, independent XSD checks.

The independent checks do not use the gateway's codec: a fresh ``xmlschema`` instance and
libxml2 (lxml's ``XMLSchema``) each validate the bytes on their own, so a builder bug and a
codec bug cannot hide each other.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import xmlschema
from lxml import etree

from gateway.adapters.standards import Standards
from gateway.settings import TenantConfig

TENANT = TenantConfig(id="roc-a", name="ROC A", brin="25XX", onderwijsaanbiedercode="123A456",
                      oin="00000001234567890000")
SENT_AT = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
BEHEREN = "http://duo.nl/schema/DUO_RIO_Beheren_OnderwijsOrganisatie_V4"
RAADPLEGEN = "http://duo.nl/schema/DUO_RIO_Raadplegen_OnderwijsOrganisatie_V4"


@cache
def _xmlschema(path: Path) -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(path))


@cache
def _libxml2(path: Path) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(path)))


def assert_valid_independently(message: bytes, standards: Standards) -> None:
    """Fail unless both xmlschema and libxml2 accept ``message`` against the official XSD."""
    root = etree.fromstring(message)
    ns = etree.QName(root).namespace
    path = standards.rio_beheren_xsd if ns == BEHEREN else standards.rio_raadplegen_xsd
    errors = [str(e.reason) for e in _xmlschema(path).iter_errors(message.decode("utf-8"))]
    assert errors == [], errors
    checker = _libxml2(path)
    assert checker.validate(root), [e.message for e in checker.error_log]


def find(message: bytes, xpath: str) -> list[str]:
    """Texts matched by ``xpath`` with ``duo:`` bound to the message's namespace."""
    root = etree.fromstring(message)
    ns = {"duo": etree.QName(root).namespace}
    return [str(e.text) for e in root.xpath(xpath, namespaces=ns)]


def header(ns_prefix: str = "duo") -> str:
    """The Bedrijfsdocument header elements of an answer from DUO."""
    p = ns_prefix
    return (f"<{p}:identificatiecodeBedrijfsdocument>answer-1"
            f"</{p}:identificatiecodeBedrijfsdocument>"
            f"<{p}:verzendendeInstantie>00000001800866472000</{p}:verzendendeInstantie>"
            f"<{p}:ontvangendeInstantie>{TENANT.oin}</{p}:ontvangendeInstantie>"
            f"<{p}:datumTijdBedrijfsdocument>2026-03-01T09:30:01Z</{p}:datumTijdBedrijfsdocument>")


def opvragen_response_for(aanleveren: bytes, *, name: str = "opvragen_aangebodenOpleiding_response"
                          ) -> bytes:
    """What RIO answers to opvragen after accepting ``aanleveren``: the same offering, in the
    Raadplegen namespace, with the opleidingseenheidcode RIO adds."""
    request = etree.fromstring(aanleveren)
    mbo = request.find(f"{{{BEHEREN}}}aangebodenMboOpleiding")
    assert mbo is not None
    for element in mbo.iter():
        element.tag = f"{{{RAADPLEGEN}}}{etree.QName(element).localname}"
    code = etree.Element(f"{{{RAADPLEGEN}}}opleidingseenheidcode")
    code.text = "1234O5678"
    mbo.insert(2, code)
    root = etree.fromstring(
        f'<r:{name} xmlns:r="{RAADPLEGEN}">{header("r")}'
        f"<r:requestGoedgekeurd>true</r:requestGoedgekeurd></r:{name}>".encode())
    root.append(mbo)
    etree.cleanup_namespaces(root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")
