"""RIO's answers read into typed results; opvragen requests; hostile answers refused."""

from __future__ import annotations

from datetime import date

import pytest
from lxml import etree

from gateway.adapters.rio.responses import (
    RioResponseError,
    build_opvragen,
    build_opvragen_lijst,
    parse_beheren_response,
    parse_opvragen_lijst_response,
    parse_opvragen_response,
)
from gateway.adapters.rio.xml import UnsafeXmlError
from gateway.adapters.standards import Standards
from gateway.errors import FatalUpstreamError, RetriableUpstreamError
from gateway.mappings.rio_v4 import build_aanleveren
from tests import factories
from tests.unit.rio_support import (
    BEHEREN,
    RAADPLEGEN,
    SENT_AT,
    TENANT,
    assert_valid_independently,
    header,
    opvragen_response_for,
)


def _fout(code: str, text: str) -> str:
    return (f"<duo:foutmelding><duo:foutcode>{code}</duo:foutcode><duo:fouttekst>{text}"
            "</duo:fouttekst><duo:sleutelgegeven><duo:sleutelnaam>cohortcode</duo:sleutelnaam>"
            "<duo:sleutelwaarde>2026-BOL</duo:sleutelwaarde></duo:sleutelgegeven>"
            "</duo:foutmelding>")


def _beheren(accepted: str, fouten: str = "",
             name: str = "aanleveren_aangebodenOpleiding_response") -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?><duo:{name} xmlns:duo="{BEHEREN}">'
            f"{header()}<duo:requestGoedgekeurd>{accepted}</duo:requestGoedgekeurd>{fouten}"
            f"</duo:{name}>").encode()


def _envelope(inner: str) -> bytes:
    return ('<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
            f"{inner}</soap:Body></soap:Envelope>").encode()


def test_accepted_and_rejected_deliveries(standards: Standards) -> None:
    ok = parse_beheren_response(_beheren("true"), standards)
    assert ok.accepted and ok.foutmeldingen == () and ok.document_id == "answer-1"
    fouten = _fout("A01234", "Crebo onbekend") + _fout("B0042", "Aanmeldperiode na start")
    rejected = parse_beheren_response(_beheren("false", fouten), standards)
    assert not rejected.accepted
    assert [(f.code, f.text) for f in rejected.foutmeldingen] == [
        ("A01234", "Crebo onbekend"), ("B0042", "Aanmeldperiode na start")]
    assert rejected.foutmeldingen[0].keys == (("cohortcode", "2026-BOL"),)
    gone = parse_beheren_response(
        _beheren("true", name="verwijderen_aangebodenOpleiding_response"), standards,
        operation="verwijderen_aangebodenOpleiding")
    assert gone.accepted and gone.operation == "verwijderen_aangebodenOpleiding"


def test_answers_inside_a_soap_envelope_and_soap_faults(standards: Standards) -> None:
    inner = _beheren("false", _fout("X1", "fout")).split(b"?>", 1)[1].decode()
    assert parse_beheren_response(_envelope(inner), standards).foutmeldingen[0].code == "X1"
    fault = ("<soap:Fault><faultcode>soap:Server</faultcode>"
             "<faultstring>Service tijdelijk niet beschikbaar</faultstring></soap:Fault>")
    with pytest.raises(RetriableUpstreamError, match="soap:Server: Service tijdelijk"):
        parse_beheren_response(_envelope(fault), standards)


def test_untrustworthy_answers_are_fatal_upstream_errors(standards: Standards) -> None:
    too_many = _beheren("false", _fout("X", "te veel") * 100)  # the XSD allows 99
    with pytest.raises(RioResponseError, match="fails the XSD") as caught:
        parse_beheren_response(too_many, standards)
    assert isinstance(caught.value, FatalUpstreamError)
    hostile = (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
               + _beheren("true").split(b"?>", 1)[1])
    with pytest.raises(RioResponseError, match="refused") as refused:
        parse_beheren_response(hostile, standards)
    assert isinstance(refused.value.__cause__, UnsafeXmlError)
    with pytest.raises(RioResponseError, match="expected a RIO aanleveren"):
        parse_beheren_response(_beheren("true", name="verwijderen_aangebodenOpleiding_response"),
                               standards)
    with pytest.raises(RioResponseError, match="not well-formed"):
        parse_beheren_response(b"<duo:oops", standards)
    with pytest.raises(RioResponseError, match="no message"):
        parse_beheren_response(_envelope(""), standards)


