"""The catalogue of an OOAPI v5 endpoint as mapping records, each item schema-checked first.

Reads, in the order consumers should see them (parents first):

1. ``/education-specifications`` -> ``educationSpecification`` records (qualifications);
2. ``/programs`` and, per program, ``/programs/{programId}/offerings`` -> one ``program``
   record per program with its offerings (the shape :mod:`gateway.mappings.ooapi_v5_in`
   maps to programme offerings and cohorts); one program's offerings are in memory at a
   time;
3. ``/courses`` -> ``course`` records (modules and keuzedelen).

Every item is validated against its official schema (``Program``, ``ProgramOffering``,
...) before it joins a record. An item that fails comes out as :class:`Rejected` with its
raw payload and the schema errors, plus, when it can be told, the record it would have
been part of, so the sync keeps the last good version of what it stands for.

OOAPI v5 has no change feed: its ``since`` parameter (on offering lists only) filters on
the start of the offering's academic session. A full read asks for every offering
(``since`` far in the past); an incremental read passes the day of the last sync.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from gateway.adapters.ooapi.client import OoapiClient, resource_path
from gateway.adapters.ooapi.codec import OoapiSchemas
from gateway.adapters.ooapi.schema_errors import SchemaError
from gateway.mappings.ooapi_v5_in import program_records, record

__all__ = ["ALL_OFFERINGS_SINCE", "OoapiCatalogueSource", "Rejected"]

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


class OoapiCatalogueSource:
    """Streams the catalogue records of one endpoint.

    Example::

        source = OoapiCatalogueSource(client, ooapi_schemas(standards), since=None)
        for item in source.records():
            if isinstance(item, Rejected): quarantine(item)
            else: map(item)

    Args:
        client: the endpoint's client.
        schemas: the official OOAPI schemas.
        since: the ``since`` of offering requests; None reads every offering.
    """

    def __init__(self, client: OoapiClient, schemas: OoapiSchemas, *,
                 since: date | None = None) -> None:
        self.client = client
        self.schemas = schemas
        self.since = since or ALL_OFFERINGS_SINCE
        #: Items read from the endpoint so far, valid or not.
        self.fetched = 0

    def records(self) -> Iterator[dict[str, Any] | Rejected]:
        """Every record and rejected item, parents first (see the module docstring)."""
        yield from self._simple("/education-specifications", "educationSpecification",
                                "educationSpecificationId")
        yield from self._programs()
        yield from self._simple("/courses", "course", "courseId")

    def _checked(self, path_template: str, path: str,
                 params: dict[str, str | int] | None = None) -> Iterator[tuple[Any, list[
                     SchemaError], str]]:
        schema = self.schemas.item_schema_name(path_template)
        if schema is None:  # pragma: no cover - the paths above are all official lists
            raise AssertionError(f"{path_template} is not a paged list of OOAPI v5")
        for item in self.client.items(path, params):
            self.fetched += 1
            yield item, self.schemas.validate(schema, item), schema

    def _simple(self, path: str, kind: str, id_field: str) -> Iterator[
            dict[str, Any] | Rejected]:
        for item, errors, schema in self._checked(path, path):
            if not errors:
                yield record(kind, item)
                continue
            known = isinstance(item, dict) and isinstance(item.get(id_field), str)
            yield Rejected(schema, item, errors, record(kind, item) if known else None, kind)

    def _programs(self) -> Iterator[dict[str, Any] | Rejected]:
        for program, errors, schema in self._checked("/programs", "/programs"):
            pid = program.get("programId") if isinstance(program, dict) else None
            if not isinstance(pid, str) or not pid:
                yield Rejected(schema, program, errors or [_no_id()], None, "program")
                continue
            offerings: list[dict[str, Any]] = []
            rejected: list[Rejected] = []
            path = resource_path("programs", pid, "offerings")
            for offering, problems, kind in self._checked(
                    _PROGRAM_OFFERINGS, path, {"since": self.since.isoformat()}):
                if not problems:
                    offerings.append(offering)
                    continue
                known = isinstance(offering, dict) and bool(offering.get("offeringId"))
                rejected.append(Rejected(kind, offering, problems,
                                         _program_record(program, [offering]) if known else None,
                                         "program"))
            if errors:  # the program is bad: its offerings cannot be mapped without it
                yield Rejected(schema, program, errors, _program_record(program, offerings),
                               "program")
            else:
                yield from program_records([program], offerings)
            yield from rejected


def _program_record(program: dict[str, Any], offerings: list[Any]) -> dict[str, Any]:
    return {"kind": "program", "program": program, "offerings": offerings}


def _no_id() -> SchemaError:
    return SchemaError(pointer="/programId", message="programId is required",
                       schema_path="ooapi-v5/ooapi.json#/components/schemas/ProgramId/required")
