"""Use case: pull persons and their enrolments from an SIS's OOAPI v5 endpoint into the store.

A run reads every person (``/persons``), then the associations, either per offering
(``/offerings`` and ``/offerings/{offeringId}/associations``: a request per offering, the
default) or per person (``/persons/{personId}/associations``: a request per person, for an
SIS that serves no offering associations). Each item is validated against the official
schema (:mod:`gateway.adapters.ooapi.enrolment_source`) and mapped with the mbo profile's
mapping (:mod:`gateway.mappings.ooapi_v5_mbo_in`), so a person or association has the same
canonical id whether the SIS pushes it or the gateway pulls it:

- a person -> :class:`Person` (ids only) plus its personal data and source document,
  written together by :class:`~gateway.store.persons.PersonStore`;
- a student's programme offering association -> :class:`Enrolment` (the "opleidingsblad"),
  linked to the application the gateway forwarded when the ids match (and the SIS's
  decision is passed on to that application: ``applications``); course and component
  associations -> :class:`Participation`. The state goes through the state machine
  (:mod:`gateway.mappings.ooapi_v5_mbo_states`) from the stored one: a transition it
  refuses is quarantined with the reason and the stored state stays.

Work is streamed: a page of persons or associations is validated, mapped and written (in
batches of ``batch_size``) before the next is asked for; the run keeps only the ids it has
seen. Unchanged items write nothing and emit nothing (content hashes in the store).

- **Full**: every offering; an enrolment or participation of an offering read in full
  that the SIS no longer lists is deleted (a tombstone event), unless its item was
  quarantined. Persons are never deleted by a pull: they are erased through the right to
  erasure (:mod:`gateway.sync.erasure`); the report counts the ones the SIS stopped listing.
- **Incremental**: OOAPI has no change feed, so the same reads, without the offerings that
  ended before the last successful run, and no deletions.

Bad items go to the quarantine with their raw payload (personal data stays there: logs
and reports carry counts and ids only).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from sqlalchemy import select

from gateway.adapters.ooapi.client import OoapiClient
from gateway.adapters.ooapi.codec import OoapiSchemas
from gateway.adapters.ooapi.enrolment_source import OfferingSummary, OoapiEnrolmentSource
from gateway.adapters.standards import Standards
from gateway.bootstrap import Gateway
from gateway.domain import Enrolment, Participation, Person
from gateway.errors import ConfigurationError
from gateway.mappings.ooapi_v5_mbo_in import SOURCE_SYSTEM, canonical_id
from gateway.settings import SourceConfig
from gateway.store.entities import EntityStore
from gateway.store.persons import PersonStore
from gateway.store.quarantine import Quarantine
from gateway.store.sync_state import SyncStateStore
from gateway.store.tables import entities
from gateway.sync.enrolment_offerings import OfferingResolver
from gateway.sync.enrolment_pages import QUARANTINE_KINDS, ApplicationHook, PageWriter, PullRun
from gateway.sync.enrolment_report import EnrolmentSyncReport, state_key
from gateway.sync.intake_applications import IntakeApplications
from gateway.sync.pull_memo import PullMemo
from gateway.sync.pull_quarantine import PullQuarantine
from gateway.sync.pull_run import OoapiPull, gateway_parts, run_locked, utc_now

__all__ = ["EnrolmentSyncReport", "OoapiEnrolmentSync", "run_enrolment_sync", "state_key"]

log = logging.getLogger(__name__)

_ASSOCIATION_KINDS = (Enrolment.kind, Participation.kind)


class OoapiEnrolmentSync(OoapiPull):
    """Pulls the persons and enrolments of configured OOAPI v5 sources.

    Example::

        report = OoapiEnrolmentSync.for_gateway(gateway).run(source, full=True)
        print(report.line())

    Args:
        store: the entity store (events go to the outbox with each write).
        persons: writes a person and its personal data in one transaction.
        quarantine: where bad items go, with their raw payload.
        states: the last successful run per (tenant, source).
        schemas: the official OOAPI v5 schemas.
        client_factory: builds the client of a source; tests may pass another transport.
        clock: the wall clock (UTC).
        batch_size: associations per store transaction.
        associations_by: read associations per ``offering`` or per ``person``.
        applications: ``(tenant, application id, association state)``: the SIS decided on
            an application the gateway forwarded (the association's id is its id);
            :meth:`for_gateway` passes the intake's
            :meth:`~gateway.sync.intake_applications.IntakeApplications.apply_association_state`.
    """

    def __init__(
        self, store: EntityStore, persons: PersonStore, quarantine: Quarantine,
        states: SyncStateStore, schemas: OoapiSchemas, *,
        client_factory: Callable[[SourceConfig], OoapiClient] = OoapiClient.for_source,
        clock: Callable[[], datetime] = utc_now, batch_size: int = 500,
        associations_by: Literal["offering", "person"] = "offering",
        applications: ApplicationHook | None = None,
    ) -> None:
        if associations_by not in ("offering", "person"):
            raise ConfigurationError("associations_by is 'offering' or 'person'")
        super().__init__(store, quarantine, states, schemas, client_factory=client_factory,
                         clock=clock, batch_size=batch_size)
        self.persons = persons
        self.associations_by = associations_by
        self.applications = applications

    @classmethod
    def _gateway_args(cls, gateway: Gateway, standards: Standards,
                      options: dict[str, Any]) -> tuple[Any, ...]:
        options.setdefault("applications",
                           IntakeApplications(gateway).apply_association_state)
        return (gateway.store, PersonStore(gateway.store), *gateway_parts(gateway, standards))

    def run(self, source: SourceConfig, *, full: bool) -> EnrolmentSyncReport:
        """Pull ``source`` once; an incremental run without a previous one runs full.

        Raises:
            UpstreamError: the endpoint failed after retries; nothing was deleted and the
                last successful run stays the starting point of the next.
        """
        key = state_key(source.name)
        window = self._window(source, key, full=full)
        report = EnrolmentSyncReport(source.tenant, source.name, window.mode,
                                     window.since_text, self.associations_by)
        run = PullRun(source, report,
                      PullQuarantine(self.quarantine, source.tenant, source.name,
                                     QUARANTINE_KINDS),
                      OfferingResolver(self.store, source.tenant, source.name),
                      PullMemo(self.store.engine, source.tenant, key))
        writer = PageWriter(self.store, self.persons, self.applications, self.batch_size)
        with self._reading(source, lambda client: OoapiEnrolmentSource(client, self.schemas),
                           report, run.quarantine) as reader:
            for page in reader.persons():
                writer.write_persons(run, page)
            if self.associations_by == "person":
                for person_id in sorted(run.persons):
                    for page in reader.person_associations(person_id):
                        writer.write_associations(run, reader, page)
                    run.scopes.add(canonical_id(source.tenant, "person", person_id))
            else:
                for offering in reader.offerings(ending_from=window.since):
                    self._offering(run, writer, reader, offering)
            writer.flush(run)
        if window.full:
            self._delete_missing(run)
            if report.offerings_unknown:  # their associations were not read
                run.quarantine.not_all_seen("Association")
            self._resolve_quarantine(run.quarantine, report)
        self._recorded(source, key, window, report)
        return report

    # -- associations ---------------------------------------------------------------------
    def _offering(self, run: PullRun, writer: PageWriter, reader: OoapiEnrolmentSource,
                  offering: OfferingSummary) -> None:
        ref = run.offerings.resolve(offering)
        if ref is None:  # counted without reading: nothing of it can be mapped yet
            log.warning("sync %s/%s: offering %s is not in the gateway's catalogue; its "
                        "associations wait for a catalogue sync", run.source.tenant,
                        run.source.name, offering.offering_id)
            run.report.offerings_unknown += 1
            return
        for page in reader.offering_associations(offering):
            writer.write_associations(run, reader, page)
        run.scopes.add(run.offerings.scope_of(ref))

    # -- a full run -----------------------------------------------------------------------
    def _delete_missing(self, run: PullRun) -> None:
        tenant = run.source.tenant
        query = select(entities.c.id, entities.c.kind, entities.c.source_id,
                       entities.c.state).where(
            entities.c.tenant == tenant, entities.c.source_system == SOURCE_SYSTEM,
            entities.c.kind.in_((*_ASSOCIATION_KINDS, Person.kind)),
            entities.c.deleted.is_(False))
        gone: list[UUID] = []
        with self.store.engine.connect() as conn:
            for row in conn.execution_options(yield_per=1000).execute(query):
                if row.kind == Person.kind:
                    run.report.persons_not_listed += row.source_id not in run.persons
                    continue
                if row.source_id in run.associations or row.source_id in run.spared:
                    continue
                if self._in_scope(run, row.state):
                    gone.append(UUID(row.id))
        for result in self._deleted(tenant, gone):
            run.report.deleted += result.deleted
            run.report.events += len(result.events)

    def _in_scope(self, run: PullRun, state: dict[str, Any]) -> bool:
        """Whether the run read everything that could have listed this association: its
        offering's associations (per offering), or its person's (per person)."""
        if self.associations_by == "person":
            scope = state.get("person_id")
        else:
            scope = state.get("cohort_id") or state.get("offering_id")
        return scope is not None and UUID(scope) in run.scopes


def run_enrolment_sync(
    gateway: Gateway, tenant: str, source_name: str, *, full: bool,
    associations_by: Literal["offering", "person"] = "offering",
) -> EnrolmentSyncReport:
    """Pull the persons and enrolments of one configured source once.

    Args:
        gateway: the composed gateway (store, engine, settings).
        tenant: the tenant id.
        source_name: the source's ``name`` in ``settings.sources``.
        full: a full run that also finds deleted enrolments; otherwise incremental (which
            falls back to full when the source was never pulled).
        associations_by: read associations per ``offering`` (default) or per ``person``.

    Returns:
        The counts of the run; ``report.line()`` prints them on one line.

    Raises:
        ConfigurationError: no such source, or the standards folder is not configured.
        UpstreamError: the source failed (after retries); nothing was deleted.
    """
    return run_locked(gateway, tenant, source_name, "enrolment", lambda source: (
        OoapiEnrolmentSync.for_gateway(gateway, associations_by=associations_by)
        .run(source, full=full)))
