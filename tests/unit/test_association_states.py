"""The OOAPI association states <-> the enrolment state machine: total over the official enums."""

from __future__ import annotations

import json
from typing import Any

import pytest

from gateway.adapters.ooapi.openapi import read_yaml
from gateway.adapters.standards import Standards
from gateway.domain.enrolment import (
    APPLICATION_STATES,
    ENROLMENT_STATES,
    EnrolmentState,
    allowed_transitions,
    transition,
)
from gateway.errors import TransitionError
from gateway.mappings.association_states import (
    AssociationState,
    RemoteAssociationState,
    to_association_state,
    to_enrolment_state,
    to_remote_state,
)
from gateway.mappings.ooapi_v5_mbo_states import next_state
from gateway.sync.intake_decisions import application_state

MBO_PROPERTIES = ("/paths/~1associations~1{associationId}/put/requestBody/content/"
                  "application~1json/schema/oneOf/0/allOf/0/allOf/1/allOf/0/properties")


def _at(document: Any, pointer: str) -> Any:
    node = document
    for token in pointer.strip("/").split("/"):
        token = token.replace("~1", "/").replace("~0", "~")
        node = node[int(token)] if isinstance(node, list) else node[token]
    return node


@pytest.fixture(scope="module")
def official_enums(standards: Standards) -> dict[str, set[str]]:
    """The state enums as published: OOAPI v5 and the mbo profile, state and remoteState."""
    spec = json.loads(standards.ooapi_json.read_text(encoding="utf-8"))
    schemas = spec["components"]["schemas"]
    mbo = _at(read_yaml(standards.ooapi_mbo_yaml), MBO_PROPERTIES)
    return {
        "ooapi state": set(schemas["associationState"]["enum"]),
        "ooapi remoteState": set(schemas["remoteAssociationState"]["enum"]),
        "mbo state": set(mbo["state"]["enum"]),
        "mbo remoteState": set(mbo["remoteState"]["enum"]),
    }


def test_the_enums_cover_every_published_value(official_enums: dict[str, set[str]]) -> None:
    published = set().union(*official_enums.values())
    assert {s.value for s in AssociationState} == published
    assert {s.value for s in RemoteAssociationState} == published
    assert "finished" in official_enums["mbo state"]
    assert "finished" not in official_enums["ooapi state"]


@pytest.mark.parametrize("kind", ["application", "enrolment"])
def test_every_published_state_maps_to_a_state_of_the_kind(
    official_enums: dict[str, set[str]], kind: Any
) -> None:
    expected = APPLICATION_STATES if kind == "application" else ENROLMENT_STATES
    for name, values in official_enums.items():
        for value in values:
            state = to_enrolment_state(value, kind)
            assert state in expected, (name, value, kind, state)


def test_every_canonical_state_maps_into_each_published_enum(
    official_enums: dict[str, set[str]]
) -> None:
    for state in EnrolmentState:
        assert to_association_state(state).value in official_enums["mbo state"]
        assert to_remote_state(state).value in official_enums["mbo remoteState"]
        plain = to_association_state(state, mbo_profile=False).value
        assert plain in official_enums["ooapi state"], state
        assert to_remote_state(state, mbo_profile=False).value in (
            official_enums["ooapi remoteState"])


@pytest.mark.parametrize(("ooapi", "application", "enrolment"), [
    # pending was "accepted" for an enrolment, and the machine then refused an SIS's
    # pending -> denied (an accepted place cannot be rejected): it is undecided, in review
    ("pending", "in_review", "in_review"),
    ("queued", "in_review", "in_review"),
    ("associated", "accepted", "enrolled"),
    ("denied", "rejected", "rejected"),
    ("canceled", "withdrawn", "ended"),
    ("finished", "accepted", "ended"),
])
def test_association_state_to_canonical(ooapi: str, application: str, enrolment: str) -> None:
    assert to_enrolment_state(ooapi, "application") is EnrolmentState(application)
    assert to_enrolment_state(RemoteAssociationState(ooapi), "enrolment") is (
        EnrolmentState(enrolment))


@pytest.mark.parametrize(("state", "ooapi"), [
    ("received", "pending"), ("in_review", "pending"), ("accepted", "pending"),
    ("rejected", "denied"), ("withdrawn", "canceled"), ("enrolled", "associated"),
    ("interrupted", "associated"), ("ended", "finished"),
])
def test_canonical_to_association_state(state: str, ooapi: str) -> None:
    assert to_association_state(EnrolmentState(state)) is AssociationState(ooapi)


