"""The simulated RIO checks what DUO checks, and answers in DUO's (XSD-valid) messages."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest
from lxml import etree

from gateway.adapters.rio.codec import validate_message
from gateway.adapters.rio.document import DUO_OIN
from gateway.adapters.rio.raadplegen import build_opvragen
from gateway.adapters.rio.responses import parse_beheren_response, parse_opvragen_response
from gateway.adapters.rio.soap import (
    Addressing,
    RioService,
    address_for_oin,
    build_envelope,
    find_fault,
    new_message_id,
    read_addressing,
)
from gateway.adapters.rio.wssecurity import SigningCredentials, sign_envelope
from gateway.adapters.rio.wssecurity_verify import verify_envelope
from gateway.adapters.standards import Standards
from gateway.mappings.rio_v4 import build_aanleveren
from gateway.settings import TenantConfig
from simulators.rio_service import SimulatedRio, SimulatorConfig, create_app
from simulators.rio_service.certificates import Issued, TestCA
from simulators.rio_service.rules import VERZENDER_ONJUIST
from tests import factories
from tests.unit.rio_support import assert_valid_independently

TENANT = TenantConfig(id="roc-a", name="ROC A", onderwijsaanbiedercode="123A456",
                      oin="00000001234567890000")
AANLEVEREN = "aanleveren_aangebodenOpleiding"


@pytest.fixture(scope="module")
def ca() -> TestCA:
    return TestCA.create()


@pytest.fixture(scope="module")
def signer(ca: TestCA) -> Issued:
    return ca.issue("ROC A", oin=TENANT.oin)


@pytest.fixture
def rio(standards: Standards, ca: TestCA) -> SimulatedRio:
    duo = ca.issue("DUO", oin=DUO_OIN)
    return SimulatedRio(SimulatorConfig(
        standards, trusted=(ca.certificate,),
        signing=SigningCredentials(duo.certificate, duo.key)))


def _envelope(message: bytes, signer: Issued | None, service: RioService = RioService.BEHEREN,
              **over: str) -> tuple[bytes, str]:
    operation = etree.QName(etree.fromstring(message)).localname.removesuffix("_request")  # noqa: S320
    values = {"action": service.action(operation), "to": address_for_oin(DUO_OIN),
              "from_": address_for_oin(str(TENANT.oin)), "message_id": new_message_id()}
    values.update(over)
    envelope = build_envelope(etree.fromstring(message), Addressing(**values))  # noqa: S320
    if signer is not None:
        sign_envelope(envelope, SigningCredentials(signer.certificate, signer.key),
                      now=datetime.now(UTC))
    return etree.tostring(envelope), values["action"]


def _aanleveren(standards: Standards, cohorts: int = 2) -> bytes:
    offering = factories.offering()
    chosen = [factories.cohort(ident=f"c{n}", offering_id=offering.id, code=f"202{6 + n}-BOL")
              for n in range(cohorts)]
    return build_aanleveren(TENANT, offering, chosen, standards=standards)


def _fault(rio: SimulatedRio, body: bytes, action: str | None,
           service: RioService = RioService.BEHEREN) -> str:
    answer = rio.handle(service, body, action)
    assert answer.status == 500
    fault = find_fault(etree.fromstring(answer.body))  # noqa: S320 - test's own check
    assert fault is not None and fault.local_code == "Client"
    return fault.string


def test_an_accepted_delivery_is_answered_signed_and_related(
    rio: SimulatedRio, signer: Issued, standards: Standards
) -> None:
    body, action = _envelope(_aanleveren(standards), signer)
    answer = rio.handle(RioService.BEHEREN, body, f'"{action}"')
    assert answer.status == 200
    envelope = etree.fromstring(answer.body)  # noqa: S320
    verified = verify_envelope(envelope, now=datetime.now(UTC),
                               required=("Body", "Timestamp", "To", "Action", "RelatesTo"))
    assert verified.certificate.subject.rfc4514_string().startswith("2.5.4.5=" + DUO_OIN)
    request_id = read_addressing(etree.fromstring(body)).message_id  # noqa: S320
    assert read_addressing(envelope, response=True).relates_to == request_id
    assert parse_beheren_response(envelope, standards).accepted


@pytest.mark.parametrize(("case", "reason"), [
    ("hostile", "XML refused"),
    ("unsigned", "security or addressing refused"),
    ("wrong-to", "wsa:To is not DUO's address"),
    ("wrong-soapaction", "SOAPAction differs"),
    ("other-oin-than-certificate", "certificate's OIN"),
    ("wrong-service", "unsupported action"),
])
def test_technical_problems_are_client_faults(
    rio: SimulatedRio, signer: Issued, standards: Standards, case: str, reason: str
) -> None:
    message = _aanleveren(standards)
    action: str | None
    if case == "hostile":
        body, action = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "e">]><x>&e;</x>', None
    elif case == "unsigned":
        body, action = _envelope(message, None)
    elif case == "wrong-to":
        body, action = _envelope(message, signer, to=address_for_oin("00000009999999999999"))
    elif case == "wrong-soapaction":
        body, _ = _envelope(message, signer)
        action = RioService.BEHEREN.action("verwijderen_aangebodenOpleiding")
    elif case == "other-oin-than-certificate":
        body, action = _envelope(message, signer, from_=address_for_oin("00000001999999990000"))
    else:
        body, action = _envelope(message, signer, service=RioService.RAADPLEGEN)
    assert reason in _fault(rio, body, action)
    assert rio.state.offerings == {}


def test_a_replayed_message_is_refused(
    rio: SimulatedRio, signer: Issued, standards: Standards
) -> None:
    body, action = _envelope(_aanleveren(standards), signer)
    assert rio.handle(RioService.BEHEREN, body, action).status == 200
    assert "already received" in _fault(rio, body, action)


def test_a_body_that_fails_the_xsd_is_refused_with_the_xsd_reason(
    rio: SimulatedRio, signer: Issued, standards: Standards
) -> None:
    message = _aanleveren(standards).replace(b"<duo:onderwijsaanbiedercode>123A456<",
                                             b"<duo:onderwijsaanbiedercode>123-456<")
    body, action = _envelope(message, signer)
    reason = _fault(rio, body, action)
    assert "fails the XSD" in reason and "onderwijsaanbiedercode" in reason


def test_the_sender_in_the_document_must_be_the_sender_of_the_message(
    rio: SimulatedRio, signer: Issued, standards: Standards
) -> None:
    message = _aanleveren(standards).replace(
        b"<duo:verzendendeInstantie>00000001234567890000<",
        b"<duo:verzendendeInstantie>00000001999999990000<")
    body, action = _envelope(message, signer)
    result = parse_beheren_response(rio.handle(RioService.BEHEREN, body, action).body, standards)
    assert not result.accepted
    assert [f.code for f in result.foutmeldingen] == [VERZENDER_ONJUIST]


def test_full_state_cohorts_left_out_are_deleted_and_opvragen_answers_valid_xml(
    rio: SimulatedRio, signer: Issued, standards: Standards
) -> None:
    for cohorts in (3, 1):
        body, action = _envelope(_aanleveren(standards, cohorts), signer)
        assert rio.handle(RioService.BEHEREN, body, action).status == 200
    code = str(factories.offering().id)
    body, action = _envelope(build_opvragen(TENANT, code, standards=standards), signer,
                             service=RioService.RAADPLEGEN)
    answer = rio.handle(RioService.RAADPLEGEN, body, action)
    message = etree.tostring(next(iter(etree.fromstring(answer.body).iterfind(  # noqa: S320
        "{*}Body/*"))))
    assert validate_message(message, standards) == []
    assert_valid_independently(message, standards)
    held = parse_opvragen_response(etree.fromstring(answer.body), standards)  # noqa: S320
    assert held.offering is not None and sorted(held.offering.cohorts) == ["2026-BOL"]
    assert rio.state.count(AANLEVEREN) == 2


@pytest.fixture
async def http(rio: SimulatedRio) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(rio))
    async with httpx.AsyncClient(transport=transport, base_url="http://rio") as client:
        yield client


@pytest.mark.anyio
async def test_oversized_requests_are_refused_before_parsing(
    http: httpx.AsyncClient, rio: SimulatedRio
) -> None:
    big = b"<x>" + b"a" * rio.config.max_body_bytes + b"</x>"
    response = await http.post("/RIO/services/beheren4.0", content=big)
    assert response.status_code == 413
    assert rio.state.count() == 0


@pytest.mark.anyio
async def test_admin_api_queues_faults_and_shows_state(
    http: httpx.AsyncClient, rio: SimulatedRio
) -> None:
    assert (await http.post("/admin/faults", json={"kind": "unavailable", "count": 2})).json() \
        == {"queued": 2, "kind": "unavailable"}
    assert (await http.post("/admin/faults", json={"kind": "nonsense"})).status_code == 400
    response = await http.post("/RIO/services/beheren4.0", content=b"<x/>",
                               headers={"SOAPAction": "a/aanleveren_aangebodenOpleiding"})
    assert response.status_code == 503
    state = (await http.get("/admin/state")).json()
    assert state == {"offerings": {}, "requests": {"aanleveren_aangebodenOpleiding": 1}}