def test_opvragen_reads_what_rio_holds(standards: Standards) -> None:
    offering = factories.offering(description="  Leer   bouwen ")
    cohorts = [factories.cohort(offering_id=offering.id, capacity=30, price={"amount": "99"})]
    sent = build_aanleveren(TENANT, offering, cohorts, standards=standards)
    result = parse_opvragen_response(opvragen_response_for(sent), standards)
    assert result.accepted and result.offering is not None
    held = result.offering
    assert held.code == str(offering.id)
    assert (held.opleidingscode, held.leertraject, held.onderwijslocatiecode) == (
        "25604", "BOL", "123X456")
    assert held.description == "Leer bouwen"
    assert held.begindatum == date(2026, 8, 1)
    cohort = held.cohorts["2026-BOL"]
    assert cohort.status == "O" and cohort.start_date == date(2026, 9, 1)
    assert cohort.prices == (("TOTALE_VERPLICHTE_KOSTEN", "99.00"),)
    assert dict(cohort.kenmerken) == {"deelnemersplaatsen": "30", "opleidingsvorm": "KLASSIKAAL"}


def test_opvragen_of_an_unknown_offering_carries_the_foutmelding(standards: Standards) -> None:
    body = (f'<r:opvragen_aangebodenOpleiding_response xmlns:r="{RAADPLEGEN}">{header("r")}'
            "<r:requestGoedgekeurd>false</r:requestGoedgekeurd><r:foutmelding>"
            "<r:foutcode>N404</r:foutcode><r:fouttekst>Niet gevonden</r:fouttekst>"
            "<r:sleutelgegeven><r:sleutelnaam>code</r:sleutelnaam>"
            "<r:sleutelwaarde>x</r:sleutelwaarde></r:sleutelgegeven></r:foutmelding>"
            "</r:opvragen_aangebodenOpleiding_response>").encode()
    result = parse_opvragen_response(body, standards)
    assert not result.accepted and result.offering is None
    assert result.foutmeldingen[0].code == "N404"


def test_opvragen_requests_validate(standards: Standards) -> None:
    offering = factories.offering()
    one = build_opvragen(TENANT, str(offering.id), standards=standards, sent_at=SENT_AT)
    assert_valid_independently(one, standards)
    assert str(offering.id).encode() in one
    page = build_opvragen_lijst(TENANT, 3, standards=standards, sent_at=SENT_AT)
    assert_valid_independently(page, standards)
    assert b">123A456<" in page and b">3<" in page


def test_a_page_of_the_organisations_offerings(standards: Standards) -> None:
    name = "opvragen_aangebodenOpleidingenVanOrganisatie_response"
    first, second = (
        etree.fromstring(opvragen_response_for(
            build_aanleveren(TENANT, offering, [], standards=standards), name=name))
        for offering in (factories.offering(), factories.offering(ident="o2", crebo="25187"))
    )
    first.append(second[-1])  # the second answer's aangebodenMboOpleiding
    first.append(etree.fromstring(
        f'<r:paginering xmlns:r="{RAADPLEGEN}"><r:pagina>0</r:pagina>'
        "<r:aantalPaginas>2</r:aantalPaginas><r:aantalResultaten>3</r:aantalResultaten>"
        "</r:paginering>"))
    result = parse_opvragen_lijst_response(etree.tostring(first), standards)
    assert [o.opleidingscode for o in result.offerings] == ["25604", "25187"]
    assert (result.page, result.pages, result.total, result.has_next) == (0, 2, 3, True)
