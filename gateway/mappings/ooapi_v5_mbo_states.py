"""An association's state as an SIS pushes it -> the next canonical state, through the machine.

The value table is :mod:`gateway.mappings.association_states` (``associated`` = enrolled,
``pending`` and ``queued`` = in review, ``denied`` = rejected, ``finished`` = ended). On
top of it, for a push (and for a pull, which passes no stored OOAPI value):

- the state asked for is ``remoteState`` when the request gives one ("the state of this
  association for the institution performing the request"), else ``state``;
- the same OOAPI value as the stored one changes nothing, whatever canonical state it
  stands for (so a repeated PUT never trips the machine);
- ``canceled`` of an association that is not (yet) enrolled is a withdrawal; of an
  enrolled one, its end;
- OOAPI has fewer states than the machine, so one OOAPI step may be several steps of the
  machine (``queued`` -> ``associated`` is in review -> accepted -> enrolled); each step
  goes through :func:`gateway.domain.enrolment.transition`. So ``pending`` -> ``denied``
  (in review -> rejected) and ``pending`` -> ``canceled`` (withdrawn) are ordinary. When
  no path exists (``denied`` -> ``associated``, ``associated`` -> ``pending`` or
  ``denied``, anything after ``finished``), the change is refused with a
  :class:`~gateway.errors.TransitionError` whose context names ``from_state``,
  ``to_state`` and ``allowed`` (canonical values) and the OOAPI values
  (``from_association_state``, ``to_association_state``, ``allowed_association_states``).
"""

from __future__ import annotations

from collections import deque

from gateway.domain.enrolment import EnrolmentState, allowed_transitions, transition
from gateway.errors import TransitionError
from gateway.mappings.association_states import (
    AssociationState,
    to_association_state,
    to_enrolment_state,
)

__all__ = ["next_state", "requested_state"]

_S = EnrolmentState
_ENROLLED = frozenset({_S.ENROLLED, _S.INTERRUPTED})


def requested_state(request: dict[str, object], merged: dict[str, object]) -> str:
    """The OOAPI state a push asks for: the request's ``remoteState``, else the (merged)
    document's ``state``."""
    return str(request.get("remoteState") or merged.get("state") or "")


def _target(current: EnrolmentState | None, value: AssociationState) -> EnrolmentState:
    if value is AssociationState.CANCELED and current not in _ENROLLED:
        return _S.WITHDRAWN
    return to_enrolment_state(value)


def _path(start: EnrolmentState, goal: EnrolmentState) -> list[EnrolmentState] | None:
    """The shortest run of allowed transitions from ``start`` to ``goal`` (BFS)."""
    previous: dict[EnrolmentState, EnrolmentState | None] = {start: None}
    queue = deque([start])
    while queue:
        state = queue.popleft()
        if state is goal:
            steps: list[EnrolmentState] = []
            node: EnrolmentState | None = state
            while node is not None and node is not start:
                steps.append(node)
                node = previous[node]
            return steps[::-1]
        for following in sorted(allowed_transitions(state)):
            if following not in previous:
                previous[following] = state
                queue.append(following)
    return None


def next_state(
    current: EnrolmentState | None, stored_value: str | None, requested: str
) -> EnrolmentState:
    """The canonical state after a push (see the module docstring).

    Args:
        current: the stored canonical state; None for a new association.
        stored_value: the OOAPI state stored with it (None: derive it from ``current``).
        requested: the OOAPI state the push asks for.

    Returns:
        The new canonical state (``current`` when nothing changes).

    Raises:
        TransitionError: the machine has no way from ``current`` to what was asked.
        ValueError: ``requested`` is not an association state (the profile forbids it).
    """
    value = AssociationState(requested)
    if current is None:
        return _target(None, value)
    if value.value == (stored_value or to_association_state(current).value):
        return current
    target = _target(current, value)
    steps = _path(current, target)
    if steps is None:
        raise _refused(current, stored_value, value, target)
    state = current
    for step in steps:
        state = transition(state, step)
    return state


def _refused(current: EnrolmentState, stored_value: str | None, value: AssociationState,
             target: EnrolmentState) -> TransitionError:
    allowed = sorted(s.value for s in allowed_transitions(current))
    reachable = []
    for candidate in AssociationState:
        goal = _target(current, candidate)
        if goal is current or _path(current, goal) is not None:
            reachable.append(candidate.value)
    shown = stored_value or to_association_state(current).value
    return TransitionError(
        f"association state {shown} -> {value.value} is not allowed: the enrolment is "
        f"{current.value}, and the enrolment state machine allows from there: "
        f"{', '.join(allowed) or 'nothing (final state)'} (association states: "
        f"{', '.join(reachable)})",
        path="/state", from_state=current.value, to_state=target.value, allowed=allowed,
        from_association_state=shown, to_association_state=value.value,
        allowed_association_states=reachable)
