"""One page of a rostering pull at a time: groups, members or component offerings written.

:class:`RosterPageWriter` does the work of :mod:`gateway.sync.ooapi_rostering` per page,
with the run's bookkeeping in a :class:`RosterRun`. Per item of a page:

- failed its schema: quarantined with its raw payload and the reason
  (:class:`~gateway.sync.pull_quarantine.PullQuarantine`, once per distinct payload), and
  what it stands for is spared from the run's deletions (a broken group spares its
  members too);
- unchanged since it was last applied (the memo, :class:`~gateway.sync.pull_memo.PullMemo`):
  counted, nothing else;
- otherwise mapped with the mbo profile's own functions
  (:func:`~gateway.mappings.ooapi_v5_mbo_in.group_from`, ``membership_from``,
  ``activity_from``, an offering with the groups and staff its lists named), so a pulled
  group is the canonical entity a pushed one is, and buffered (groups and members with
  their documents, :mod:`gateway.sync.rostering_documents`); a value the canonical model
  cannot hold is quarantined with the mapping's reason; an activity that moved or
  changed rooms since it was last stored is ``changed``
  (:mod:`gateway.sync.activity_status`). The buffer is written in one transaction per
  ``batch_size`` (and whenever the kind changes, so the report counts per kind), then its
  memo rows.

Every record has a key: ``group/<groupId>``, ``member/<groupId>/<personId>``,
``offering/<offeringId>``. Nothing here logs a document.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from gateway.adapters.ooapi.enrolment_source import SourceItem
from gateway.adapters.ooapi.offering_relations import OfferingRelations
from gateway.adapters.ooapi.rostering_source import GROUP, MEMBER, OFFERING
from gateway.domain import Entity, Group, Membership, TimetableActivity
from gateway.errors import GatewayError
from gateway.mappings.ooapi_v5_mbo_in import activity_from, group_from, membership_from
from gateway.settings import SourceConfig
from gateway.store.entities import EntityStore
from gateway.store.record_digests import RecordDigest
from gateway.store.tables import entities
from gateway.sync.activity_status import with_status
from gateway.sync.pull_memo import PullMemo
from gateway.sync.pull_quarantine import PullQuarantine, schema_reason
from gateway.sync.pull_run import memo_row
from gateway.sync.rostering_documents import PulledDocument, pulled_document, write_with_documents
from gateway.sync.rostering_report import RosteringSyncReport

__all__ = ["RosterPageWriter", "RosterRun", "model_salt", "record_key"]

_KIND_OF = {GROUP: Group.kind, MEMBER: Membership.kind, OFFERING: TimetableActivity.kind}
_QUARANTINE_KIND = {GROUP: "Group", MEMBER: "Membership", OFFERING: "ComponentOffering"}
#: A relation item (an offering's groups and staff) that names no usable group or person;
#: not ``Association``, which is the enrolment pull's kind.
RELATION_KINDS = {"Group": "Group", "Association": "OfferingAssociation"}
#: The quarantine kinds of this pull (a complete full run closes those it did not meet).
QUARANTINE_KINDS = (*_QUARANTINE_KIND.values(), "Component", "OfferingAssociation")
Mapper = Callable[[dict[str, Any]], Entity]


@functools.cache
def model_salt() -> str:
    """The canonical rostering models' schemas, part of every digest: a changed model
    forgets what the memo remembered (the mapping's text is in the memo's own salt)."""
    models = [m.model_json_schema() for m in (Group, Membership, TimetableActivity)]
    return hashlib.blake2b(json.dumps(models, sort_keys=True).encode(),
                           digest_size=16).hexdigest()


def record_key(kind: str, source_id: str) -> str:
    """The memo's key of an item (``group``, ``member``, ``offering``) with its id."""
    return f"{kind}/{source_id}"


@dataclass
class RosterRun:
    """The bookkeeping of one run: keys seen, keys to spare, the batch being built."""

    source: SourceConfig
    report: RosteringSyncReport
    quarantine: PullQuarantine
    memo: PullMemo
    #: Record keys listed by the SIS and valid (written or unchanged).
    seen: set[str] = field(default_factory=set)
    #: Record keys of items quarantined this run, and key prefixes (a broken group's
    #: members): never deleted by this run.
    spared: set[str] = field(default_factory=set)
    spared_prefixes: set[str] = field(default_factory=set)
    buffer: list[Entity] = field(default_factory=list)
    buffer_kind: str | None = None
    #: Memo rows of the entities in ``buffer``, written after them.
    remember: list[RecordDigest] = field(default_factory=list)
    #: Documents of the groups and members in ``buffer``, written with them.
    documents: list[PulledDocument] = field(default_factory=list)

    def is_spared(self, key: str) -> bool:
        return key in self.spared or any(key.startswith(p) for p in self.spared_prefixes)


