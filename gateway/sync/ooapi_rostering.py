"""Use case: pull groups, their members and component offerings from an SIS's OOAPI v5 endpoint.

The pulled side of the mbo profile's rostering (the pushed side is
:mod:`gateway.sync.mbo_groups` and :mod:`gateway.sync.mbo_offerings`). A run reads
(:mod:`gateway.adapters.ooapi.rostering_source`, every item validated against the
official schema, members against the profile's ``MembershipItem``):

1. ``/groups``, and per group its members (``/groups/{groupId}/members``, or the official
   ``/groups/{groupId}/persons`` with ``members_from="persons"``);
2. ``/components``, so each component offering carries its component (lesson or exam);
3. ``/offerings?offeringType=component``: the lessons and exam sessions, and per offering
   its groups and staff (``/offerings/{offeringId}/groups`` and ``/associations``, the
   only place OOAPI v5 gives them; bounded as :mod:`gateway.adapters.ooapi.offering_relations`
   says), so an activity carries ``group_ids`` and ``staff_ids``. A group or person it
   names that the gateway does not know is kept as its canonical id: neither dropped nor
   a reason to quarantine the offering (the choice is argued in
   :mod:`gateway.mappings.ooapi_v5_mbo_relations`); a reference that is no UUID is
   quarantined alone (:mod:`gateway.sync.rostering_offerings`).

Each item is mapped with the profile's own functions
(:mod:`gateway.mappings.ooapi_v5_mbo_in`), so a group pushed by the SIS and the same group
pulled are one canonical entity (:func:`~gateway.mappings.ooapi_v5_mbo_in.canonical_id`):
groups -> :class:`Group`, members -> :class:`Membership`, component offerings ->
:class:`TimetableActivity`, all on the timetable topic; groups and members are kept as
documents too, so the gateway's profile GETs serve them
(:mod:`gateway.sync.rostering_documents`). Work is streamed a page at a time
(:mod:`gateway.sync.rostering_pages`): unchanged items are skipped through the memo
(:mod:`gateway.sync.pull_memo`), bad ones quarantined with their raw payload and reason
(:mod:`gateway.sync.pull_quarantine`) while the rest goes on.

- **Full**: everything; then what this source's pulls wrote before (the records its memo
  holds) and the SIS no longer lists is deleted (a tombstone event each), except what was
  quarantined this run (a broken group spares its members). A group only ever pushed,
  never pulled, is not this pull's to delete.
- **Incremental**: OOAPI has no change feed, so the same reads without the members of
  groups that ended and the component offerings that started before the day of the last
  successful run (``since``), and no deletions.

An upstream failure (after the client's retries) ends the run before any deletion; the
last successful run stays the starting point of the next.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from uuid import UUID

from gateway.adapters.ooapi.client import OoapiClient
from gateway.adapters.ooapi.codec import OoapiSchemas
from gateway.adapters.ooapi.mbo_profile import MboProfile, mbo_profile
from gateway.adapters.ooapi.rostering_source import MembersFrom, OoapiRosteringSource
from gateway.adapters.standards import Standards
from gateway.bootstrap import Gateway
from gateway.errors import ConfigurationError
from gateway.settings import SourceConfig
from gateway.store.entities import EntityStore
from gateway.store.quarantine import Quarantine
from gateway.store.record_digests import RecordDigestStore
from gateway.store.sync_state import SyncStateStore
from gateway.sync.pull_memo import PullMemo
from gateway.sync.pull_quarantine import PullQuarantine
from gateway.sync.pull_run import OoapiPull, run_locked, utc_now
from gateway.sync.rostering_documents import forget_documents
from gateway.sync.rostering_offerings import pull_offerings
from gateway.sync.rostering_pages import QUARANTINE_KINDS, RosterPageWriter, RosterRun
from gateway.sync.rostering_report import RosteringSyncReport, state_key

__all__ = ["OoapiRosteringSync", "RosteringSyncReport", "run_rostering_sync", "state_key"]


class OoapiRosteringSync(OoapiPull):
    """Pulls the groups, members and component offerings of configured OOAPI v5 sources.

    Example::

        report = OoapiRosteringSync.for_gateway(gateway).run(source, full=True)
        print(report.line())

    Args:
        store: the entity store (events go to the outbox with each write).
        quarantine: where bad items go, with their raw payload.
        states: the last successful run per (tenant, source).
        schemas: the official OOAPI v5 schemas.
        profile: the mbo profile (members are its ``MembershipItem`` s).
        client_factory: builds the client of a source; tests may pass another transport.
        clock: the wall clock (UTC).
        batch_size: entities per store transaction.
        members_from: read members from the profile's ``members`` list or the official
            ``persons`` list.
    """

    def __init__(
        self, store: EntityStore, quarantine: Quarantine, states: SyncStateStore,
        schemas: OoapiSchemas, profile: MboProfile, *,
        client_factory: Callable[[SourceConfig], OoapiClient] = OoapiClient.for_source,
        clock: Callable[[], datetime] = utc_now, batch_size: int = 500,
        members_from: MembersFrom = "members",
    ) -> None:
        if members_from not in ("members", "persons"):
            raise ConfigurationError("members_from is 'members' or 'persons'")
        super().__init__(store, quarantine, states, schemas, client_factory=client_factory,
                         clock=clock, batch_size=batch_size)
        self.profile = profile
        self.members_from = members_from

    @classmethod
    def _gateway_args(cls, gateway: Gateway, standards: Standards,
                      options: dict[str, Any]) -> tuple[Any, ...]:
        return (*super()._gateway_args(gateway, standards, options), mbo_profile(standards))

    def run(self, source: SourceConfig, *, full: bool) -> RosteringSyncReport:
        """Pull ``source`` once; an incremental run without a previous one runs full.

        Raises:
            UpstreamError: the endpoint failed after retries; nothing was deleted.
        """
        key = state_key(source.name)
        window = self._window(source, key, full=full)
        report = RosteringSyncReport(source.tenant, source.name, window.mode,
                                     window.since_text, self.members_from)
        run = RosterRun(source, report,
                        PullQuarantine(self.quarantine, source.tenant, source.name,
                                       QUARANTINE_KINDS),
                        PullMemo(self.store.engine, source.tenant, key))
        writer = RosterPageWriter(self.store, self.batch_size)
        with self._reading(source, self._reader, report, run.quarantine) as reader:
            self._groups(run, writer, reader, window.since)
            pull_offerings(run, writer, reader, window.since)
            writer.flush(run)
        if window.full:
            self._delete_missing(run, key)
            self._resolve_quarantine(run.quarantine, report)
        self._recorded(source, key, window, report)
        return report

    def _reader(self, client: OoapiClient) -> OoapiRosteringSource:
        return OoapiRosteringSource(client, self.schemas, self.profile,
                                    members_from=self.members_from)

    def _groups(self, run: RosterRun, writer: RosterPageWriter,
                reader: OoapiRosteringSource, since: date | None) -> None:
        for page in reader.groups():
            for item in writer.groups(run, page):
                assert item.document is not None and item.source_id  # noqa: S101 - valid
                end = item.document.get("endDate")
                if since is not None and isinstance(end, str) and end < since.isoformat():
                    run.report.groups_ended += 1
                    continue
                for members in reader.members(item.source_id):
                    writer.members(run, item.source_id, members)

    def _delete_missing(self, run: RosterRun, key: str) -> None:
        """Delete what this source's pulls wrote that the SIS no longer lists."""
        tenant = run.source.tenant
        digests = RecordDigestStore(self.store.engine)
        gone = {record: row for record, row in digests.load(tenant, key).items()
                if record not in run.seen and not run.is_spared(record)}
        by_kind: dict[str, list[UUID]] = {}
        for row in gone.values():
            for kind, ident, _ in row.entities:
                by_kind.setdefault(kind, []).append(UUID(ident))
        for kind, ids in sorted(by_kind.items()):
            for result in self._deleted(tenant, ids):
                run.report.count(run.report.deleted, kind, result.deleted)
                run.report.events += len(result.events)
        forget_documents(self.store, tenant, gone)
        digests.save(tenant, key, {}, previous=gone, complete=False, forget=set(gone))


def run_rostering_sync(
    gateway: Gateway, tenant: str, source_name: str, *, full: bool,
    members_from: MembersFrom = "members",
) -> RosteringSyncReport:
    """Pull the groups, members and component offerings of one configured source once.

    Args:
        gateway: the composed gateway (store, engine, settings).
        tenant: the tenant id.
        source_name: the source's ``name`` in ``settings.sources``.
        full: a full run that also finds deletions; otherwise incremental (which falls
            back to full when the source was never pulled).
        members_from: read members from the mbo profile's ``/groups/{groupId}/members``
            (default) or the official ``/groups/{groupId}/persons``.

    Returns:
        The counts of the run; ``report.line()`` prints them on one line.

    Raises:
        ConfigurationError: no such source, or the standards folder is not configured.
        UpstreamError: the source failed (after retries); nothing was deleted.
    """
    return run_locked(gateway, tenant, source_name, "rostering", lambda source: (
        OoapiRosteringSync.for_gateway(gateway, members_from=members_from)
        .run(source, full=full)))
