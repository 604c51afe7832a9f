"""The GETs of associations in the mbo profile: one, a person's, an offering's.

- ``GET /associations/{id}`` gives ``person`` and ``offering`` as ids; ``expand`` gives
  them in full (the offering: the stored component offering, or the catalogue's
  ``ProgramOffering`` of a cohort; the person: the stored person, personal data).
- ``GET /persons/{personId}/associations``: the profile requires each item's
  ``offering`` in full, so each comes with it; ``person`` (optional) is left out, the
  caller has just named it.
- ``GET /offerings/{offeringId}/associations``: component associations give ``person``
  and ``offering`` as ids; the profile allows them only in full on programme and course
  associations, and a list of an offering is no place for every person's personal data,
  so there they are left out (``GET /associations/{id}?expand=person`` has them).

Filters are the profile's: ``associationType``, ``role``, ``state``, ``result-state``;
order by ``associationId``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from gateway.domain import ProgrammeOffering
from gateway.errors import NotFoundError
from gateway.mappings.ooapi_v5_institution import Institution
from gateway.mappings.ooapi_v5_mbo_in import canonical_id
from gateway.mappings.ooapi_v5_mbo_out import association_document
from gateway.mappings.ooapi_v5_out import program_offering
from gateway.store.catalogue_filters import PageSlice
from gateway.store.mbo_documents import Resource, StoredDocument
from gateway.sync.mbo_associations import catalogue_cohort
from gateway.sync.mbo_offerings import offering_document
from gateway.sync.mbo_persons import get_person, person_exists
from gateway.sync.mbo_receiver import MboReceiver

__all__ = ["AssociationFilter", "get_association", "list_for_offering", "list_for_person"]


@dataclass(frozen=True)
class AssociationFilter:
    """The profile's filters of association lists; None does not filter."""

    association_type: str | None = None
    role: str | None = None
    state: str | None = None
    result_state: str | None = None
    descending: bool = False

    def matches(self, doc: dict[str, Any]) -> bool:
        kind = str(doc.get("associationType", ""))
        found = doc.get("result")
        result: dict[str, Any] = found if isinstance(found, dict) else {}
        return ((self.association_type is None or kind.startswith(self.association_type))
                and (self.role is None or doc.get("role") == self.role)
                and (self.state is None or doc.get("state") == self.state)
                and (self.result_state is None or result.get("state") == self.result_state))


def full_offering(receiver: MboReceiver, tenant: str, doc: dict[str, Any],
                  institution: Institution) -> dict[str, Any] | None:
    """The association's offering in full, None when the gateway cannot give it."""
    ref = str(doc.get("offering"))
    if doc.get("associationType") == "componentOfferingAssociation":
        return offering_document(receiver, tenant, ref)
    if doc.get("associationType") == "programOfferingAssociation":
        with receiver.engine.connect() as conn:
            cohort = catalogue_cohort(conn, tenant, ref)
        if cohort is None:
            return None
        programme = receiver.store.get(tenant, cohort.offering_id).entity()
        if isinstance(programme, ProgrammeOffering):
            return program_offering(cohort, programme, institution)
    return None


def get_association(
    receiver: MboReceiver, tenant: str, association_ref: UUID, expand: frozenset[str],
    institution: Institution,
) -> dict[str, Any]:
    """One association (see the module docstring).

    Raises:
        NotFoundError: no such association.
    """
    stored = receiver.documents.get(tenant, Resource.ASSOCIATION, str(association_ref))
    if stored is None:
        raise NotFoundError(f"no association {association_ref}")
    doc = stored.document
    offering = full_offering(receiver, tenant, doc, institution) \
        if "offering" in expand else None
    person = None
    if "person" in expand and person_exists(receiver, tenant, UUID(str(doc["person"]))):
        person = get_person(receiver, tenant, UUID(str(doc["person"])))
    return association_document(doc, offering=offering, person=person)


def _page(items: list[StoredDocument], where: AssociationFilter,
          page: PageSlice) -> tuple[list[dict[str, Any]], int]:
    docs = sorted((s.document for s in items if where.matches(s.document)),
                  key=lambda d: str(d["associationId"]), reverse=where.descending)
    return docs[page.offset:page.offset + page.size], len(docs)


def list_for_person(
    receiver: MboReceiver, tenant: str, person_ref: UUID, where: AssociationFilter,
    page: PageSlice, institution: Institution,
) -> tuple[list[dict[str, Any]], int]:
    """One page of a person's associations, each with its offering in full.

    Raises:
        NotFoundError: no such person.
    """
    if not person_exists(receiver, tenant, person_ref):
        raise NotFoundError(f"no person {person_ref}")
    stored = receiver.documents.list(tenant, Resource.ASSOCIATION,
                                     person_id=canonical_id(tenant, "person", person_ref))
    docs, total = _page(stored, where, page)
    return [association_document(d, offering=full_offering(receiver, tenant, d, institution),
                                 references=False) for d in docs], total


def list_for_offering(
    receiver: MboReceiver, tenant: str, offering_ref: UUID, where: AssociationFilter,
    page: PageSlice,
) -> tuple[list[dict[str, Any]], int]:
    """One page of an offering's associations.

    Raises:
        NotFoundError: the gateway knows no such offering and no association names it.
    """
    ref = str(offering_ref)
    stored = receiver.documents.list(tenant, Resource.ASSOCIATION, parent_ref=ref)
    if not stored and offering_document(receiver, tenant, ref) is None:
        with receiver.engine.connect() as conn:
            if catalogue_cohort(conn, tenant, ref) is None:
                raise NotFoundError(f"no offering {ref}")
    docs, total = _page(stored, where, page)
    return [association_document(
        d, references=d.get("associationType") == "componentOfferingAssociation")
        for d in docs], total
