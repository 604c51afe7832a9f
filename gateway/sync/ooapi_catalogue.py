"""Use case: sync one source's catalogue from its OOAPI v5 endpoint into the store.

- **Full** ("standlevering"): every education specification, program with its offerings,
  and course; whatever the store holds from this source and the source no longer lists is
  deleted (a tombstone event each), except what a quarantined item stands for: a bad
  record must not delete its last good version.
- **Incremental**: OOAPI v5 has no change feed; the only ``since`` it defines filters
  offering lists on the start of their academic session. So the run reads the offerings
  starting on or after the day of the last successful sync (the part of a catalogue that
  still changes) plus the programs, courses and specifications, and upserts them; the
  store's content hash turns that into events for exactly what changed. It deletes
  nothing: OOAPI has no tombstones, so only a full sync can see that something is gone.

Entities are written in batches as the pages arrive (parents first; a list's rest when it
ends), so memory holds one program's offerings and the ids seen, not the catalogue. A
failed run leaves what it wrote (real changes) but deletes nothing and does not move the
last-sync time.

**Unchanged records are skipped**: validating and mapping an unchanged catalogue again
would cost most of a run. Per (tenant, source), :mod:`gateway.store.record_digests` keeps
the digest of each raw record as last applied and the entities (kind, id, content hash)
it became. The digest covers all the mapping reads: the record's items as received (a
program with all its offerings, a course, an education specification), the tenant, the
source name and ``ooapi_v5_in.mapping_version()``. A record with a remembered digest is
neither validated, nor mapped, nor written; its entities count as present (for
deletions) and unchanged. It is trusted only while the store holds each of its entities
live with the remembered hash (one query per run), so an entity deleted or changed by any
other path gets its record processed again. The memo is written after a successful run
only, never for a record with a quarantined item (examined again every run). A full run's
memo is complete (records gone from the source are forgotten); an incremental run reads
programs with part of their offerings, so it remembers only courses and specifications.

Here: a run and its deletions. A record's mapping, quarantine and memo row are
:mod:`.catalogue_records`; the counts :mod:`.catalogue_report`; the frame every pull
shares (window, reader, sync state, closing the quarantine) :mod:`.pull_run`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import select

from gateway.adapters.ooapi.catalogue_source import OoapiCatalogueSource
from gateway.adapters.ooapi.client import OoapiClient
from gateway.adapters.ooapi.codec import OoapiSchemas
from gateway.adapters.standards import Standards
from gateway.bootstrap import Gateway
from gateway.mappings.ooapi_v5_in import KINDS, mapping_version
from gateway.settings import SourceConfig
from gateway.store.entities import EntityStore
from gateway.store.quarantine import Quarantine
from gateway.store.record_digests import RecordDigestStore
from gateway.store.sync_state import SyncStateStore
from gateway.store.tables import entities
from gateway.sync.catalogue_records import QUARANTINE_KINDS, CatalogueRun, RecordWriter
from gateway.sync.catalogue_report import CatalogueSyncReport
from gateway.sync.pull_quarantine import PullQuarantine
from gateway.sync.pull_run import OoapiPull, utc_now

__all__ = ["OoapiCatalogueSync"]

log = logging.getLogger(__name__)


class OoapiCatalogueSync(OoapiPull):
    """Syncs the catalogue of configured OOAPI v5 sources.

    Example::

        report = OoapiCatalogueSync.for_gateway(gateway).run(source, full=True)
        print(report.line())

    Args:
        store: the entity store (events go to the outbox with each write).
        quarantine: where bad items go, with their raw payload.
        states: the last successful sync per (tenant, source).
        schemas: the official OOAPI v5 schemas.
        client_factory: builds the client of a source; tests may pass a fake transport.
        clock: the wall clock (UTC).
        batch_size: entities per store transaction.
        digests: the memo of what each raw record became (default: in the store's engine).
    """

    def __init__(
        self, store: EntityStore, quarantine: Quarantine, states: SyncStateStore,
        schemas: OoapiSchemas, *,
        client_factory: Callable[[SourceConfig], OoapiClient] = OoapiClient.for_source,
        clock: Callable[[], datetime] = utc_now, batch_size: int = 500,
        digests: RecordDigestStore | None = None,
    ) -> None:
        super().__init__(store, quarantine, states, schemas, client_factory=client_factory,
                         clock=clock, batch_size=batch_size)
        self.digests = digests or RecordDigestStore(store.engine, clock)

    @classmethod
    def _gateway_args(cls, gateway: Gateway, standards: Standards,
                      options: dict[str, Any]) -> tuple[Any, ...]:
        options.setdefault("digests", RecordDigestStore(gateway.engine, gateway.clock))
        return super()._gateway_args(gateway, standards, options)

    def run(self, source: SourceConfig, *, full: bool) -> CatalogueSyncReport:
        """Sync ``source`` once; an incremental run without a previous sync runs full.

        Raises:
            UpstreamError: the endpoint failed after retries; nothing was deleted.
        """
        window = self._window(source, source.name, full=full)
        report = CatalogueSyncReport(source.tenant, source.name, window.mode,
                                     window.since_text)
        run = CatalogueRun(source, report, PullQuarantine(
            self.quarantine, source.tenant, source.name, QUARANTINE_KINDS))
        writer = RecordWriter(self.store)
        previous = self.digests.load(source.tenant, source.name)
        trusted = self.digests.holding(source.tenant, source.name, previous)
        salt = "\x1f".join((mapping_version(), source.tenant, source.name)).encode()

        def known(key: str, digest: str) -> bool:
            row = trusted.get(key)
            return row is not None and row.digest == digest

        def open_reader(client: OoapiClient) -> OoapiCatalogueSource:
            return OoapiCatalogueSource(client, self.schemas, since=window.since, salt=salt,
                                        known=known)

        with self._reading(source, open_reader, report) as reader:
            for section in reader.sections():
                for item in section:
                    if item.known and item.key is not None:  # known() found it trusted
                        writer.unchanged(run, trusted[item.key])
                    else:
                        writer.examine(run, item, remember=window.full or item.kind != "program")
                    if len(run.buffer) >= self.batch_size:
                        writer.flush(run)
                writer.flush(run)  # a list is done: write it before reading the next
        if window.full:
            self._delete_missing(run)
            self._resolve_quarantine(run.quarantine, report)
        self.digests.save(source.tenant, source.name, run.memo, previous=previous,
                          complete=window.full, forget=run.forget)
        self._recorded(source, source.name, window, report)
        return report

    # -- a full run ----------------------------------------------------------------------
    def _delete_missing(self, run: CatalogueRun) -> None:
        """Delete what the store holds from this source and the run neither saw nor spared
        (a tombstone event each); a kind with an unidentified quarantined record keeps all."""
        source = run.source
        for kind in reversed(KINDS):  # children first: cohorts go before their offering
            if kind in run.uncertain:
                log.warning("sync %s/%s: a quarantined %s record could not be identified; "
                            "no %s deleted this run", source.tenant, source.name, kind, kind)
                continue
            present = run.seen.get(kind, set()) | run.keep
            gone = [UUID(i) for i in self._live(source, kind) if i not in present]
            if gone:
                run.report.add(self.store.delete(source.tenant, gone))

    def _live(self, source: SourceConfig, kind: str) -> Iterable[str]:
        query = select(entities.c.id).where(
            entities.c.tenant == source.tenant, entities.c.kind == kind,
            entities.c.source_system == source.name, entities.c.deleted.is_(False))
        with self.store.engine.connect() as conn:
            return list(conn.execute(query).scalars())
