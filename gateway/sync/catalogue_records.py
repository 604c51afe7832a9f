"""One catalogue record at a time: mapped and buffered, or quarantined and spared.

:class:`RecordWriter` does the work of :mod:`gateway.sync.ooapi_catalogue` per record (a
program with its offerings, a course, an education specification), with the run's
bookkeeping in a :class:`CatalogueRun` (ids seen, ids spared, the batch being built, the
memo, the quarantine):

- a record the memo trusts (:mod:`gateway.store.record_digests`) is neither validated nor
  mapped: its entities count as present and unchanged;
- any other record's valid items are mapped (:func:`~gateway.mappings.ooapi_v5_in.to_canonical`)
  and buffered; its bad items (schema or mapping) go to the quarantine with their raw
  payload, and what they stand for is spared from the run's deletions (all of a kind when
  it cannot be identified: a bad record must not delete its last good version);
- a record is remembered only when all of it went well, never with a quarantined item.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pydantic

from gateway.adapters.ooapi.catalogue_source import Rejected, SourceRecord
from gateway.domain import Cohort, Course, Entity, ProgrammeOffering, Qualification
from gateway.domain.ids import entity_id
from gateway.errors import GatewayError
from gateway.mappings.ooapi_v5_in import KINDS, identify, to_canonical
from gateway.settings import SourceConfig
from gateway.store.entities import EntityStore
from gateway.store.record_digests import MAX_RECORD_KEY, RecordDigest
from gateway.sync.catalogue_report import CatalogueSyncReport
from gateway.sync.pull_quarantine import PullQuarantine, schema_reason
from gateway.sync.pull_run import memo_row

__all__ = ["KINDS_OF", "QUARANTINE_KINDS", "CatalogueRun", "RecordWriter"]

#: The canonical kinds a record of each kind can produce.
KINDS_OF = {
    "program": (ProgrammeOffering.kind, Cohort.kind),
    "course": (Course.kind,),
    "educationSpecification": (Qualification.kind,),
}
#: The quarantine kinds of this pull: its items' official schemas and its records' kinds
#: (a complete full run closes those it did not meet again; the source's enrolment and
#: rostering pulls have their own).
QUARANTINE_KINDS = ("Program", "ProgramOffering", "Course", "EducationSpecification",
                    *KINDS_OF)


@dataclass
class CatalogueRun:
    """The bookkeeping of one run."""

    source: SourceConfig
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


class RecordWriter:
    """Maps, quarantines and buffers the records of one pull (see the module docstring).

    Args:
        store: the entity store the buffer is written to.
    """

    def __init__(self, store: EntityStore) -> None:
        self.store = store

    def unchanged(self, run: CatalogueRun, row: RecordDigest) -> None:
        """A record as last applied: its entities are present and unchanged, nothing else."""
        for kind, ident, _ in row.entities:
            run.seen.setdefault(kind, set()).add(ident)
        run.report.unchanged += len(row.entities)
        run.memo[row.record] = row

    def examine(self, run: CatalogueRun, item: SourceRecord, *, remember: bool) -> None:
        """Map and quarantine a record's parts; remember it only when all of it went well."""
        produced: list[Entity] = []
        clean = not item.rejected
        for raw in item.records:
            mapped = self._map(run, raw)
            clean = clean and mapped is not None
            produced.extend(mapped or [])
        for bad in item.rejected:
            self._reject(run, bad)
        key = item.key
        if key is None or len(key) > MAX_RECORD_KEY:
            return
        if not clean:
            run.forget.add(key)
            run.memo.pop(key, None)
        elif remember and key not in run.forget:
            run.memo[key] = memo_row(key, item.digest, produced)

    def flush(self, run: CatalogueRun) -> None:
        """Write the buffer in one transaction."""
        if run.buffer:
            run.report.add(self.store.upsert(run.buffer))
            run.buffer = []

    def _map(self, run: CatalogueRun, raw: dict[str, Any]) -> list[Entity] | None:
        """The record's entities, buffered for the store; None when it was quarantined."""
        source = run.source
        try:
            mapped = to_canonical(source.tenant, source.name, raw)
        except pydantic.ValidationError as exc:
            loc = exc.errors()[0]["loc"]
            self._put(run, str(raw.get("kind")), raw, str(exc),
                      "/" + "/".join(str(p) for p in loc))
            self._keep(run, raw, str(raw.get("kind")))
            return None
        except GatewayError as exc:  # SkippableRecordError, ValidationError
            self._put(run, str(raw.get("kind")), raw, exc.message,
                      str(getattr(exc, "path", "")))
            self._keep(run, raw, str(raw.get("kind")))
            return None
        for entity in mapped:
            run.seen.setdefault(entity.kind, set()).add(str(entity.id))
        run.buffer.extend(mapped)
        return mapped

    def _reject(self, run: CatalogueRun, item: Rejected) -> None:
        self._put(run, item.schema, item.raw, schema_reason(item.errors),
                  item.errors[0].schema_path if item.errors else "")
        self._keep(run, item.record, item.record_kind)

    def _keep(self, run: CatalogueRun, record: dict[str, Any] | None, record_kind: str) -> None:
        """Spare what a quarantined record stands for from this run's deletions."""
        kinds = KINDS_OF.get(record_kind, KINDS)
        try:
            pairs = identify(record) if record is not None else None
        except (GatewayError, KeyError, TypeError, ValueError, AttributeError):
            pairs = None
        if pairs is None:
            run.uncertain.update(kinds)
            return
        tenant, name = run.source.tenant, run.source.name
        run.keep.update(str(entity_id(tenant, name, k, sid)) for k, sid in pairs)

    def _put(self, run: CatalogueRun, kind: str, raw: Any, reason: str, path: str) -> None:
        run.report.quarantined += 1
        run.quarantine.put(kind, raw, reason, path)  # once: not again every run
