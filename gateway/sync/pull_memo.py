"""The memo of a pull, a page at a time: which items are unchanged since they were applied.

An SIS lists 50,000 persons on every pull, nearly all as they were. Validating, mapping
and writing each again (a transaction per person) costs most of a run that changes
nothing. So, per item, the pull remembers (in :mod:`gateway.store.record_digests`, under
the pull's own key) the digest of the document as last applied and the entity it became
with its content hash. An item whose digest is remembered is skipped, if the store still
agrees: the entity is live with that hash (a push, an erasure or an operator that changed
it makes the item count as new). Unlike the catalogue's memo, which loads a source's rows
at once, this one asks for the rows of the page in hand, so memory holds a page.

The digest covers the document as parsed, what else the mapping reads (the caller's
``extra``), and :func:`memo_salt`: the gateway's version, the canonical model's schemas
and the text of the mapping modules, so a changed rule forgets what was remembered.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine, select

import gateway
from gateway.domain import Enrolment, Participation, Person, PersonalData
from gateway.mappings import ooapi_v5_mbo_in, ooapi_v5_mbo_states
from gateway.store.record_digests import RecordDigest, RecordDigestStore, record_digests
from gateway.store.tables import entities

__all__ = ["PullMemo", "memo_salt"]


@functools.cache
def memo_salt() -> bytes:
    """What besides a document decides what it becomes (see the module docstring)."""
    digest = hashlib.blake2b(gateway.__version__.encode(), digest_size=16)
    for model in (Person, PersonalData, Enrolment, Participation):
        digest.update(json.dumps(model.model_json_schema(), sort_keys=True).encode())
    for module in (ooapi_v5_mbo_in, ooapi_v5_mbo_states):
        try:
            digest.update(inspect.getsource(module).encode())
        except (OSError, TypeError):  # installed without sources: the version must do
            digest.update(module.__name__.encode())
    return digest.digest()


class PullMemo:
    """One pull's memo (see the module docstring).

    Args:
        engine: the store's engine.
        tenant: the tenant.
        key: the pull's key in the memo (not the catalogue's: they forget separately).
    """

    def __init__(self, engine: Engine, tenant: str, key: str) -> None:
        self.engine = engine
        self.tenant = tenant
        self.key = key
        self.digests = RecordDigestStore(engine)
        self._salt = memo_salt() + tenant.encode() + b"\x1f" + key.encode()
        self._read: dict[str, RecordDigest] = {}

    def digest(self, document: Any, extra: str = "") -> str:
        value = hashlib.blake2b(self._salt, digest_size=32)
        value.update(json.dumps(document, separators=(",", ":")).encode())
        value.update(b"\x1e" + extra.encode())
        return value.hexdigest()

    def unchanged(self, wanted: dict[str, str]) -> set[str]:
        """The record keys of ``{record key: digest}`` remembered with that digest whose
        entities the store holds as remembered (two queries)."""
        if not wanted:
            return set()
        where = (record_digests.c.tenant == self.tenant, record_digests.c.source == self.key)
        with self.engine.connect() as conn:
            rows = conn.execute(select(record_digests.c.record, record_digests.c.digest,
                                       record_digests.c.entities).where(
                *where, record_digests.c.record.in_(list(wanted)))).all()
            read = {r.record: RecordDigest(r.record, r.digest,
                                           tuple(tuple(e) for e in json.loads(r.entities)))
                    for r in rows}
            ids = [e[1] for r in read.values() if r.digest == wanted[r.record]
                   for e in r.entities]
            live = {row.id: row.content_hash for row in conn.execute(
                select(entities.c.id, entities.c.content_hash).where(
                    entities.c.tenant == self.tenant, entities.c.id.in_(ids),
                    entities.c.deleted.is_(False)))} if ids else {}
        same = {key for key, row in read.items() if row.digest == wanted[key] and row.entities
                and all(live.get(ident) == digest for _, ident, digest in row.entities)}
        self._read.update({k: r for k, r in read.items() if k not in same})
        return same

    def remember(self, rows: Sequence[RecordDigest]) -> None:
        """Store what these records became (after their entities were written)."""
        if not rows:
            return
        memo = {row.record: row for row in rows}
        previous = {k: self._read.pop(k) for k in memo if k in self._read}
        self.digests.save(self.tenant, self.key, memo, previous=previous, complete=False)
