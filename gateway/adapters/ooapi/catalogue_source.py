"""The catalogue of an OOAPI v5 endpoint as whole records, each item schema-checked first.

Reads, in the order consumers should see them (parents first):

1. ``/education-specifications`` -> an ``educationSpecification`` record each
   (qualifications);
2. ``/programs`` and, per program, ``/programs/{programId}/offerings`` -> one ``program``
   record per program with its offerings (the shape :mod:`gateway.mappings.ooapi_v5_in`
   maps to programme offerings and cohorts); one program's offerings are in memory at a
   time;
3. ``/courses`` -> a ``course`` record each (modules and keuzedelen).

Each comes out as one :class:`SourceRecord` carrying its key (``<kind>/<id>``) and the
digest of everything the mapping reads for it: the items as received (a program with all
its offerings), plus the caller's ``salt``. A caller that remembers what a digest became
(the sync's memo) may answer ``known``: then nothing of the record is validated or built,
which is most of the cost of an unchanged catalogue. The digest is a BLAKE2b of the
items' JSON as parsed (``json.dumps`` without sorting: the same bytes parse to the same key
order), so it costs one serialisation, not a validation.

Otherwise every item is validated against its official schema (``Program``,
``ProgramOffering``, ...) before it joins a mapping record. An item that fails comes out
in ``rejected`` as :class:`Rejected` with its raw payload and the schema errors, plus,
when it can be told, the mapping record it would have been part of, so the sync keeps the
last good version of what it stands for.

OOAPI v5 has no change feed: its ``since`` parameter (on offering lists only) filters on
the start of the offering's academic session. A full read asks for every offering
(``since`` far in the past); an incremental read passes the day of the last sync.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from gateway.adapters.ooapi.client import OoapiClient, resource_path
from gateway.adapters.ooapi.codec import OoapiSchemas
from gateway.adapters.ooapi.schema_errors import SchemaError
from gateway.mappings.ooapi_v5_in import program_records, record

__all__ = ["ALL_OFFERINGS_SINCE", "OoapiCatalogueSource", "Rejected", "SourceRecord",
           "record_digest"]

#: ``since`` of a full read: OOAPI shows only future offerings unless asked otherwise.
ALL_OFFERINGS_SINCE = date(1900, 1, 1)

_PROGRAM_OFFERINGS = "/programs/{programId}/offerings"


@dataclass(frozen=True)
class Rejected:
    """An item that failed its schema: quarantine ``raw``; ``record`` is what it stood for."""

    #: The item's OOAPI schema name, e.g. ``ProgramOffering``.
    schema: str
    raw: Any
    errors: list[SchemaError]
    #: A mapping record naming the entities the item stands for, or None when unknown.
    record: dict[str, Any] | None
    #: The record kind it belongs to (``program``, ``course``, ``educationSpecification``).
    record_kind: str


@dataclass(frozen=True)
class SourceRecord:
    """One whole record as read: map ``records``, quarantine ``rejected``, unless ``known``."""

    #: ``program``, ``course`` or ``educationSpecification``.
    kind: str
    #: ``<kind>/<id>``, the same in every run; None when the record has no usable id.
    key: str | None
    #: The digest of everything the mapping reads for the record (see the module docstring).
    digest: str
    #: Mapping records of its valid items (a program's may hold orphan offerings too).
    records: list[dict[str, Any]] = field(default_factory=list)
    #: Its items that failed their schema.
    rejected: list[Rejected] = field(default_factory=list)
    #: The caller knew the digest: nothing was validated, ``records`` is empty.
    known: bool = False


def record_digest(salt: bytes, kind: str, documents: list[Any]) -> str:
    """BLAKE2b (256 bits, hex) of ``salt``, the record kind and its documents as parsed."""
    digest = hashlib.blake2b(salt, digest_size=32)
    digest.update(b"\x1f" + kind.encode())
    for document in documents:
        digest.update(b"\x1e" + json.dumps(document).encode())
    return digest.hexdigest()


class OoapiCatalogueSource:
    """Streams the catalogue records of one endpoint.

    Example::

        source = OoapiCatalogueSource(client, ooapi_schemas(standards), since=None)
        for section in source.sections():
            for item in section:
                if item.known: ...                  # unchanged since it was last applied
                for bad in item.rejected: quarantine(bad)
                for record in item.records: map(record)

    Args:
        client: the endpoint's client.
        schemas: the official OOAPI schemas.
        since: the ``since`` of offering requests; None reads every offering.
        salt: whatever else decides what the records become (the caller's mapping version,
            tenant, source); part of every digest.
        known: ``known(key, digest)`` is true when the caller remembers what a record with
            that digest became; such a record is neither validated nor built.
    """

    def __init__(self, client: OoapiClient, schemas: OoapiSchemas, *,
                 since: date | None = None, salt: bytes = b"",
                 known: Callable[[str, str], bool] = lambda key, digest: False) -> None:
        self.client = client
        self.schemas = schemas
        self.since = since or ALL_OFFERINGS_SINCE
        self.salt = salt
        self.known = known
        #: Items read from the endpoint so far, valid or not.
        self.fetched = 0

    def sections(self) -> list[Iterator[SourceRecord]]:
        """The records list by list, parents first; nothing is requested before iterating.

        A caller that writes in batches writes each list's rest when it ends, so a failure
        in a later list does not take the earlier lists' changes with it.
        """
        return [self._simple("/education-specifications", "educationSpecification",
                             "educationSpecificationId"),
                self._programs(),
                self._simple("/courses", "course", "courseId")]

    def _items(self, path: str, params: dict[str, str | int] | None = None) -> Iterator[Any]:
        for item in self.client.items(path, params):
            self.fetched += 1
            yield item

    def _schema(self, path_template: str) -> str:
        schema = self.schemas.item_schema_name(path_template)
        if schema is None:  # pragma: no cover - the paths above are all official lists
            raise AssertionError(f"{path_template} is not a paged list of OOAPI v5")
        return schema

    def _simple(self, path: str, kind: str, id_field: str) -> Iterator[SourceRecord]:
        schema = self._schema(path)
        for item in self._items(path):
            ident = item.get(id_field) if isinstance(item, dict) else None
            key = _key(kind, ident)
            digest = record_digest(self.salt, kind, [item])
            if key is not None and self.known(key, digest):
                yield SourceRecord(kind, key, digest, known=True)
                continue
            errors = self.schemas.validate(schema, item)
            if not errors:
                yield SourceRecord(kind, key, digest, [record(kind, item)])
                continue
            stands_for = record(kind, item) if isinstance(ident, str) else None
            yield SourceRecord(kind, key, digest,
                               rejected=[Rejected(schema, item, errors, stands_for, kind)])

    def _programs(self) -> Iterator[SourceRecord]:
        schema, offering_schema = self._schema("/programs"), self._schema(_PROGRAM_OFFERINGS)
        for program in self._items("/programs"):
            pid = program.get("programId") if isinstance(program, dict) else None
            if not isinstance(pid, str) or not pid:
                errors = self.schemas.validate(schema, program) or [_no_id()]
                yield SourceRecord("program", None, record_digest(self.salt, "program", [program]),
                                   rejected=[Rejected(schema, program, errors, None, "program")])
                continue
            path = resource_path("programs", pid, "offerings")
            offerings = list(self._items(path, {"since": self.since.isoformat()}))
            key = f"program/{pid}"
            digest = record_digest(self.salt, "program", [program, *offerings])
            if self.known(key, digest):
                yield SourceRecord("program", key, digest, known=True)
                continue
            yield self._program(program, offerings, key, digest, schema, offering_schema)

    def _program(self, program: dict[str, Any], offerings: list[Any], key: str,
                 digest: str, schema: str, offering_schema: str) -> SourceRecord:
        errors = self.schemas.validate(schema, program)
        valid: list[dict[str, Any]] = []
        rejected: list[Rejected] = []
        for offering in offerings:
            problems = self.schemas.validate(offering_schema, offering)
            if not problems:
                valid.append(offering)
                continue
            known = isinstance(offering, dict) and bool(offering.get("offeringId"))
            rejected.append(Rejected(offering_schema, offering, problems,
                                     _program_record(program, [offering]) if known else None,
                                     "program"))
        if errors:  # the program is bad: its offerings cannot be mapped without it
            rejected.insert(0, Rejected(schema, program, errors,
                                        _program_record(program, valid), "program"))
            return SourceRecord("program", key, digest, rejected=rejected)
        return SourceRecord("program", key, digest, program_records([program], valid), rejected)


def _key(kind: str, ident: Any) -> str | None:
    return f"{kind}/{ident}" if isinstance(ident, str) and ident else None


def _program_record(program: dict[str, Any], offerings: list[Any]) -> dict[str, Any]:
    return {"kind": "program", "program": program, "offerings": offerings}


def _no_id() -> SchemaError:
    return SchemaError(pointer="/programId", message="programId is required",
                       schema_path="ooapi-v5/ooapi.json#/components/schemas/ProgramId/required")
