"""The memo of a source sync: what each raw record last became, so an unchanged one is skipped.

One row per (tenant, source, record): the record's key (e.g. ``course/<courseId>``), the
digest of the record as it was last applied (the sync decides what the digest covers, see
:mod:`gateway.sync.ooapi_catalogue`), and the canonical entities the mapping made of it,
each with the content hash the mapping gave its state.

A row is a claim, "a record with this digest maps to exactly these entity states", and is
trusted only while the store agrees: :meth:`RecordDigestStore.holding` keeps the rows whose
every entity is live with that content hash (one query per run). An entity deleted or
changed by another path (an operator, another run, a newer version of the record) makes
the row fail, and its record is then processed like a new one. The sync writes rows only
after a successful run; :meth:`RecordDigestStore.save` writes only what differs from the
rows it read, so an unchanged run writes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Column, DateTime, Engine, String, Table, Text, delete, insert, select
from sqlalchemy.exc import IntegrityError

from gateway.errors import ConflictError
from gateway.store.tables import entities, metadata

__all__ = ["MAX_RECORD_KEY", "RecordDigest", "RecordDigestStore", "record_digests"]

#: The longest record key that can be remembered; longer ones are simply never skipped.
MAX_RECORD_KEY = 320

_CHUNK = 500

record_digests = Table(
    "record_digests",
    metadata,
    Column("tenant", String(63), primary_key=True),
    Column("source", String(64), primary_key=True),
    Column("record", String(MAX_RECORD_KEY), primary_key=True),
    Column("digest", String(64), nullable=False),
    #: JSON ``[[kind, entity id, content hash], ...]``.
    Column("entities", Text, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)


@dataclass(frozen=True)
class RecordDigest:
    """One record as last applied: its key, its digest and the entities it produced."""

    record: str
    digest: str
    #: ``(kind, entity id, content hash of its state)`` of every entity, in mapping order.
    entities: tuple[tuple[str, str, str], ...]


def _chunks(items: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


class RecordDigestStore:
    """Reads and writes the memo of one (tenant, source).

    Example::

        digests = RecordDigestStore(engine)
        before = digests.load("roc-a", "sis")
        trusted = digests.holding("roc-a", "sis", before)   # the rows the store confirms
        ...                                                 # the run
        digests.save("roc-a", "sis", after, previous=before, complete=True)

    Args:
        engine: the store's engine.
        clock: the wall clock (UTC), for ``updated_at``.
    """

    def __init__(self, engine: Engine,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.engine = engine
        self.clock = clock

    def load(self, tenant: str, source: str) -> dict[str, RecordDigest]:
        """Every remembered record of the source, by record key (one query)."""
        query = select(record_digests.c.record, record_digests.c.digest,
                       record_digests.c.entities).where(
            record_digests.c.tenant == tenant, record_digests.c.source == source)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return {row.record: RecordDigest(row.record, row.digest,
                                         tuple(tuple(e) for e in json.loads(row.entities)))
                for row in rows}

    def holding(self, tenant: str, source: str,
                memo: Mapping[str, RecordDigest]) -> dict[str, RecordDigest]:
        """The rows of ``memo`` whose every entity is live in the store with that hash.

        One query reads the id and content hash of the source's live entities.
        """
        query = select(entities.c.id, entities.c.content_hash).where(
            entities.c.tenant == tenant, entities.c.source_system == source,
            entities.c.deleted.is_(False))
        with self.engine.connect() as conn:
            live: dict[str, str] = {row.id: row.content_hash for row in conn.execute(query)}
        return {key: row for key, row in memo.items()
                if all(live.get(ident) == digest for _, ident, digest in row.entities)}

    def save(self, tenant: str, source: str, memo: Mapping[str, RecordDigest], *,
             previous: Mapping[str, RecordDigest], complete: bool,
             forget: Collection[str] = ()) -> None:
        """Make the stored rows say ``memo``, writing only what differs from ``previous``.

        Args:
            tenant: the tenant.
            source: the source's name.
            memo: the rows after the run, by record key.
            previous: the rows as :meth:`load` read them at the start of the run.
            complete: ``memo`` is the whole memo (a full run): rows of records it lacks are
                removed. Otherwise only the records in ``memo`` are replaced.
            forget: record keys whose rows go in any case (records quarantined this run).

        Raises:
            ConflictError: concurrent writers kept colliding on the same rows.
        """
        written = [row for key, row in memo.items() if previous.get(key) != row]
        dropped = [key for key in previous
                   if key not in memo and (complete or key in forget)]
        if not written and not dropped:
            return
        now = self.clock()
        values: list[dict[str, Any]] = [
            {"tenant": tenant, "source": source, "record": row.record, "digest": row.digest,
             "entities": json.dumps([list(e) for e in row.entities], separators=(",", ":")),
             "updated_at": now}
            for row in written]
        stale = dropped + [row.record for row in written]
        where = (record_digests.c.tenant == tenant, record_digests.c.source == source)
        for _ in range(3):  # a concurrent run of the same source may insert the same keys
            try:
                with self.engine.begin() as conn:
                    for chunk in _chunks(stale):
                        conn.execute(delete(record_digests).where(
                            *where, record_digests.c.record.in_(chunk)))
                    if values:
                        conn.execute(insert(record_digests), values)
                    return
            except IntegrityError:
                continue
        raise ConflictError(f"could not save the record digests of {tenant}/{source}")
