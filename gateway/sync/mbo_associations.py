"""``PUT``/``PATCH``/``GET /associations/{associationId}`` of the mbo profile.

An association is a person's place in an offering. A student's programme offering
association is the enrolment (the "opleidingsblad", a canonical
:class:`~gateway.domain.Enrolment`); every other one (course and component associations,
e.g. an exam registration, and programme associations in another role) a
:class:`~gateway.domain.Participation`. Both are on the enrolment topic, and both move
through the enrolment state machine (:mod:`gateway.mappings.ooapi_v5_mbo_states`): a
state change the machine does not allow is refused (``TransitionError``) and nothing is
written. An association's kind cannot change (``ConflictError``).

References must resolve, or the push is refused (404, naming ``/person`` or
``/offering``): the person was PUT before; a component offering was PUT before (or comes
in full in the association, and is then stored with it); a programme offering is a cohort
of the gateway's catalogue, by its canonical id (the ``offeringId`` the gateway's own
``/ooapi/v5`` gives) or by the source's id of the cohort. The gateway holds no course
offerings, so course associations cannot resolve yet. An association whose id is an
application's canonical id is linked to that application (``application_id``).
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, select

from gateway.domain import Cohort, EnrolmentState
from gateway.domain.enrolment import ParticipationKind
from gateway.errors import ConflictError, NotFoundError
from gateway.mappings.ooapi_v5_mbo_in import OfferingRef, association_from, canonical_id
from gateway.mappings.ooapi_v5_mbo_out import normalised_association, ref_of
from gateway.mappings.ooapi_v5_mbo_relations import STAFF_ROLES
from gateway.mappings.ooapi_v5_mbo_states import next_state, requested_state
from gateway.store.mbo_documents import Resource, StoredDocument
from gateway.store.tables import entities
from gateway.sync.mbo_offerings import restaff_offering_in, store_offering_in
from gateway.sync.mbo_receiver import MboReceiver, Written, merge_patch

__all__ = ["ASSOCIATION_PATH", "catalogue_cohort", "patch_association", "put_association"]

ASSOCIATION_PATH = "/associations/{associationId}"
_KINDS = {"programOfferingAssociation": ParticipationKind.PROGRAMME,
          "courseOfferingAssociation": ParticipationKind.COURSE,
          "componentOfferingAssociation": ParticipationKind.COMPONENT}


def _entity_kind(document: dict[str, Any]) -> str:
    kind = _KINDS[str(document.get("associationType"))]
    student = document.get("role", "student") == "student"
    return "enrolment" if kind is ParticipationKind.PROGRAMME and student else "participation"


def catalogue_cohort(conn: Connection, tenant: str, offering_ref: str) -> Cohort | None:
    """The tenant's live cohort with this canonical id, else with this source id."""
    base = select(entities.c.state).where(entities.c.tenant == tenant,
                                          entities.c.kind == Cohort.kind,
                                          entities.c.deleted.is_(False))
    state = conn.execute(base.where(entities.c.id == offering_ref)).scalar_one_or_none()
    if state is None:
        state = conn.execute(base.where(entities.c.source_id == offering_ref)
                             .order_by(entities.c.id).limit(1)).scalar_one_or_none()
    return None if state is None else Cohort.model_validate(state)


def _day(value: Any) -> date | None:
    return date.fromisoformat(str(value)[:10]) if value else None


def _offering(receiver: MboReceiver, conn: Connection, tenant: str,
              kind: ParticipationKind, offering_ref: str) -> OfferingRef:
    if kind is ParticipationKind.COMPONENT:
        stored = receiver.documents.get_in(conn, tenant, Resource.OFFERING, offering_ref)
        if stored is not None:
            return OfferingRef(kind, stored.entity_id,
                               start=_day(stored.document.get("startDateTime")),
                               end=_day(stored.document.get("endDateTime")))
    elif kind is ParticipationKind.PROGRAMME:
        cohort = catalogue_cohort(conn, tenant, offering_ref)
        if cohort is not None:
            start = cohort.start_date or (cohort.flexible_intake.start
                                          if cohort.flexible_intake else None)
            return OfferingRef(kind, cohort.offering_id, cohort_id=cohort.id, start=start,
                               end=cohort.end_date)
    raise NotFoundError(
        f"offering {offering_ref} is not known to the gateway: component offerings are "
        "PUT to /offerings/{offeringId} first, programme offerings are cohorts of the "
        "catalogue", path="/offering")


