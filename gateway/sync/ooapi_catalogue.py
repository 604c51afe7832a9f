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
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

import pydantic
from sqlalchemy import select

from gateway.adapters.ooapi.catalogue_source import OoapiCatalogueSource, Rejected, SourceRecord
from gateway.adapters.ooapi.client import OoapiClient
from gateway.adapters.ooapi.codec import OoapiSchemas
from gateway.adapters.standards import Standards
from gateway.bootstrap import Gateway
from gateway.domain import Cohort, Course, Entity, ProgrammeOffering, Qualification
from gateway.domain.ids import entity_id
from gateway.errors import GatewayError
from gateway.mappings.ooapi_v5_in import KINDS, identify, mapping_version, to_canonical
from gateway.settings import SourceConfig
from gateway.store.entities import ApplyResult, EntityStore
from gateway.store.quarantine import Quarantine
from gateway.store.record_digests import MAX_RECORD_KEY, RecordDigest, RecordDigestStore
from gateway.store.sync_state import SyncStateStore
from gateway.store.tables import entities
from gateway.sync.pull_quarantine import PullQuarantine
from gateway.sync.pull_run import OoapiPull, memo_row, utc_now

__all__ = ["CatalogueSyncReport", "OoapiCatalogueSync"]

log = logging.getLogger(__name__)

#: The canonical kinds a record of each kind can produce.
_KINDS_OF = {
    "program": (ProgrammeOffering.kind, Cohort.kind),
    "course": (Course.kind,),
    "educationSpecification": (Qualification.kind,),
}
#: The quarantine kinds of this pull: its items' official schemas and its records' kinds
#: (a complete full run closes those it did not meet again; the source's enrolment and
#: rostering pulls have their own).
QUARANTINE_KINDS = ("Program", "ProgramOffering", "Course", "EducationSpecification",
                    *_KINDS_OF)


