"""Where and how an application goes to an SIS: the source, the offering id, the person.

The forwarding (:mod:`.intake_forwarding`) asks :class:`ForwardingTargets` for the
association body of an application:

- the cohort must be one the tenant holds; the SIS is the configured source the cohort
  came from, else the tenant's only source;
- the offering is the SIS's own ``offeringId`` when the cohort came from that SIS, else
  the gateway's cohort id (its OOAPI ``offeringId``);
- the person goes expanded (the profile's "add student" flow) when the gateway holds the
  personal data the profile's Person needs, else by id. Its ``personId`` is its id in the
  mbo profile's id space: the SIS's own for a person that came from an SIS (pulled, or
  pushed through the profile), the one the intake gave a new applicant
  (:func:`~gateway.sync.intake_applications.applicant_source`). So the SIS's copy of the
  person (a pull, or its ``PUT /persons/{personId}``) lands on the same ``Person``. Only a
  person of another origin (an applicant stored before the intake gave them a
  ``personId``) goes by its canonical id.

What cannot be resolved is a :class:`~gateway.sync.intake_refusals.Refused` with a code
(``unknown-cohort``, ``no-sis``, ``unknown-person``) and ids only.
"""

from __future__ import annotations

from typing import Any

from gateway.bootstrap import Gateway
from gateway.domain import Application, Cohort
from gateway.errors import NotFoundError
from gateway.mappings.mbo_association import association_of, mbo_person
from gateway.mappings.ooapi_v5_mbo_in import SOURCE_SYSTEM as MBO_PROFILE_SYSTEM
from gateway.settings import SourceConfig
from gateway.store.persons import PersonStore
from gateway.sync.intake_refusals import Refused

__all__ = ["ForwardingTargets"]


class ForwardingTargets:
    """Resolves the SIS and the association body of one tenant's applications.

    Args:
        gateway: the composed gateway (store, settings).
        tenant: the tenant id.
    """

    def __init__(self, gateway: Gateway, tenant: str) -> None:
        self.gateway = gateway
        self.tenant = tenant
        self.persons = PersonStore(gateway.store)

    def source_of(self, application: Application) -> tuple[Cohort, SourceConfig]:
        """The application's cohort and the SIS it goes to.

        Raises:
            Refused: no such cohort (``unknown-cohort``), or no SIS for it (``no-sis``).
        """
        try:
            stored = self.gateway.store.get(self.tenant, application.cohort_id,
                                            include_deleted=True)
        except NotFoundError:
            stored = None
        if stored is None or stored.kind != Cohort.kind:
            raise Refused("unknown-cohort", f"no cohort {application.cohort_id}")
        cohort = Cohort.model_validate(stored.state)
        sources = [s for s in self.gateway.settings.sources if s.tenant == self.tenant]
        chosen = next((s for s in sources if s.name == cohort.source.system), None)
        if chosen is None and len(sources) == 1:
            chosen = sources[0]
        if chosen is None:
            raise Refused("no-sis", f"tenant {self.tenant} has no SIS source for cohort "
                          f"{cohort.id} (configure one named {cohort.source.system!r})")
        return cohort, chosen

    def association(
        self, application: Application, cohort: Cohort, source: SourceConfig
    ) -> dict[str, Any]:
        """The body of ``PUT /associations/{application.id}`` for ``source``.

        Raises:
            Refused: the application's person is unknown (``unknown-person``).
        """
        offering = cohort.source.id if cohort.source.system == source.name else str(cohort.id)
        return association_of(application, offering_id=offering,
                              person=self._person(application, source))

    def _person(self, application: Application, source: SourceConfig) -> str | dict[str, Any]:
        try:
            person = self.persons.get(self.tenant, application.person_id)
        except NotFoundError:
            raise Refused("unknown-person", f"no person {application.person_id}") from None
        from_sis = person.source.system in (source.name, MBO_PROFILE_SYSTEM)
        ident = person.source.id if from_sis else str(person.id)
        try:
            data = self.persons.get_personal_data(self.tenant, person.id)
        except NotFoundError:
            return ident
        return mbo_person(ident, data, eck_id=person.eck_id) or ident
