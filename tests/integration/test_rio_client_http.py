"""The RIO client against the simulated RIO over real loopback HTTP.

Each outcome class: accepted, a business rejection (never retried), technical failures
(retried, then given up), and answers the gateway refuses to read. The simulator counts
the requests it received, so "not retried" is measured, not assumed.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.adapters.rio.client import RioClient, RioRejection, RioUnavailable
from gateway.adapters.rio.responses import RioResponseError
from gateway.adapters.rio.soap import SoapFaultError
from gateway.adapters.rio.transport import RioTransport
from gateway.adapters.standards import Standards
from gateway.errors import FatalUpstreamError, RetriableUpstreamError
from gateway.mappings.rio_v4 import build_aanleveren, build_verwijderen
from gateway.testing import free_port
from simulators.rio_service import FaultKind, SimulatedRio
from simulators.rio_service.certificates import TestCA
from simulators.rio_service.rules import (
    AANMELDPERIODE_NA_START,
    EINDE_VOOR_BEGIN,
    ONBEKENDE_AANGEBODEN_OPLEIDING,
    ONBEKENDE_OPLEIDINGSCODE,
)
from tests import factories
from tests.integration.rio_testbed import NO_WAIT, TENANT, Pki, simulated_rio, target_for

AANLEVEREN = "aanleveren_aangebodenOpleiding"


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return Pki.create(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def rio(standards: Standards, pki: Pki) -> Iterator[tuple[SimulatedRio, RioClient]]:
    with simulated_rio(standards, pki) as (simulator, base_url), RioClient(
        target_for(base_url, pki), TENANT, standards, wait=NO_WAIT
    ) as client:
        yield simulator, client


def _message(standards: Standards, crebo: str = "25604") -> bytes:
    offering = factories.offering(crebo=crebo)
    cohorts = [factories.cohort(offering_id=offering.id),
               factories.cohort(ident="c2", offering_id=offering.id, code="2027-BOL")]
    return build_aanleveren(TENANT, offering, cohorts, standards=standards)


def test_an_accepted_delivery_is_held_by_rio_and_answered_by_opvragen(
    rio: tuple[SimulatedRio, RioClient], standards: Standards
) -> None:
    simulator, client = rio
    result = client.aanleveren(_message(standards))
    assert result.accepted and result.foutmeldingen == ()
    offering = factories.offering()
    held = client.opvragen(offering.id)
    assert held.accepted and held.offering is not None
    assert held.offering.opleidingscode == "25604"
    assert sorted(held.offering.cohorts) == ["2026-BOL", "2027-BOL"]
    assert [o.code for o in client.opvragen_alle()] == [str(offering.id)]
    assert simulator.state.count(AANLEVEREN) == 1


def test_a_business_rejection_carries_the_foutmeldingen_and_is_not_retried(
    rio: tuple[SimulatedRio, RioClient], standards: Standards
) -> None:
    simulator, client = rio
    with pytest.raises(RioRejection) as info:
        client.aanleveren(_message(standards, crebo="99999"))
    assert isinstance(info.value, FatalUpstreamError)
    assert [f.code for f in info.value.foutmeldingen] == [ONBEKENDE_OPLEIDINGSCODE]
    assert "99999" in info.value.foutmeldingen[0].text
    assert info.value.foutmeldingen[0].keys == (("opleidingscode", "99999"),)
    assert simulator.state.count(AANLEVEREN) == 1  # one request: no retry


@pytest.mark.parametrize(("edit", "code"), [
    ((b"<duo:begindatum>2026-08-01</duo:begindatum><duo:opleidingserkenningSleutel>",
      b"<duo:begindatum>2026-08-01</duo:begindatum><duo:einddatum>2025-07-31</duo:einddatum>"
      b"<duo:opleidingserkenningSleutel>"), EINDE_VOOR_BEGIN),
    ((b"<duo:beginAanmeldperiode>2026-01-01<", b"<duo:beginAanmeldperiode>2026-10-01<"),
     AANMELDPERIODE_NA_START),
], ids=["end-before-start", "applications-open-after-the-start"])
def test_rio_rules_beyond_the_xsd_are_foutmeldingen(
    rio: tuple[SimulatedRio, RioClient], standards: Standards, edit: tuple[bytes, bytes],
    code: str,
) -> None:
    # The canonical model refuses such data, so the message is edited after building: what
    # another sender (or a future model bug) could send, and RIO must still refuse.
    _, client = rio
    message = _message(standards)
    assert edit[0] in message
    with pytest.raises(RioRejection) as info:
        client.aanleveren(message.replace(edit[0], edit[1], 1))
    assert code in {f.code for f in info.value.foutmeldingen}


def test_verwijderen_of_an_offering_rio_does_not_hold_is_rejected(
    rio: tuple[SimulatedRio, RioClient], standards: Standards
) -> None:
    _, client = rio
    with pytest.raises(RioRejection) as info:
        client.verwijderen(build_verwijderen(TENANT, factories.offering().id,
                                             standards=standards))
    assert [f.code for f in info.value.foutmeldingen] == [ONBEKENDE_AANGEBODEN_OPLEIDING]


@pytest.mark.parametrize("kind", [FaultKind.UNAVAILABLE, FaultKind.SOAP_FAULT])
def test_technical_failures_are_retried_until_rio_answers(
    rio: tuple[SimulatedRio, RioClient], standards: Standards, kind: FaultKind
) -> None:
    simulator, client = rio
    simulator.state.inject(kind, count=2)
    assert client.aanleveren(_message(standards)).accepted
    outcomes = [r.outcome for r in simulator.state.requests]
    assert outcomes == [f"injected-{kind.value}"] * 2 + ["accepted"]


def test_retries_are_given_up_after_max_attempts(
    rio: tuple[SimulatedRio, RioClient], standards: Standards
) -> None:
    simulator, client = rio
    simulator.state.inject(FaultKind.SOAP_FAULT, count=10)
    with pytest.raises(RioUnavailable) as info:
        client.aanleveren(_message(standards))
    assert isinstance(info.value, RetriableUpstreamError)
    assert isinstance(info.value.__cause__, SoapFaultError)
    assert simulator.state.count(AANLEVEREN) == client.target.max_attempts == 3


@pytest.mark.parametrize("kind", [FaultKind.HOSTILE, FaultKind.OVERSIZED])
def test_a_hostile_or_oversized_answer_is_refused_and_not_retried(
    standards: Standards, pki: Pki, kind: FaultKind
) -> None:
    with simulated_rio(standards, pki) as (simulator, base_url):
        target = target_for(base_url, pki)
        transport = RioTransport.for_target(target, max_response_bytes=64 * 1024)
        with RioClient(target, TENANT, standards, transport=transport, wait=NO_WAIT) as client:
            simulator.state.inject(kind, size=65 * 1024)
            with pytest.raises(FatalUpstreamError) as info:
                client.aanleveren(_message(standards))
        assert simulator.state.count(AANLEVEREN) == 1
    if kind is FaultKind.HOSTILE:
        assert isinstance(info.value, RioResponseError)
        assert "DOCTYPE" in info.value.message
    else:
        assert "larger than 65536 bytes" in info.value.message


def test_a_signer_rio_does_not_trust_is_refused(standards: Standards, pki: Pki,
                                                  tmp_path: Path) -> None:
    stranger = TestCA.create("not PKIoverheid").issue("ROC A", oin=TENANT.oin)
    cert, key = stranger.write(tmp_path, "stranger")
    with simulated_rio(standards, pki) as (simulator, base_url), RioClient(
        target_for(base_url, pki, client_cert=cert, client_key=key), TENANT, standards,
        wait=NO_WAIT,
    ) as client:
        with pytest.raises(RioUnavailable) as info:
            client.aanleveren(_message(standards))
        assert "not trusted" in str(info.value.__cause__)
        assert simulator.state.offerings == {}
        assert {r.outcome for r in simulator.state.requests} == {"refused-security"}


def test_a_connection_that_fails_is_retriable(standards: Standards, pki: Pki) -> None:
    target = target_for(f"http://127.0.0.1:{free_port()}", pki, max_attempts=2)
    with RioClient(target, TENANT, standards, wait=NO_WAIT) as client, pytest.raises(
        RioUnavailable, match="failed 2 time"
    ) as info:
        client.aanleveren(_message(standards))
    assert isinstance(info.value.__cause__, RetriableUpstreamError)
