"""Use case: apply a full set of records from one source, quarantining the bad ones.

Each raw record is turned into canonical entities by a mapping function; a record whose
mapping or validation fails is quarantined with its raw payload and the rest goes on.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import pydantic

from gateway.domain.base import Entity
from gateway.domain.ids import entity_id
from gateway.errors import SkippableRecordError, ValidationError
from gateway.store.entities import EntityStore
from gateway.store.quarantine import Quarantine

__all__ = ["SnapshotSync", "SyncReport"]

log = logging.getLogger(__name__)

Mapper = Callable[[dict[str, Any]], Sequence[Entity]]
#: Tells which entities a raw record stands for, as (kind, source id) pairs, when it can.
Identify = Callable[[dict[str, Any]], Sequence[tuple[str, str]]]


@dataclass
class SyncReport:
    fetched: int = 0
    created: int = 0
    changed: int = 0
    unchanged: int = 0
    deleted: int = 0
    quarantined: int = 0
    events: int = 0

    def line(self) -> str:
        return ", ".join(f"{k} {v}" for k, v in self.__dict__.items())


def _path_of(exc: pydantic.ValidationError) -> str:
    first = exc.errors()[0]
    return "/" + "/".join(str(p) for p in first["loc"])


class SnapshotSync:
    """Apply one source's complete set of records (deletions included) for a tenant.

    Example::

        report = SnapshotSync(store, quarantine).run(
            "roc-a", "sample-sis", records, mapper, kinds=("programme-offering", "cohort"))
    """

    def __init__(self, store: EntityStore, quarantine: Quarantine) -> None:
        self.store = store
        self.quarantine = quarantine

    def run(
        self,
        tenant: str,
        source_system: str,
        records: Iterable[dict[str, Any]],
        mapper: Mapper,
        *,
        kinds: Sequence[str],
        identify: Identify | None = None,
    ) -> SyncReport:
        """Map every record, then apply one snapshot per kind in ``kinds``.

        Kinds are applied in the given order (parents first), so consumers see an
        offering before its cohorts. A quarantined record keeps its last good version:
        ``identify`` names the entities it stands for; without it (or when it fails),
        this run deletes nothing rather than guess.
        """
        report = SyncReport()
        by_kind: dict[str, list[Entity]] = {kind: [] for kind in kinds}
        keep: set[UUID] = set()
        certain = True
        for raw in records:
            report.fetched += 1
            try:
                for entity in mapper(raw):
                    by_kind.setdefault(entity.kind, []).append(entity)
                continue
            except pydantic.ValidationError as exc:
                self._quarantine(tenant, source_system, raw, str(exc), _path_of(exc))
            except (ValidationError, SkippableRecordError) as exc:
                self._quarantine(tenant, source_system, raw, exc.message, exc.path)
            report.quarantined += 1
            try:
                pairs = identify(raw) if identify else None
            except (KeyError, TypeError, ValueError):
                pairs = None
            if not pairs:
                certain = False
                continue
            keep.update(entity_id(tenant, source_system, k, sid) for k, sid in pairs)
        if not certain:
            log.warning("sync %s/%s: a quarantined record could not be identified; "
                        "deletions skipped this run", tenant, source_system)
        for kind in kinds:
            result = self.store.apply_snapshot(
                tenant, kind, source_system, by_kind[kind],
                keep=frozenset(keep), find_deletions=certain,
            )
            report.created += result.created
            report.changed += result.changed
            report.unchanged += result.unchanged
            report.deleted += result.deleted
            report.events += len(result.events)
        log.info("sync %s/%s: %s", tenant, source_system, report.line())
        return report

    def _quarantine(
        self, tenant: str, source: str, raw: dict[str, Any], reason: str, path: str
    ) -> None:
        kind = str(raw.get("kind", "record"))[:40]
        self.quarantine.put(
            tenant=tenant, source=source, kind=kind, reason=reason, path=path,
            raw=json.dumps(raw, ensure_ascii=False, default=str),
        )