def _apply(receiver: MboReceiver, conn: Connection, tenant: str, association_ref: str,
           document: dict[str, Any], requested: str, stored: StoredDocument | None) -> Written:
    """Check and store a validated association on the caller's transaction."""
    offering = document.get("offering")
    if isinstance(offering, dict):  # a component offering in full: stored with it
        store_offering_in(receiver, conn, tenant,
                          {**offering, "offeringId": ref_of(offering, "offeringId")})
    normal = normalised_association(document, association_ref, requested)
    kind = _entity_kind(normal)
    if stored is not None and _entity_kind(stored.document) != kind:
        raise ConflictError("an association cannot change its type or become a student's "
                            "programme enrolment (or stop being one); use a new associationId")
    person_id = canonical_id(tenant, "person", normal["person"])
    person = receiver.store.get_in(conn, tenant, person_id)
    if person is None or person.deleted or person.kind != "person":
        raise NotFoundError(f"no person {normal['person']}: PUT /persons/{{personId}} first",
                            path="/person")
    resolved = _offering(receiver, conn, tenant, _KINDS[normal["associationType"]],
                         str(normal["offering"]))
    ident = canonical_id(tenant, kind, association_ref)
    current = receiver.store.get_in(conn, tenant, ident, lock=True)
    current_state = EnrolmentState(current.state["state"]) \
        if current is not None and not current.deleted else None
    state = next_state(current_state, stored.document.get("state") if stored else None,
                       requested)
    application = receiver.store.get_in(conn, tenant, UUID(association_ref))
    entity = association_from(
        tenant, normal, resolved, state,
        application_id=UUID(association_ref)
        if application is not None and application.kind == "application" else None)
    # the association's row, read and locked above, is not read again
    result = receiver.store.upsert_in(conn, [entity], known={ident: current})
    written = receiver.documents.put_in(
        conn, tenant, Resource.ASSOCIATION, association_ref, entity.id, normal,
        person_id=person_id, parent_ref=str(normal["offering"]), now=receiver.store.clock())
    if normal.get("role") in STAFF_ROLES or (stored is not None
                                             and stored.document.get("role") in STAFF_ROLES):
        # a lecturer or invigilator came, changed or went: the session's staff follow
        restaff_offering_in(receiver, conn, tenant, str(normal["offering"]))
    return Written.of(result, written)


def put_association(
    receiver: MboReceiver, tenant: str, association_ref: UUID, body: Any
) -> Written:
    """Store an association as the SIS sends it.

    Raises:
        OoapiValidationError: the body does not conform to the profile.
        ValidationError: its ``associationId`` is not the one of the path.
        NotFoundError: its person or offering is unknown.
        TransitionError: the state machine does not allow its state (nothing written).
        ConflictError: it would change the association's kind.
        DomainRuleError: e.g. an enrolment without a start date.
    """
    document = receiver.checked(ASSOCIATION_PATH, "put", body, id_key="associationId",
                                id_value=association_ref)
    ref = str(association_ref)
    requested = requested_state(document, document)

    def work(conn: Connection) -> Written:
        stored = receiver.documents.lock_in(conn, tenant, Resource.ASSOCIATION, ref)
        return _apply(receiver, conn, tenant, ref, document, requested, stored)

    return receiver.in_transaction(work)


def patch_association(
    receiver: MboReceiver, tenant: str, association_ref: UUID, body: Any
) -> tuple[Written, str]:
    """Merge a patch into the stored association and store the result as a PUT would.

    Returns:
        What was written and the association's state afterwards.

    Raises:
        NotFoundError: no such association.
        OoapiValidationError, TransitionError, ...: as :func:`put_association`.
    """
    patch = receiver.checked(ASSOCIATION_PATH, "patch", body, id_key="associationId",
                             id_value=association_ref)
    ref = str(association_ref)

    def work(conn: Connection) -> tuple[Written, str]:
        stored = receiver.documents.lock_in(conn, tenant, Resource.ASSOCIATION, ref)
        if stored is None:
            raise NotFoundError(f"no association {ref}")
        merged = receiver.checked(ASSOCIATION_PATH, "put", merge_patch(stored.document, patch))
        requested = requested_state(patch, merged)
        written = _apply(receiver, conn, tenant, ref, merged, requested, stored)
        return written, requested

    return receiver.in_transaction(work)
