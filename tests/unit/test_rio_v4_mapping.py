"""Canonical offering + cohorts -> RIO V4 Beheren requests, checked against the official XSD."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.adapters.rio.codec import RioMessageInvalid
from gateway.adapters.rio.values import UnknownValueError
from gateway.adapters.standards import Standards
from gateway.domain.catalogue import Cohort, ProgrammeOffering
from gateway.errors import ConfigurationError, DomainRuleError, ValidationError
from gateway.mappings.rio_v4 import FullStateViolation, build_aanleveren, build_verwijderen
from gateway.store.entities import StoredEntity
from tests import factories
from tests.unit.rio_support import SENT_AT, TENANT, assert_valid_independently, find


def _offering(**over: Any) -> ProgrammeOffering:
    return factories.offering(description="Je leert software bouwen.", **over)


def _cohorts(offering: ProgrammeOffering) -> list[Cohort]:
    fixed = factories.cohort(offering_id=offering.id, code="2026-BOL", mode_of_delivery="online")
    flexible = factories.cohort(
        ident="c2", offering_id=offering.id, code="2027-FLEX", status="closed",
        application_start=date(2027, 1, 1), application_end=None, start_date=None,
        flexible_intake={"start": date(2027, 9, 1), "end": date(2027, 12, 1)},
        consent_required=True, capacity=24, price={"amount": "1200.5"},
        consent_explanation="Alleen met een leerbedrijf", end_date=date(2029, 7, 31),
    )
    return [flexible, fixed]


def _stored(entity: Cohort, deleted: bool = False) -> StoredEntity:
    return StoredEntity("cohort", 1, deleted, entity.snapshot(), datetime(2026, 1, 1, tzinfo=UTC))


def test_aanleveren_with_all_cohorts_validates_and_carries_the_facts(
    standards: Standards,
) -> None:
    offering = _offering(valid_until=date(2031, 7, 31), leerweg="BBL")
    body = build_aanleveren(TENANT, offering, _cohorts(offering), standards=standards,
                            document_id="doc-1", sent_at=SENT_AT)
    assert_valid_independently(body, standards)
    mbo = "/duo:aanleveren_aangebodenOpleiding_request/duo:aangebodenMboOpleiding"
    assert find(body, "//duo:identificatiecodeBedrijfsdocument") == ["doc-1"]
    assert find(body, "//duo:verzendendeInstantie") == [TENANT.oin]
    assert find(body, f"{mbo}/duo:aangebodenOpleidingCode") == [str(offering.id)]
    assert find(body, f"{mbo}/duo:onderwijsaanbiedercode") == ["123A456"]
    assert find(body, f"{mbo}/duo:opleidingserkenningSleutel/duo:opleidingscode") == ["25604"]
    assert find(body, f"{mbo}/duo:opleidingserkenningSleutel/duo:opleidingsstelsel") == ["CREBO"]
    assert find(body, f"{mbo}/duo:einddatum") == ["2031-07-31"]
    assert find(body, f"{mbo}/duo:leertrajectMBO") == ["BBL"]
    assert find(body, f"{mbo}/duo:aangebodenMboOpleidingPeriode/duo:eigenNaamAangebodenOpleiding"
                ) == ["Software developer"]
    cohort = f"{mbo}/duo:aangebodenMboOpleidingCohort"
    assert find(body, f"{cohort}/duo:cohortcode") == ["2026-BOL", "2027-FLEX"]  # by code
    assert find(body, f"{cohort}/duo:cohortstatus") == ["O", "G"]
    assert find(body, f"{cohort}/duo:vastInstroommoment/duo:instroommoment") == ["2026-09-01"]
    assert find(body, f"{cohort}/duo:flexibeleInstroom/duo:eindeInstroomperiode") == [
        "2027-12-01"]
    assert find(body, f"{cohort}/duo:toestemmingVereistVoorAanmelding") == ["NEE", "JA"]
    assert find(body, f"{cohort}/duo:prijs/duo:bedrag") == ["1200.50"]
    assert find(body, f"{cohort}/duo:toelichtingVereisteToestemming") == [
        "Alleen met een leerbedrijf"]
    assert find(body, f"{cohort}/duo:einddatum") == ["2029-07-31"]
    assert find(body, f"{cohort}/duo:kenmerken[duo:kenmerknaam='opleidingsvorm']"
                "/duo:kenmerkwaardeEnumeratiewaarde") == ["ONLINE", "KLASSIKAAL"]
    assert find(body, f"{cohort}/duo:kenmerken[duo:kenmerknaam='deelnemersplaatsen']"
                "/duo:kenmerkwaardeGetal") == ["24"]


def test_offering_without_cohorts_and_verwijderen_validate(standards: Standards) -> None:
    offering = _offering()
    body = build_aanleveren(TENANT, offering, [], standards=standards)
    assert_valid_independently(body, standards)
    assert find(body, "//duo:aangebodenMboOpleidingCohort") == []
    gone = build_verwijderen(TENANT, offering, standards=standards, sent_at=SENT_AT)
    assert_valid_independently(gone, standards)
    assert find(gone, "/*/duo:aangebodenOpleidingCode") == [str(offering.id)]
    assert build_verwijderen(TENANT, offering.id, standards=standards, document_id="x",
                             sent_at=SENT_AT) == build_verwijderen(
        TENANT, offering, standards=standards, document_id="x", sent_at=SENT_AT)


_dates = st.dates(min_value=date(2024, 1, 1), max_value=date(2035, 12, 31))


@st.composite
def _offering_with_cohorts(draw: st.DrawFn) -> tuple[ProgrammeOffering, list[Cohort]]:
    start = draw(_dates)
    offering = factories.offering(
        ident=draw(st.text("abc123", min_size=1, max_size=8)),
        leerweg=draw(st.sampled_from(["BOL", "BBL"])), level=draw(st.integers(1, 4)),
        valid_from=start, name=draw(st.text(min_size=1, max_size=225).filter(str.strip)),
        description=draw(st.none() | st.text(min_size=1, max_size=500)),
        language=draw(st.sampled_from(["NLD", "ENG"])),
        admission_requirements=draw(st.sampled_from([None, "JA", "NEE"])),
    )
    cohorts = []
    for n in range(draw(st.integers(0, 4))):
        opens = draw(_dates)
        begins = draw(st.dates(min_value=opens, max_value=date(2036, 12, 31)))
        flexible = draw(st.booleans())
        cohorts.append(factories.cohort(
            ident=f"c{n}", offering_id=offering.id, code=f"C{n}-{begins.year}",
            status=draw(st.sampled_from(["open", "closed"])), application_start=opens,
            application_end=draw(st.none() | st.just(begins)),
            start_date=None if flexible else begins,
            flexible_intake={"start": begins, "end": begins} if flexible else None,
            consent_required=draw(st.booleans()),
            capacity=draw(st.none() | st.integers(1, 32000)),
            mode_of_delivery=draw(st.sampled_from([None, "online", "hybrid", "situated"])),
            end_date=draw(st.none() | st.dates(min_value=begins, max_value=date(2037, 1, 1))),
            consent_explanation=draw(
                st.none() | st.text(min_size=1, max_size=300).filter(str.strip)),
            price=draw(st.none() | st.builds(dict, amount=st.decimals(
                min_value=0, max_value=1_000_000, places=2))),
        ))
    return offering, cohorts


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=_offering_with_cohorts())
def test_every_built_message_validates_independently(
    case: tuple[ProgrammeOffering, list[Cohort]], standards: Standards
) -> None:
    offering, cohorts = case
    try:
        body = build_aanleveren(TENANT, offering, cohorts, standards=standards)
    except DomainRuleError as exc:  # text XML cannot hold (a control character)
        assert "XML cannot carry" in exc.message
        return
    assert_valid_independently(body, standards)
    assert len(find(body, "//duo:aangebodenMboOpleidingCohort")) == len(cohorts)


def test_a_message_failing_the_xsd_is_raised_with_path_and_line(standards: Standards) -> None:
    offering = _offering(name="x" * 300)  # canonical allows 500, RIO 225
    with pytest.raises(RioMessageInvalid) as caught:
        build_aanleveren(TENANT, offering, [], standards=standards)
    (error,) = caught.value.xsd_errors
    assert error.path.endswith("duo:eigenNaamAangebodenOpleiding")
    assert error.line is not None and error.line >= 1
    assert "225" in error.message
    assert caught.value.errors[0]["path"] == error.path
    assert isinstance(caught.value, ValidationError)


def test_full_state_refuses_to_drop_a_cohort_rio_holds(standards: Standards) -> None:
    offering = _offering()
    first, second = _cohorts(offering)
    held = {first.code, second.code}
    with pytest.raises(FullStateViolation) as caught:
        build_aanleveren(TENANT, offering, [first], standards=standards, held_by_rio=held)
    assert caught.value.context["dropped"] == [second.code]
    # the complete set passes, and so does one where the store deleted the missing cohort
    build_aanleveren(TENANT, offering, [first, second], standards=standards, held_by_rio=held)
    body = build_aanleveren(TENANT, offering, [_stored(first), _stored(second, deleted=True)],
                            standards=standards, held_by_rio=held)
    assert find(body, "//duo:cohortcode") == [first.code]


def test_full_state_takes_a_tenant_wide_list_and_refuses_duplicate_codes(
    standards: Standards,
) -> None:
    offering = _offering()
    other = factories.offering(ident="o2", crebo="25187")
    mine = _cohorts(offering)
    foreign = factories.cohort(ident="c9", offering_id=other.id, code="OTHER")
    body = build_aanleveren(TENANT, offering, [_stored(c) for c in [*mine, foreign]],
                            standards=standards)
    assert find(body, "//duo:cohortcode") == ["2026-BOL", "2027-FLEX"]
    twin = factories.cohort(ident="c3", offering_id=offering.id, code="2026-BOL")
    with pytest.raises(FullStateViolation, match="two cohorts with code '2026-BOL'"):
        build_aanleveren(TENANT, offering, [*mine, twin], standards=standards)


@pytest.mark.parametrize(
    ("offering_over", "cohort_over", "error", "match"),
    [
        ({"admission_requirements": "MAYBE"}, {}, UnknownValueError, "toelatingseisen"),
        ({"language": "XXX"}, {}, UnknownValueError, "voertaal"),
        ({}, {"mode_of_delivery": "telepathy"}, UnknownValueError, "opleidingsvorm"),
        ({}, {"capacity": 0}, DomainRuleError, "capacity of 1 to 32000"),
        ({}, {"price": {"amount": "10", "currency": "USD"}}, DomainRuleError, "euro"),
    ],
)
def test_values_rio_cannot_hold_are_refused_with_the_reason(
    standards: Standards, offering_over: dict[str, Any], cohort_over: dict[str, Any],
    error: type[Exception], match: str,
) -> None:
    offering = _offering(**offering_over)
    cohort = factories.cohort(offering_id=offering.id, **cohort_over)
    with pytest.raises(error, match=match):
        build_aanleveren(TENANT, offering, [cohort], standards=standards)


def test_tenant_configuration_is_required(standards: Standards) -> None:
    offering = _offering()
    with pytest.raises(ConfigurationError, match="OIN"):
        build_aanleveren(TENANT.model_copy(update={"oin": None}), offering, [],
                         standards=standards)
    with pytest.raises(ConfigurationError, match="onderwijsaanbiedercode"):
        build_aanleveren(TENANT.model_copy(update={"onderwijsaanbiedercode": None}), offering,
                         [], standards=standards)
    with pytest.raises(ConfigurationError, match="belongs to tenant roc-b"):
        build_aanleveren(TENANT, factories.offering(tenant="roc-b"), [], standards=standards)