@dataclass
class CatalogueSyncReport:
    """What one run did; ``changed`` in :meth:`line` counts created plus changed."""

    tenant: str
    source: str
    mode: str
    since: str | None = None
    fetched: int = 0
    created: int = 0
    changed: int = 0
    unchanged: int = 0
    quarantined: int = 0
    deleted: int = 0
    events: int = 0
    #: Quarantined items a complete full run no longer met as bad: marked handled.
    quarantine_resolved: int = 0

    def add(self, result: ApplyResult) -> None:
        self.created += result.created
        self.changed += result.changed
        self.unchanged += result.unchanged
        self.deleted += result.deleted
        self.events += len(result.events)

    def line(self) -> str:
        window = f" since {self.since}" if self.since else ""
        return (f"{self.tenant}/{self.source} {self.mode}{window}: fetched {self.fetched}, "
                f"changed {self.created + self.changed} ({self.created} new), "
                f"unchanged {self.unchanged}, quarantined {self.quarantined}, "
                f"quarantine resolved {self.quarantine_resolved}, deleted {self.deleted}, "
                f"events {self.events}")

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class _Run:
    """The bookkeeping of one run."""

    report: CatalogueSyncReport
    quarantine: PullQuarantine
    #: Entity ids (as text, like the store's) present in the source, by kind, and spared.
    seen: dict[str, set[str]] = field(default_factory=dict)
    keep: set[str] = field(default_factory=set)
    uncertain: set[str] = field(default_factory=set)
    buffer: list[Entity] = field(default_factory=list)
    #: The memo after the run, by record key, and the keys to forget (quarantined).
    memo: dict[str, RecordDigest] = field(default_factory=dict)
    forget: set[str] = field(default_factory=set)


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
        run = _Run(report, PullQuarantine(self.quarantine, source.tenant, source.name,
                                          QUARANTINE_KINDS))
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
                        self._unchanged(run, trusted[item.key])
                    else:
                        self._examine(source, run, item,
                                      remember=window.full or item.kind != "program")
                    if len(run.buffer) >= self.batch_size:
                        self._flush(run)
                self._flush(run)  # a list is done: write it before reading the next
        if window.full:
            self._delete_missing(source, run)
            self._resolve_quarantine(run.quarantine, report)
        self.digests.save(source.tenant, source.name, run.memo, previous=previous,
                          complete=window.full, forget=run.forget)
        self._recorded(source, source.name, window, report)
        return report

    # -- one record ---------------------------------------------------------------------
    def _unchanged(self, run: _Run, row: RecordDigest) -> None:
        """A record as last applied: its entities are present and unchanged, nothing else."""
        for kind, ident, _ in row.entities:
            run.seen.setdefault(kind, set()).add(ident)
        run.report.unchanged += len(row.entities)
        run.memo[row.record] = row

    def _examine(self, source: SourceConfig, run: _Run, item: SourceRecord, *,
                 remember: bool) -> None:
        """Map and quarantine a record's parts; remember it only when all of it went well."""
        produced: list[Entity] = []
        clean = not item.rejected
        for raw in item.records:
            mapped = self._map(source, run, raw)
            clean = clean and mapped is not None
            produced.extend(mapped or [])
        for bad in item.rejected:
            self._reject(source, run, bad)
        key = item.key
        if key is None or len(key) > MAX_RECORD_KEY:
            return
        if not clean:
            run.forget.add(key)
            run.memo.pop(key, None)
        elif remember and key not in run.forget:
            run.memo[key] = memo_row(key, item.digest, produced)

    def _map(self, source: SourceConfig, run: _Run, raw: dict[str, Any]) -> list[Entity] | None:
        """The record's entities, buffered for the store; None when it was quarantined."""
        try:
            mapped = to_canonical(source.tenant, source.name, raw)
        except pydantic.ValidationError as exc:
            loc = exc.errors()[0]["loc"]
            self._put(source, run, str(raw.get("kind")), raw, str(exc),
                      "/" + "/".join(str(p) for p in loc))
            self._keep(source, run, raw, str(raw.get("kind")))
            return None
        except GatewayError as exc:  # SkippableRecordError, ValidationError
            self._put(source, run, str(raw.get("kind")), raw, exc.message,
                      str(getattr(exc, "path", "")))
            self._keep(source, run, raw, str(raw.get("kind")))
            return None
        for entity in mapped:
            run.seen.setdefault(entity.kind, set()).add(str(entity.id))
        run.buffer.extend(mapped)
        return mapped

    def _reject(self, source: SourceConfig, run: _Run, item: Rejected) -> None:
        shown = "; ".join(f"{e.pointer or '/'}: {e.message}" for e in item.errors[:5])
        more = f" (and {len(item.errors) - 5} more)" if len(item.errors) > 5 else ""
        self._put(source, run, item.schema, item.raw, f"schema: {shown}{more}",
                  item.errors[0].schema_path if item.errors else "")
        self._keep(source, run, item.record, item.record_kind)

    def _keep(self, source: SourceConfig, run: _Run, record: dict[str, Any] | None,
              record_kind: str) -> None:
        """Spare what a quarantined record stands for from this run's deletions."""
        kinds = _KINDS_OF.get(record_kind, KINDS)
        try:
            pairs = identify(record) if record is not None else None
        except (GatewayError, KeyError, TypeError, ValueError, AttributeError):
            pairs = None
        if pairs is None:
            run.uncertain.update(kinds)
            return
        run.keep.update(str(entity_id(source.tenant, source.name, k, sid)) for k, sid in pairs)

    def _put(self, source: SourceConfig, run: _Run, kind: str, raw: Any, reason: str,
             path: str) -> None:
        run.report.quarantined += 1
        run.quarantine.put(kind, raw, reason, path)  # once: not again every run

    # -- the store ----------------------------------------------------------------------
    def _flush(self, run: _Run) -> None:
        if run.buffer:
            run.report.add(self.store.upsert(run.buffer))
            run.buffer = []

    def _delete_missing(self, source: SourceConfig, run: _Run) -> None:
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