def test_unknown_association_state_is_refused() -> None:
    with pytest.raises(ValueError, match="'enrolled' is not a valid AssociationState"):
        to_enrolment_state("enrolled")


def test_what_the_gateway_sends_reads_back_as_a_state_the_machine_reaches() -> None:
    """An application's own state, sent and read back, is one the machine allows from it."""
    for state in APPLICATION_STATES:
        back = to_enrolment_state(to_association_state(state), "application")
        assert back is state or back in allowed_transitions(state) or (
            # received/in_review/accepted all say 'pending': reading it never moves back
            state is EnrolmentState.ACCEPTED and back is EnrolmentState.IN_REVIEW), state


def test_sis_decisions_on_a_received_application_are_allowed_transitions() -> None:
    for ooapi in ("pending", "queued", "associated", "denied", "canceled"):
        target = to_enrolment_state(ooapi, "application")
        assert transition(EnrolmentState.RECEIVED, target) is target


def test_a_refused_transition_names_from_to_and_allowed() -> None:
    with pytest.raises(TransitionError) as caught:
        transition(EnrolmentState.WITHDRAWN, EnrolmentState.ACCEPTED)
    assert caught.value.context == {"from_state": "withdrawn", "to_state": "accepted",
                                    "allowed": []}
    assert "none (final state)" in caught.value.message
    with pytest.raises(TransitionError) as caught:
        transition(EnrolmentState.ACCEPTED, EnrolmentState.REJECTED)
    assert caught.value.context["allowed"] == ["enrolled", "withdrawn"]


#: Sequences of OOAPI states an SIS goes through (OOAPI v5 associationState, the mbo
#: profile's finished), and the canonical state each ends in: every step must be a change
#: the machine accepts.
SIS_LIFECYCLES = [
    (("pending", "denied"), "rejected"),
    (("pending", "associated", "canceled"), "ended"),
    (("pending", "associated", "finished"), "ended"),
    (("pending", "canceled"), "withdrawn"),
    (("queued", "pending", "denied"), "rejected"),
    (("queued", "associated", "finished"), "ended"),
    (("associated", "canceled"), "ended"),
]
#: (lifecycle so far, next state) that no SIS lifecycle has: refused.
IMPOSSIBLE = [
    (("pending", "denied"), "associated"),
    (("pending", "associated"), "pending"),
    (("pending", "associated"), "denied"),
    (("pending", "associated", "finished"), "associated"),
    (("pending", "canceled"), "pending"),
]


def _walk(states: tuple[str, ...]) -> EnrolmentState:
    current: EnrolmentState | None = None
    stored: str | None = None
    for value in states:
        current, stored = next_state(current, stored, value), value
    assert current is not None
    return current


@pytest.mark.parametrize(("lifecycle", "final"), SIS_LIFECYCLES,
                         ids=[">".join(steps) for steps, _ in SIS_LIFECYCLES])
def test_the_sis_lifecycle_is_accepted_by_the_machine(
    lifecycle: tuple[str, ...], final: str
) -> None:
    assert _walk(lifecycle) is EnrolmentState(final)


@pytest.mark.parametrize(("done", "asked"), IMPOSSIBLE, ids=lambda v: str(v))
def test_an_impossible_change_is_refused_with_both_vocabularies(
    done: tuple[str, ...], asked: str
) -> None:
    current = _walk(done)
    with pytest.raises(TransitionError) as caught:
        next_state(current, done[-1], asked)
    context = caught.value.context
    assert (context["from_state"], context["from_association_state"],
            context["to_association_state"]) == (current.value, done[-1], asked)
    assert f"{done[-1]} -> {asked} is not allowed" in caught.value.message


@pytest.mark.parametrize(("enrolment", "application"), [
    ("in_review", "in_review"), ("enrolled", "accepted"), ("interrupted", "accepted"),
    ("ended", "accepted"),  # the applicant was admitted; the enrolment carries on
    ("rejected", "rejected"), ("withdrawn", "withdrawn"),
])
def test_an_application_follows_the_state_of_its_enrolment(
    enrolment: str, application: str
) -> None:
    carried = application_state(EnrolmentState(enrolment))
    assert to_enrolment_state(carried, "application") is EnrolmentState(application)
