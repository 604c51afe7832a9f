"""OOAPI association states <-> the canonical enrolment state machine, both ways.

OOAPI v5 gives an association a ``state`` (what the serving institution says) and a
write-only ``remoteState`` (what the requesting institution says), both from one list:
``pending``, ``canceled``, ``denied``, ``associated``, ``queued``; the mbo profile
(NED-OOAPI) adds ``finished``. The canonical machine
(:mod:`gateway.domain.enrolment`) is finer for applications and has no waiting list, so
the two directions are not inverse:

==============  ========================  ========================
OOAPI state     an application becomes    an enrolment becomes
==============  ========================  ========================
pending         in_review                 in_review
queued          in_review (waiting list)  in_review
associated      accepted                  enrolled
denied          rejected                  rejected
canceled        withdrawn                 ended (withdrawn before
                                          it was enrolled)
finished        accepted                  ended
==============  ========================  ========================

``associated`` of a programme offering association is the enrolment itself in mbo (the
"opleidingsblad"): for an application it means the school admitted the applicant, and
the enrolment (an :class:`~gateway.domain.enrolment.Enrolment`) carries on from there.

``pending`` is undecided for both: the SIS may still deny it. (It once read as
``accepted`` for an enrolment, and the machine then refused the SIS's ``pending`` ->
``denied``, as an accepted place cannot be rejected.) So an SIS's whole lifecycle maps
onto allowed transitions: ``pending``/``queued`` -> ``denied`` (rejected), ->
``associated`` (in review -> accepted -> enrolled), -> ``canceled`` (withdrawn);
``associated`` -> ``canceled``/``finished`` (ended). What OOAPI cannot undo the machine
refuses too: ``denied``, ``canceled`` or ``finished`` -> anything, and ``associated`` ->
``pending``/``queued``/``denied`` (:mod:`.ooapi_v5_mbo_states` names these refusals).

==============================  =============
canonical state                 OOAPI state
==============================  =============
received, in_review, accepted   pending
rejected                        denied
withdrawn                       canceled
enrolled, interrupted           associated
ended                           finished
==============================  =============

OOAPI has no interruption: an interrupted enrolment is still ``associated``. ``finished``
exists in the mbo profile only; for a plain OOAPI v5 peer :func:`to_association_state`
with ``mbo_profile=False`` answers ``canceled`` for an ended enrolment.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from gateway.domain.enrolment import EnrolmentState

__all__ = [
    "AssociationState",
    "EntityKind",
    "RemoteAssociationState",
    "to_association_state",
    "to_enrolment_state",
    "to_remote_state",
]

#: The canonical kinds an association state can be read for.
EntityKind = Literal["application", "enrolment"]


class AssociationState(StrEnum):
    """``associationState`` of OOAPI v5 plus ``finished`` of the mbo profile."""

    PENDING = "pending"
    CANCELED = "canceled"
    DENIED = "denied"
    ASSOCIATED = "associated"
    QUEUED = "queued"
    FINISHED = "finished"


class RemoteAssociationState(StrEnum):
    """``remoteAssociationState``: the same values, said by the requesting institution."""

    PENDING = "pending"
    CANCELED = "canceled"
    DENIED = "denied"
    ASSOCIATED = "associated"
    QUEUED = "queued"
    FINISHED = "finished"


_A = AssociationState
_S = EnrolmentState

_FOR_APPLICATION: dict[AssociationState, EnrolmentState] = {
    _A.PENDING: _S.IN_REVIEW,
    _A.QUEUED: _S.IN_REVIEW,
    _A.ASSOCIATED: _S.ACCEPTED,
    _A.DENIED: _S.REJECTED,
    _A.CANCELED: _S.WITHDRAWN,
    _A.FINISHED: _S.ACCEPTED,
}

_FOR_ENROLMENT: dict[AssociationState, EnrolmentState] = {
    _A.PENDING: _S.IN_REVIEW,
    _A.QUEUED: _S.IN_REVIEW,
    _A.ASSOCIATED: _S.ENROLLED,
    _A.DENIED: _S.REJECTED,
    _A.CANCELED: _S.ENDED,
    _A.FINISHED: _S.ENDED,
}

_TO_OOAPI: dict[EnrolmentState, AssociationState] = {
    _S.RECEIVED: _A.PENDING,
    _S.IN_REVIEW: _A.PENDING,
    _S.ACCEPTED: _A.PENDING,
    _S.REJECTED: _A.DENIED,
    _S.WITHDRAWN: _A.CANCELED,
    _S.ENROLLED: _A.ASSOCIATED,
    _S.INTERRUPTED: _A.ASSOCIATED,
    _S.ENDED: _A.FINISHED,
}


def to_enrolment_state(
    state: AssociationState | RemoteAssociationState | str, kind: EntityKind = "enrolment"
) -> EnrolmentState:
    """The canonical state an OOAPI association state stands for (table in the docstring).

    Whether the machine may move there from the stored state is
    :func:`gateway.domain.enrolment.transition`'s question, not this one's.

    Args:
        state: an association ``state`` or ``remoteState`` (the enum or its value).
        kind: whether the association is read as an application or as an enrolment.

    Raises:
        ValueError: ``state`` is not a value of the enum.
    """
    value = AssociationState(str(state))
    table = _FOR_APPLICATION if kind == "application" else _FOR_ENROLMENT
    return table[value]


def to_association_state(
    state: EnrolmentState, *, mbo_profile: bool = True
) -> AssociationState:
    """The OOAPI association ``state`` of a canonical state (table in the docstring).

    Args:
        state: the canonical state.
        mbo_profile: False for a plain OOAPI v5 peer, which has no ``finished``.
    """
    value = _TO_OOAPI[state]
    if value is _A.FINISHED and not mbo_profile:
        return _A.CANCELED
    return value


def to_remote_state(state: EnrolmentState, *, mbo_profile: bool = True) -> RemoteAssociationState:
    """The ``remoteState`` the gateway sends for a canonical state it holds."""
    return RemoteAssociationState(to_association_state(state, mbo_profile=mbo_profile).value)
