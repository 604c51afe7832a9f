"""One page of a pull at a time: persons and associations checked, mapped and written.

:class:`PageWriter` does the work of :mod:`gateway.sync.ooapi_enrolment` per page, with
the run's bookkeeping in a :class:`PullRun` (ids seen, ids to spare, the batch being
built, the memo, the quarantine):

- persons: unchanged ones (the memo, :mod:`.pull_memo`) are skipped; the others mapped
  (:func:`~gateway.mappings.ooapi_v5_mbo_in.person_from`) and written with their personal
  data in one transaction per page (:meth:`~gateway.store.persons.PersonStore.upsert_many`);
- associations: an offering the gateway does not hold makes them wait; a person
  ``/persons`` did not list (it arrived during the run) is fetched; each is mapped
  (:func:`~gateway.mappings.ooapi_v5_mbo_in.association_from`), its state moved through
  the machine from the stored one (:func:`~gateway.mappings.ooapi_v5_mbo_states.next_state`;
  a refusal is quarantined and the stored state stays) and buffered; the buffer is written
  in one transaction per ``batch_size``. An association whose id is an application's
  is linked to it, and the SIS's state is passed on to it (``applications``).

Quarantined items are spared from the run's deletions. Nothing here logs a document.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from sqlalchemy import select

from gateway.adapters.ooapi.enrolment_source import (
    OoapiEnrolmentSource,
    SourceItem,
    is_not_found,
)
from gateway.domain import Application, Enrolment, Entity, Participation
from gateway.domain.enrolment import EnrolmentState
from gateway.errors import GatewayError, UpstreamError
from gateway.mappings.association_states import to_association_state
from gateway.mappings.ooapi_v5_mbo_in import OfferingRef, association_from, person_from
from gateway.mappings.ooapi_v5_mbo_states import next_state
from gateway.settings import SourceConfig
from gateway.store.entities import EntityStore
from gateway.store.locked_update import LockedChange
from gateway.store.persons import PersonItem, PersonStore
from gateway.store.record_digests import RecordDigest
from gateway.store.tables import entities
from gateway.sync.enrolment_offerings import OfferingResolver
from gateway.sync.enrolment_report import EnrolmentSyncReport
from gateway.sync.pull_memo import PullMemo
from gateway.sync.pull_quarantine import PullQuarantine, schema_reason
from gateway.sync.pull_run import memo_row, upsert_remembered

__all__ = ["DOCUMENT_PROFILE", "QUARANTINE_KINDS", "ApplicationHook", "PageWriter", "PullRun"]

log = logging.getLogger(__name__)

#: The quarantine kinds of this pull (a complete full run closes those it did not meet).
QUARANTINE_KINDS = ("Person", "Association")
#: Under this name the person's source document is kept with its personal data.
DOCUMENT_PROFILE = "ooapi-v5"
#: ``(tenant, application id, association state)``: the SIS's word on an application.
ApplicationHook = Callable[[str, UUID, str], LockedChange]
_Mapped = tuple[Enrolment | Participation, str, SourceItem, str]


@dataclass
class PullRun:
    """The bookkeeping of one run: ids seen, ids to spare, the batch being built."""

    source: SourceConfig
    report: EnrolmentSyncReport
    quarantine: PullQuarantine
    offerings: OfferingResolver
    memo: PullMemo
    persons: set[str] = field(default_factory=set)
    associations: set[str] = field(default_factory=set)
    spared: set[str] = field(default_factory=set)
    scopes: set[UUID] = field(default_factory=set)
    buffer: list[Entity] = field(default_factory=list)
    #: Memo rows of the entities in ``buffer``, written after them.
    remember: list[RecordDigest] = field(default_factory=list)


class PageWriter:
    """Checks, maps and writes pages of one pull (see the module docstring).

    Args:
        store: the entity store.
        persons: writes a person with its personal data.
        applications: told the SIS's state of applications the gateway forwarded.
        batch_size: associations per store transaction.
    """

    def __init__(self, store: EntityStore, persons: PersonStore,
                 applications: ApplicationHook | None, batch_size: int) -> None:
        self.store = store
        self.persons = persons
        self.applications = applications
        self.batch_size = batch_size

    # -- persons --------------------------------------------------------------------------
    def write_persons(self, run: PullRun, page: Iterable[SourceItem]) -> None:
        """Quarantine the page's bad persons, write the changed ones, skip the rest."""
        tenant, report = run.source.tenant, run.report
        valid: list[tuple[str, SourceItem]] = []
        for item in page:
            if item.source_id is not None:
                run.persons.add(item.source_id)
            if item.rejected is not None:
                run.quarantine.put("Person", item.rejected.raw,
                                   schema_reason(item.rejected.errors),
                                   item.rejected.errors[0].schema_path)
            elif item.source_id is not None:
                valid.append((f"person/{item.source_id}", item))
        digests = {key: run.memo.digest(item.document) for key, item in valid}
        unchanged = run.memo.unchanged(digests)
        keys: list[str] = []
        items: list[PersonItem] = []
        for key, item in valid:
            if key in unchanged:
                report.persons_unchanged += 1
                continue
            assert item.document is not None  # noqa: S101 - valid items carry it
            try:
                person, data = person_from(tenant, item.document)
            except GatewayError as exc:  # DomainRuleError: located, without values
                run.quarantine.put("Person", item.document, exc.message,
                                   str(getattr(exc, "path", "")))
                continue
            keys.append(key)
            items.append(PersonItem(person, data, {DOCUMENT_PROFILE: item.document}))
        remembered: list[RecordDigest] = []
        for key, written in zip(keys, self.persons.upsert_many(items), strict=True):
            report.persons_created += written.created
            report.persons_changed += written.changed and not written.created
            report.persons_unchanged += not written.changed
            report.events += len(written.events)
            remembered.append(memo_row(key, digests[key], [written.person]))
        run.memo.remember(remembered)

    def _missing_person(self, run: PullRun, reader: OoapiEnrolmentSource,
                        person_id: str) -> bool:
        """Fetch a person an association names that ``/persons`` did not list (it arrived
        during the run); False when the SIS does not know it either."""
        try:
            item = reader.person(person_id)
        except UpstreamError as exc:
            if is_not_found(exc):
                return False
            raise
        self.write_persons(run, [item])
        return item.document is not None

    # -- associations ---------------------------------------------------------------------
    def write_associations(self, run: PullRun, reader: OoapiEnrolmentSource,
                           page: list[SourceItem]) -> None:
        """Quarantine the page's bad associations, buffer the changed ones, skip the rest."""
        tenant = run.source.tenant
        valid: list[tuple[str, SourceItem, OfferingRef]] = []
        for item in page:
            if item.rejected is not None:
                self._spare(run, item, "Association", item.rejected.raw,
                            schema_reason(item.rejected.errors),
                            item.rejected.errors[0].schema_path)
                continue
            ref = run.offerings.resolve(item.offering)
            if ref is None or item.source_id is None:
                run.report.waiting_for_catalogue += 1
                if item.source_id:
                    run.spared.add(item.source_id)
                continue
            valid.append((f"association/{item.source_id}", item, ref))
        digests = {key: run.memo.digest(item.document, f"{ref.offering_id}/{ref.cohort_id}")
                   for key, item, ref in valid}
        unchanged = run.memo.unchanged(digests)
        mapped: list[_Mapped] = []
        for key, item, ref in valid:
            doc = item.document
            assert doc is not None and item.source_id is not None  # noqa: S101 - valid
            if key in unchanged:
                run.associations.add(item.source_id)
                run.report.unchanged += 1
                continue
            person = str(doc["person"])
            if person not in run.persons and not self._missing_person(run, reader, person):
                self._spare(run, item, "Association", doc,
                            "the SIS does not know the association's person", "/person")
                continue
            try:
                entity = association_from(tenant, doc, ref, EnrolmentState.ENROLLED)
            except GatewayError as exc:
                self._spare(run, item, "Association", doc, exc.message,
                            str(getattr(exc, "path", "")))
                continue
            mapped.append((entity, str(doc["state"]), item, digests[key]))
        self._apply_states(run, mapped)
        if len(run.buffer) >= self.batch_size:
            self.flush(run)

    def _apply_states(self, run: PullRun, mapped: list[_Mapped]) -> None:
        """Move each association's state through the machine from the stored one."""
        stored, applications = self._stored(
            run.source.tenant, [(str(e.id), e.source.id) for e, _, _, _ in mapped])
        for entity, requested, item, digest in mapped:
            current = stored.get(str(entity.id))
            try:
                state = next_state(EnrolmentState(current) if current else None, None,
                                   requested)
            except (GatewayError, ValueError) as exc:
                reason = exc.message if isinstance(exc, GatewayError) else "unknown state"
                self._spare(run, item, "Association", item.document, reason, "/state")
                continue
            update: dict[str, Any] = {"state": state}
            if isinstance(entity, Enrolment) and entity.source.id in applications:
                update["application_id"] = UUID(entity.source.id)
                # the application follows the enrolment's state, as on the push path
                # (gateway.sync.intake_decisions): an ended enrolment stays accepted
                self._decided(run, UUID(entity.source.id), to_association_state(state).value)
            final = entity.model_copy(update=update)
            run.buffer.append(final)
            run.remember.append(memo_row(f"association/{entity.source.id}", digest, [final]))
            run.associations.add(entity.source.id)

    def _decided(self, run: PullRun, application: UUID, association_state: str) -> None:
        """Tell the intake what the SIS now says of an application the gateway forwarded."""
        if self.applications is None:
            return
        try:
            change = self.applications(run.source.tenant, application, association_state)
        except (GatewayError, ValueError) as exc:  # e.g. withdrawn meanwhile: ids only
            run.report.applications_refused += 1
            log.warning("sync %s/%s: application %s stays as it is: %s", run.source.tenant,
                        run.source.name, application, type(exc).__name__)
            return
        run.report.applications_changed += bool(change.result.events)
        run.report.events += len(change.result.events)

    def _stored(self, tenant: str,
                ids: list[tuple[str, str]]) -> tuple[dict[str, str], set[str]]:
        """For (canonical id, association id) pairs: the stored states by canonical id, and
        the association ids that are the ids of applications the gateway forwarded."""
        if not ids:
            return {}, set()
        canonical, associations = [c for c, _ in ids], [a for _, a in ids]
        with self.store.engine.connect() as conn:
            states = {row.id: str(row.state.get("state")) for row in conn.execute(
                select(entities.c.id, entities.c.state).where(
                    entities.c.tenant == tenant, entities.c.id.in_(canonical),
                    entities.c.deleted.is_(False)))}
            applications = set(conn.execute(select(entities.c.id).where(
                entities.c.tenant == tenant, entities.c.kind == Application.kind,
                entities.c.id.in_(associations))).scalars())
        return states, applications

    def _spare(self, run: PullRun, item: SourceItem, kind: str, raw: Any, reason: str,
               path: str) -> None:
        """Quarantine an item and spare what it stands for from this run's deletions."""
        run.quarantine.put(kind, raw, reason, path)
        if item.source_id:
            run.spared.add(item.source_id)

    def flush(self, run: PullRun) -> None:
        """Write the buffered associations (one transaction), then their memo rows."""
        if run.buffer:
            result = upsert_remembered(self.store, run.memo, run.buffer, run.remember)
            run.report.created += result.created
            run.report.changed += result.changed
            run.report.unchanged += result.unchanged
            run.report.events += len(result.events)
            run.buffer, run.remember = [], []
