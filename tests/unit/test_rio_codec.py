"""validate_message: every XSD error of a RIO message, located by XPath and line."""

from __future__ import annotations

import pytest

from gateway.adapters.rio.codec import RioMessageInvalid, ensure_valid, validate_message
from gateway.adapters.rio.xml import UnsafeXmlError
from gateway.adapters.standards import Standards
from gateway.mappings.rio_v4 import build_verwijderen
from tests import factories
from tests.unit.rio_support import BEHEREN, RAADPLEGEN, SENT_AT, TENANT

BROKEN = f"""<?xml version="1.0" encoding="UTF-8"?>
<duo:verwijderen_aangebodenOpleiding_request xmlns:duo="{BEHEREN}">
  <duo:identificatiecodeBedrijfsdocument>doc 1</duo:identificatiecodeBedrijfsdocument>
  <duo:verzendendeInstantie>00000001234567890000</duo:verzendendeInstantie>
  <duo:ontvangendeInstantie>00000001800866472000</duo:ontvangendeInstantie>
  <duo:datumTijdBedrijfsdocument>2026-03-01T09:30:00Z</duo:datumTijdBedrijfsdocument>
  <duo:aangebodenOpleidingCode>not-a-uuid</duo:aangebodenOpleidingCode>
  <duo:surplus/>
</duo:verwijderen_aangebodenOpleiding_request>""".encode()

ENVELOPE = b"""<?xml version="1.0"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">
  <soap:Header/>
  <soap:Body>%s</soap:Body>
</soap:Envelope>"""


def test_every_error_comes_with_xpath_line_and_reason(standards: Standards) -> None:
    errors = validate_message(BROKEN, standards)
    where = {(e.path.rsplit("/", 1)[-1], e.line) for e in errors}
    assert ("duo:identificatiecodeBedrijfsdocument", 3) in where  # the space breaks the pattern
    assert ("duo:aangebodenOpleidingCode", 7) in where
    assert ("duo:verwijderen_aangebodenOpleiding_request", 2) in where  # unexpected child
    assert any("surplus" in e.message for e in errors)
    assert any("'not-a-uuid'" in e.message for e in errors)
    assert len(errors) == len({(e.path, e.line, e.message) for e in errors})  # no repeats
    with pytest.raises(RioMessageInvalid) as caught:
        ensure_valid(BROKEN, standards)
    assert len(caught.value.errors) == len(errors)


def test_valid_messages_have_no_errors_also_inside_a_soap_envelope(standards: Standards) -> None:
    message = build_verwijderen(TENANT, factories.offering(), standards=standards,
                                sent_at=SENT_AT)
    assert validate_message(message, standards) == []
    inner = message.split(b"?>", 1)[1]
    assert validate_message(ENVELOPE % inner, standards) == []
    broken_inner = BROKEN.split(b"?>", 1)[1]
    errors = validate_message(ENVELOPE % broken_inner, standards)
    assert errors and errors[0].line is not None and errors[0].line > 4


def test_raadplegen_messages_use_the_raadplegen_schema(standards: Standards) -> None:
    request = f"""<r:opvragen_aangebodenOpleiding_request xmlns:r="{RAADPLEGEN}">
      <r:identificatiecodeBedrijfsdocument>d1</r:identificatiecodeBedrijfsdocument>
      <r:verzendendeInstantie>00000001234567890000</r:verzendendeInstantie>
      <r:ontvangendeInstantie>00000001800866472000</r:ontvangendeInstantie>
      <r:datumTijdBedrijfsdocument>2026-03-01T09:30:00Z</r:datumTijdBedrijfsdocument>
      <r:aangebodenOpleidingCode>{factories.offering().id}</r:aangebodenOpleidingCode>
    </r:opvragen_aangebodenOpleiding_request>""".encode()
    assert validate_message(request, standards) == []
    # the same element in the Beheren namespace is no Beheren message
    assert validate_message(request.replace(RAADPLEGEN.encode(), BEHEREN.encode()), standards)


def test_malformed_foreign_and_hostile_documents(standards: Standards) -> None:
    (malformed,) = validate_message(b"<a>\n<b>\n</a>", standards)
    assert malformed.line in (2, 3) and "well-formed" in malformed.message
    (foreign,) = validate_message(b'<x xmlns="urn:other"/>', standards)
    assert "not a RIO V4 message" in foreign.message
    (empty,) = validate_message(ENVELOPE % b"", standards)
    assert "without a message" in empty.message
    with pytest.raises(UnsafeXmlError):
        validate_message(b'<!DOCTYPE x [<!ENTITY e "e">]><x>&e;</x>', standards)
