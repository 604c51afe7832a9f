"""rio_diff: the gateway's catalogue against what RIO holds, offering by offering."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

from gateway.adapters.rio.responses import parse_opvragen_response
from gateway.adapters.standards import Standards
from gateway.domain.base import Entity
from gateway.mappings.rio_v4 import build_aanleveren
from gateway.store.entities import StoredEntity
from gateway.sync.rio_diff import FieldDifference, expected_rio_state, rio_diff
from tests import factories
from tests.unit.rio_support import TENANT, opvragen_response_for


def _row(entity: Entity, deleted: bool = False) -> StoredEntity:
    return StoredEntity(entity.kind, 1, deleted, entity.snapshot(),
                        datetime(2026, 1, 1, tzinfo=UTC))


def _catalogue() -> tuple[list[StoredEntity], list[StoredEntity]]:
    first = factories.offering()
    second = factories.offering(ident="o2", crebo="25187", leerweg="BBL")
    cohorts = [
        factories.cohort(offering_id=first.id),
        factories.cohort(ident="c2", offering_id=first.id, code="2027-BOL",
                         application_start=date(2027, 1, 1), application_end=None,
                         start_date=date(2027, 9, 1)),
        factories.cohort(ident="c3", offering_id=second.id, code="2026-BBL", capacity=12),
    ]
    return [_row(first), _row(second)], [_row(c) for c in cohorts]


def test_what_rio_answers_after_a_delivery_is_in_sync(standards: Standards) -> None:
    offerings, cohorts = _catalogue()
    held = []
    for row in offerings:
        offering = row.entity()
        mine = [c for c in cohorts if c.state["offering_id"] == str(offering.id)]
        sent = build_aanleveren(TENANT, offering, mine, standards=standards)  # type: ignore[arg-type]
        answer = parse_opvragen_response(opvragen_response_for(sent), standards)
        assert answer.offering is not None
        held.append(answer.offering)
    diff = rio_diff(TENANT, offerings, cohorts, held)
    assert diff.in_sync and diff.compared == 2 and diff.lines() == []


def test_missing_extra_and_different_offerings_and_cohorts() -> None:
    offerings, cohorts = _catalogue()
    expected, failures = expected_rio_state(TENANT, offerings, cohorts)
    assert failures == {}
    first_code, second_code = (str(r.state["id"]) for r in offerings)
    first = expected[first_code]
    changed = replace(
        first, name="Oude naam",
        cohorts={
            "2026-BOL": replace(first.cohorts["2026-BOL"], status="G"),
            "2025-BOL": replace(first.cohorts["2026-BOL"], code="2025-BOL"),
        },
    )
    removed = factories.offering(ident="gone", crebo="10001")
    still_in_rio = replace(first, code=str(removed.id))
    diff = rio_diff(TENANT, [*offerings, _row(removed, deleted=True)], cohorts,
                    [changed, still_in_rio])
    kinds = {d.code: d.kind for d in diff.differences}
    assert kinds == {first_code: "different", second_code: "missing-in-rio",
                     str(removed.id): "extra-in-rio"}
    different = next(d for d in diff.differences if d.kind == "different")
    assert different.fields == (FieldDifference("name", "Software developer", "Oude naam"),)
    assert [(c.code, c.kind) for c in different.cohorts] == [
        ("2025-BOL", "extra-in-rio"), ("2026-BOL", "different"), ("2027-BOL", "missing-in-rio")]
    assert different.cohorts[1].fields == (FieldDifference("status", "O", "G"),)
    text = "\n".join(diff.lines())
    assert "name: gateway='Software developer' rio='Oude naam'" in text
    assert "cohort 2027-BOL: missing-in-rio" in text
    assert diff.compared == 3 and not diff.in_sync


def test_an_offering_the_gateway_cannot_map_is_reported_not_raised() -> None:
    broken = factories.offering(ident="o9", language="XXX")
    diff = rio_diff(TENANT, [broken], [], [])
    (only,) = diff.differences
    assert only.kind == "not-deliverable" and "voertaal" in only.reason


def test_numbers_and_amounts_compare_by_value(standards: Standards) -> None:
    offering = factories.offering()
    cohort = factories.cohort(offering_id=offering.id, capacity=12, price={"amount": "99.5"})
    sent = build_aanleveren(TENANT, offering, [cohort], standards=standards)
    answer = opvragen_response_for(sent).replace(b">12<", b">12.000000<").replace(
        b">99.50<", b">99.5<")
    assert b">12.000000<" in answer and b">99.5<" in answer
    held = parse_opvragen_response(answer, standards).offering
    assert held is not None
    assert rio_diff(TENANT, [offering], [cohort], [held]).in_sync
    fewer = answer.replace(b">12.000000<", b">11<")
    held = parse_opvragen_response(fewer, standards).offering
    assert held is not None
    (diff,) = rio_diff(TENANT, [offering], [cohort], [held]).differences
    assert diff.cohorts[0].fields == (FieldDifference("kenmerk:deelnemersplaatsen", "12", "11"),)
