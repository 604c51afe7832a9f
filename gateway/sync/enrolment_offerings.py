"""Which canonical offering an SIS's association is with: its offering id -> an OfferingRef.

An association names its offering by the SIS's ``offeringId``. The catalogue of the same
source (:mod:`gateway.sync.ooapi_catalogue`) stored that offering under ids derived from
the source's name: a programme offering per cohort is a :class:`Cohort` (source id the
``offeringId``) of a :class:`ProgrammeOffering`; a course offering belongs to a
:class:`Course` (source id the ``courseId``). An offering pushed through the mbo profile
is found under the profile's source system. The mapping
(:func:`gateway.mappings.ooapi_v5_mbo_in.association_from`) takes the result.

An offering the gateway does not hold resolves to None: its associations wait until the
catalogue has been synced (they are read again on every pull, so nothing is lost).
Each offering is looked up once per run.
"""

from __future__ import annotations

from uuid import UUID

from gateway.adapters.ooapi.enrolment_source import OfferingSummary
from gateway.domain import Cohort, Course, TimetableActivity, entity_id
from gateway.domain.enrolment import ParticipationKind
from gateway.errors import NotFoundError
from gateway.mappings.ooapi_v5_mbo_in import SOURCE_SYSTEM, OfferingRef
from gateway.store.entities import EntityStore, StoredEntity

__all__ = ["OfferingResolver"]


class OfferingResolver:
    """Resolves the offerings of one source's associations (see the module docstring).

    Args:
        store: the entity store.
        tenant: the tenant.
        source_name: the configured source (the catalogue's source system).
    """

    def __init__(self, store: EntityStore, tenant: str, source_name: str) -> None:
        self.store = store
        self.tenant = tenant
        self.systems = (source_name, SOURCE_SYSTEM)
        self._known: dict[str, OfferingRef | None] = {}

    def resolve(self, offering: OfferingSummary | None) -> OfferingRef | None:
        """The canonical offering of ``offering``, or None when the gateway has none."""
        if offering is None:
            return None
        if offering.offering_id not in self._known:
            self._known[offering.offering_id] = self._lookup(offering)
        return self._known[offering.offering_id]

    def _stored(self, kind: str, source_id: str | None) -> tuple[UUID, StoredEntity] | None:
        if not source_id:
            return None
        for system in self.systems:
            ident = entity_id(self.tenant, system, kind, source_id)
            try:
                return ident, self.store.get(self.tenant, ident)
            except NotFoundError:
                continue
        return None

    def _lookup(self, offering: OfferingSummary) -> OfferingRef | None:
        if offering.offering_type == "program":
            found = self._stored(Cohort.kind, offering.offering_id)
            if found is None:
                return None
            cohort_id, cohort = found
            return OfferingRef(ParticipationKind.PROGRAMME, UUID(cohort.state["offering_id"]),
                               cohort_id, offering.start, offering.end)
        if offering.offering_type == "course":
            found = self._stored(Course.kind, offering.parent_id)
            if found is None:
                return None
            return OfferingRef(ParticipationKind.COURSE, found[0], None, offering.start,
                               offering.end)
        if offering.offering_type == "component":
            found = self._stored(TimetableActivity.kind, offering.offering_id)
            if found is None:
                return None
            return OfferingRef(ParticipationKind.COMPONENT, found[0], None, offering.start,
                               offering.end)
        return None

    def scope_of(self, ref: OfferingRef) -> UUID:
        """The id that says an entity belongs to this offering: a cohort's, else the
        offering's (what :meth:`OoapiEnrolmentSync` compares to find deletions)."""
        return ref.cohort_id or ref.offering_id