class RosterPageWriter:
    """Checks, maps and writes pages of one pull (see the module docstring).

    Args:
        store: the entity store.
        batch_size: entities per store transaction.
    """

    def __init__(self, store: EntityStore, batch_size: int) -> None:
        self.store = store
        self.batch_size = batch_size

    def groups(self, run: RosterRun, page: Iterable[SourceItem]) -> list[SourceItem]:
        """Write a page of groups; returns the valid ones (whose members to read)."""
        tenant = run.source.tenant
        return self._write(run, GROUP, page, lambda doc: group_from(tenant, doc))

    def members(self, run: RosterRun, group_id: str, page: Iterable[SourceItem]) -> None:
        tenant = run.source.tenant
        self._write(run, MEMBER, page, lambda doc: membership_from(tenant, group_id, doc),
                    extra=group_id)

    def offerings(self, run: RosterRun, page: Iterable[SourceItem],
                  relations: dict[str, OfferingRelations]) -> None:
        """Write a page of component offerings with the groups and staff of ``relations``
        (by offering id; part of each one's memo digest, so a changed list rewrites it)."""
        tenant = run.source.tenant
        empty = OfferingRelations()

        def mapper(doc: dict[str, Any]) -> Entity:
            found = relations.get(str(doc.get("offeringId")), empty)
            return activity_from(tenant, doc, groups=found.groups, staff=found.staff)

        extras = {ident: json.dumps([found.groups, found.staff])
                  for ident, found in relations.items()}
        self._write(run, OFFERING, page, mapper, extras=extras)

    def _write(self, run: RosterRun, kind: str, page: Iterable[SourceItem], mapper: Mapper,
               extra: str = "", extras: dict[str, str] | None = None) -> list[SourceItem]:
        if run.buffer_kind not in (None, kind):
            self.flush(run)
        run.buffer_kind = kind
        valid: dict[str, SourceItem] = {}
        for item in page:
            if item.rejected is not None:
                errors = item.rejected.errors
                self._spare(run, kind, item, item.rejected.raw, schema_reason(errors),
                            errors[0].schema_path if errors else "")
            elif item.source_id is not None:
                valid[record_key(kind, item.source_id)] = item
        salt = f"{model_salt()}/{extra}"
        digests = {key: run.memo.digest(item.document, salt + (extras or {}).get(
            str(item.source_id), "")) for key, item in valid.items()}
        unchanged = run.memo.unchanged(digests)
        written: list[SourceItem] = []
        mapped: list[tuple[str, Entity, str]] = []
        for key, item in valid.items():
            assert item.document is not None  # noqa: S101 - valid items carry it
            if key in unchanged:
                run.seen.add(key)
                run.report.count(run.report.unchanged, _KIND_OF[kind])
                written.append(item)
                continue
            try:
                entity = mapper(item.document)
            except (GatewayError, ValueError) as exc:  # located, without values
                reason = exc.message if isinstance(exc, GatewayError) else "not a valid id"
                self._spare(run, kind, item, item.document, reason,
                            str(getattr(exc, "path", "")))
                continue
            run.seen.add(key)
            mapped.append((key, entity, digests[key]))
            written.append(item)
            document = pulled_document(kind, str(item.source_id), item.document, entity)
            if document is not None:
                run.documents.append(document)
        if kind == OFFERING:
            mapped = self._statuses(run.source.tenant, mapped)
        for key, entity, digest in mapped:
            run.buffer.append(entity)
            run.remember.append(memo_row(key, digest, [entity]))
        if len(run.buffer) >= self.batch_size:
            self.flush(run)
        return written

    def _statuses(self, tenant: str, mapped: list[tuple[str, Entity, str]]
                  ) -> list[tuple[str, Entity, str]]:
        """Activities with their status against the last stored state (one query)."""
        ids = [str(entity.id) for _, entity, _ in mapped]
        if not ids:
            return mapped
        with self.store.engine.connect() as conn:
            stored = {row.id: row.state for row in conn.execute(
                select(entities.c.id, entities.c.state).where(
                    entities.c.tenant == tenant, entities.c.id.in_(ids),
                    entities.c.deleted.is_(False)))}
        return [(key, with_status(entity, stored.get(str(entity.id)))
                 if isinstance(entity, TimetableActivity) else entity, digest)
                for key, entity, digest in mapped]

    def _spare(self, run: RosterRun, kind: str, item: SourceItem, raw: Any, reason: str,
               path: str) -> None:
        """Quarantine an item and spare what it stands for from this run's deletions."""
        run.quarantine.put(_QUARANTINE_KIND[kind], raw, reason, path)
        if item.source_id:
            run.spared.add(record_key(kind, item.source_id))
            if kind == GROUP:
                run.spared_prefixes.add(record_key(MEMBER, f"{item.source_id}/"))

    def flush(self, run: RosterRun) -> None:
        """Write the buffered entities (one transaction), then their memo rows."""
        if run.buffer:
            kind = run.buffer[0].kind
            result = write_with_documents(self.store, run.memo, run.buffer, run.documents,
                                          run.remember, self.store.clock())
            report = run.report
            report.count(report.created, kind, result.created)
            report.count(report.changed, kind, result.changed)
            report.count(report.unchanged, kind, result.unchanged)
            report.events += len(result.events)
            run.buffer, run.remember, run.documents = [], [], []
