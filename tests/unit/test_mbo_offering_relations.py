"""The groups and staff of a component offering: what counts, what is kept, what is refused."""

from __future__ import annotations

from typing import Any

import pytest

from gateway.domain.base import content_hash
from gateway.errors import DomainRuleError
from gateway.mappings.ooapi_v5_mbo_in import activity_from, canonical_id
from gateway.mappings.ooapi_v5_mbo_relations import pushed_groups, staff_of

G1, G2 = "0b7e4a52-3f4a-4c1e-9a51-2f0c1d6a0001", "0b7e4a52-3f4a-4c1e-9a51-2f0c1d6a0002"
P1, P2, P3 = (f"5d1a0c8e-8a61-4f44-b0b5-8e6b3f7c00{n:02d}" for n in (1, 2, 3))
OFFERING = {"offeringId": "9f3c1e1a-2b4d-4e6f-8a0b-1c2d3e4f5a6b", "offeringType": "component",
            "name": [{"language": "nl-NL", "value": "Rekenen 2F"}],
            "startDateTime": "2026-06-21T12:45:00+02:00",
            "endDateTime": "2026-06-21T13:45:00+02:00"}


def _association(person: Any, role: str = "lecturer", state: str = "associated") -> dict[str, Any]:
    return {"associationType": "componentOfferingAssociation", "role": role, "state": state,
            "person": person}


def test_staff_are_the_live_associations_with_a_staff_role() -> None:
    found = staff_of([
        _association(P1), _association({"personId": P2}, role="invigilator"),
        _association(P3, role="student"), _association(P3, role="guest"),
        _association(P3, state="canceled"), _association(P3, state="denied"),
        _association({"personId": P1.upper()}, role="assessor"),  # the same person again
        "not an association", _association("MW00001"),
    ])
    assert found == (P1, P2)


def test_pushed_groups_come_from_ext_as_ids_or_groups() -> None:
    assert pushed_groups(OFFERING) == ()
    assert pushed_groups({**OFFERING, "ext": {"other": 1}}) == ()
    doc = {**OFFERING, "ext": {"groups": [G2, {"groupId": G1, "groupType": "class"}, G2]}}
    assert pushed_groups(doc) == (G2, G1)
    with pytest.raises(DomainRuleError) as bad:
        pushed_groups({**OFFERING, "ext": {"groups": [G1, "klas 1A"]}})
    assert bad.value.path == "/ext/groups/1"
    assert "klas" not in bad.value.message
    with pytest.raises(DomainRuleError) as bad:
        pushed_groups({**OFFERING, "ext": {"groups": G1}})
    assert bad.value.path == "/ext/groups"


def test_an_activity_holds_canonical_ids_once_in_a_stable_order() -> None:
    one = activity_from("roc-a", OFFERING, groups=(G2, G1), staff=(P2, P1, P2))
    other = activity_from("roc-a", OFFERING, groups=(G1, G2), staff=(P1, P2))
    assert one == other and content_hash(one.snapshot()) == content_hash(other.snapshot())
    assert set(one.group_ids) == {canonical_id("roc-a", "group", g) for g in (G1, G2)}
    assert set(one.staff_ids) == {canonical_id("roc-a", "person", p) for p in (P1, P2)}
    assert len(one.staff_ids) == 2
    assert activity_from("roc-a", OFFERING).group_ids == ()
