"""The mbo profile's rules without I/O: its validator, the association states, its scopes."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from gateway.adapters.ooapi.mbo_profile import MboProfile, mbo_profile
from gateway.adapters.ooapi.openapi import read_yaml
from gateway.adapters.standards import Standards
from gateway.api.routers.ooapi_mbo.context import SCOPES
from gateway.domain.enrolment import EnrolmentState
from gateway.errors import TransitionError
from gateway.mappings.ooapi_v5_mbo_states import next_state
from gateway.sync.mbo_receiver import merge_patch, without_nulls

S = EnrolmentState


@pytest.fixture(scope="module")
def profile(standards: Standards) -> MboProfile:
    return mbo_profile(standards)


@pytest.fixture(scope="module")
def spec(standards: Standards) -> Any:
    return read_yaml(Path(standards.ooapi_mbo_yaml))


def _examples(spec: Any, path: str, method: str) -> list[Any]:
    content = spec["paths"][path][method]["requestBody"]["content"]
    return [e["value"] for body in content.values() for e in body.get("examples", {}).values()]


@pytest.mark.parametrize(("path", "method"), [
    ("/persons/{personId}", "put"), ("/offerings/{offeringId}", "put"),
    ("/offerings/{offeringId}", "patch"), ("/associations/{associationId}", "patch"),
    ("/groups/{groupId}", "put"), ("/groups/{groupId}/members", "put")])
def test_the_profile_s_own_examples_are_valid(
    profile: MboProfile, spec: Any, path: str, method: str
) -> None:
    examples = _examples(spec, path, method)
    assert examples
    for example in examples:
        assert profile.validate_request(path, method, example) == []


def test_the_published_association_examples_fail_only_on_their_person_ids(
    profile: MboProfile, spec: Any
) -> None:
    """The profile's PUT examples carry ``"111-2222-33-4444-222"`` as a person id."""
    for example in _examples(spec, "/associations/{associationId}", "put"):
        errors = profile.validate_request("/associations/{associationId}", "put", example)
        assert errors and all(e.message == "not a valid uuid" for e in errors)
        assert all(e.pointer.startswith("/person") for e in errors)


def test_recursive_schemas_validate(profile: MboProfile) -> None:
    """An academic session's parent is an academic session: the anchors form a cycle."""
    session: dict[str, Any] = {"academicSessionId": "937983ad-cc0f-45a6-95ca-a8f60b7cf125",
                               "name": [{"language": "nl-NL", "value": "2026"}],
                               "startDate": "2026-08-01", "endDate": "2027-07-31"}
    nested = copy.deepcopy(session)
    nested["parent"] = {**session, "parent": {**session, "startDate": 5}}
    offering = {"offeringId": "123e4567-e89b-12d3-a456-134564174000",
                "primaryCode": {"codeType": "offeringCode", "code": "x"},
                "offeringType": "component", "name": [{"language": "nl-NL", "value": "x"}],
                "description": [{"language": "nl-NL", "value": "x"}],
                "teachingLanguage": "nld", "resultExpected": True,
                "startDateTime": "2026-06-21T12:45:00+02:00",
                "endDateTime": "2026-06-21T13:45:00+02:00", "academicSession": nested}
    (error,) = profile.validate_request("/offerings/{offeringId}", "put", offering)
    assert error.pointer == "/academicSession/parent/parent/startDate"
    assert error.schema_path.startswith("ooapi-v5-mbo/ooapiv5_MBO.yaml#/paths/")
    assert error.schema_path.endswith("/startDate/type")


def test_responses_tell_the_association_types_apart(profile: MboProfile) -> None:
    base = {"associationId": "123e4567-e89b-12d3-a456-426614174000", "role": "student",
            "state": "associated", "person": "123e4567-e89b-12d3-a456-426614174001",
            "offering": "123e4567-e89b-12d3-a456-426614174002"}
    for kind in ("programOfferingAssociation", "courseOfferingAssociation",
                 "componentOfferingAssociation"):
        doc = {**base, "associationType": kind}
        assert profile.validate_response("/associations/{associationId}", "get", 200, doc) == []
    wrong = {**base, "associationType": "elsewhere"}
    assert profile.validate_response("/associations/{associationId}", "get", 200, wrong)


def test_the_scope_table_holds_every_scope_the_profile_names(profile: MboProfile) -> None:
    for (method, path), scopes in SCOPES.items():
        named = set(profile.scopes(path, method))
        assert named <= set(scopes), (method, path)
        assert named or path == "/persons/{personId}/associations", (method, path)


@pytest.mark.parametrize(("current", "stored", "asked", "expected"), [
    # pending is undecided (in review), not accepted: the SIS may still deny it
    (None, None, "pending", S.IN_REVIEW),
    (None, None, "associated", S.ENROLLED),
    (None, None, "canceled", S.WITHDRAWN),
    (None, None, "denied", S.REJECTED),
    (S.IN_REVIEW, "pending", "denied", S.REJECTED),
    (S.IN_REVIEW, "pending", "associated", S.ENROLLED),
    (S.IN_REVIEW, "pending", "canceled", S.WITHDRAWN),
    (S.IN_REVIEW, "pending", "queued", S.IN_REVIEW),
    (S.ACCEPTED, "pending", "associated", S.ENROLLED),
    (S.IN_REVIEW, "queued", "associated", S.ENROLLED),
    (S.IN_REVIEW, "queued", "canceled", S.WITHDRAWN),
    (S.ENROLLED, "associated", "canceled", S.ENDED),
    (S.ENROLLED, "associated", "finished", S.ENDED),
    (S.INTERRUPTED, None, "associated", S.INTERRUPTED),
    (S.WITHDRAWN, "canceled", "canceled", S.WITHDRAWN),
    (S.ENDED, "canceled", "canceled", S.ENDED),
])
def test_association_states_move_the_machine(
    current: S | None, stored: str | None, asked: str, expected: S
) -> None:
    assert next_state(current, stored, asked) is expected


@pytest.mark.parametrize(("current", "stored", "asked"), [
    (S.REJECTED, "denied", "associated"), (S.ENROLLED, "associated", "pending"),
    (S.ENROLLED, "associated", "denied"), (S.ENDED, "finished", "canceled"),
    (S.ENDED, "finished", "associated"), (S.WITHDRAWN, "canceled", "queued")])
def test_refused_changes_say_from_to_and_what_is_allowed(
    current: S, stored: str, asked: str
) -> None:
    with pytest.raises(TransitionError) as caught:
        next_state(current, stored, asked)
    context = caught.value.context
    assert context["from_state"] == current.value
    assert context["to_association_state"] == asked
    assert context["allowed"] == sorted(s.value for s in context_allowed(current))
    assert stored in context["allowed_association_states"]
    assert asked not in context["allowed_association_states"]


def context_allowed(state: S) -> set[S]:
    from gateway.domain.enrolment import allowed_transitions

    return set(allowed_transitions(state))


def test_merge_patch_is_rfc_7386() -> None:
    target = {"a": "b", "c": {"d": "e", "f": "g"}, "l": [1, 2]}
    patch = {"a": "z", "c": {"f": None}, "l": [3]}
    assert merge_patch(target, patch) == {"a": "z", "c": {"d": "e"}, "l": [3]}
    assert without_nulls(patch) == {"a": "z", "c": {}, "l": [3]}
