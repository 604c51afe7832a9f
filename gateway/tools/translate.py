"""``gateway translate``: the RIO requests the gateway would send for an OOAPI document.

A dry run for people whose mapping goes wrong: the document passes through the same steps
as a sync and a delivery (official OOAPI schema, :mod:`gateway.mappings.ooapi_v5_in`,
:func:`gateway.mappings.rio_v4.build_aanleveren` with its XSD check), and the requests come
back instead of being sent. Nothing is stored.

    bodies = translate("ooapi-v5", "rio-v4", data, tenant, standards, source="eduarte")
    for body in bodies:
        print(body.decode())

The document is a bundle ``{"programs": [...], "offerings": [...]}`` (each list may be a
page), a single Program, or a page of programs (see :mod:`gateway.tools.ooapi_documents`).
``source`` should be the configured source's name: canonical ids, and with them RIO's
``aangebodenOpleidingCode``, derive from it. Every problem found is raised at once in one
``ValidationError`` whose ``errors`` list each location and reason.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from gateway.adapters.rio.document import DUO_OIN
from gateway.adapters.rio.values import ValueLists
from gateway.adapters.standards import Standards
from gateway.domain.catalogue import Cohort, ProgrammeOffering
from gateway.errors import GatewayError, SkippableRecordError, ValidationError
from gateway.mappings.ooapi_v5_in import program_records, to_canonical
from gateway.mappings.rio_v4 import build_aanleveren
from gateway.settings import TenantConfig
from gateway.tools.ooapi_documents import BUNDLE_KEYS, document_parts, read_json
from gateway.tools.validate import validate

__all__ = ["TRANSLATIONS", "translate"]

#: (from, to) pairs ``translate`` knows, as the CLI names them.
TRANSLATIONS = (("ooapi-v5", "rio-v4"),)


def translate(
    from_: str,
    to: str,
    document: bytes,
    tenant: TenantConfig,
    standards: Standards,
    *,
    source: str = "translate",
    values: ValueLists | None = None,
    receiver_oin: str = DUO_OIN,
    sent_at: datetime | None = None,
) -> list[bytes]:
    """The RIO V4 requests for the programme offerings an OOAPI v5 document describes.

    Args:
        from_: ``"ooapi-v5"``.
        to: ``"rio-v4"``.
        document: the OOAPI document's bytes.
        tenant: the institution the document belongs to (OIN, onderwijsaanbiedercode).
        standards: where the official files are.
        source: the source system's name, as configured (it decides the canonical ids).
        values: DUO's value lists; the packaged ones when None.
        receiver_oin: DUO's OIN.
        sent_at: ``datumTijdBedrijfsdocument`` of the requests; now when None.

    Returns:
        One ``aanleveren_aangebodenOpleiding_request`` per programme offering (crebo x
        leerweg x location) with all its cohorts, ordered by the offering's source id;
        each one validated against DUO's XSD.

    Raises:
        ValidationError: the pair is not supported, or the document fails the OOAPI schema,
            the mapping or RIO's rules; ``errors`` lists every problem with its location.
        ConfigurationError: the tenant lacks what RIO needs, or the official files are
            missing.
    """
    if (from_, to) not in TRANSLATIONS:
        raise ValidationError(f"cannot translate {from_} to {to}; supported: "
                              + ", ".join(f"{a} -> {b}" for a, b in TRANSLATIONS))
    schema_errors = validate(from_, document, standards)
    if schema_errors:
        raise ValidationError(
            f"the OOAPI document fails the official schema ({len(schema_errors)} error(s)); "
            f"first: {schema_errors[0]}",
            path=schema_errors[0].location, errors=[e.as_dict() for e in schema_errors],
        )
    offerings, cohorts = _canonical(_records(read_json(document)), tenant, source)
    bodies: list[bytes] = []
    problems: list[dict[str, Any]] = []
    for offering in sorted(offerings, key=lambda o: o.source.id):
        try:
            bodies.append(build_aanleveren(
                tenant, offering, cohorts[offering.id], standards=standards, values=values,
                receiver_oin=receiver_oin, sent_at=sent_at,
            ))
        except ValidationError as exc:
            problems += [{**e, "path": f"offering {offering.source.id}: {e.get('path', '')}"}
                         for e in exc.errors]
    if problems:
        raise ValidationError(f"{len(problems)} offering(s) cannot go to RIO; first: "
                              f"{problems[0]['path']}: {problems[0]['message']}",
                              path=problems[0]["path"], errors=problems)
    return bodies


def _records(document: Any) -> list[dict[str, Any]]:
    programs: list[Any] = []
    offerings: list[Any] = []
    for _, schema, part in document_parts(document):
        if schema == BUNDLE_KEYS["programs"]:
            programs.append(part)
        elif schema == BUNDLE_KEYS["offerings"] and part.get("offeringType") == "program":
            offerings.append(part)
    if not programs:
        raise ValidationError("the document holds no OOAPI program to translate", path="/")
    return program_records(programs, offerings)


def _canonical(
    records: list[dict[str, Any]], tenant: TenantConfig, source: str
) -> tuple[list[ProgrammeOffering], dict[Any, list[Cohort]]]:
    offerings: list[ProgrammeOffering] = []
    cohorts: dict[Any, list[Cohort]] = defaultdict(list)
    problems: list[dict[str, Any]] = []
    for record in records:
        program = record.get("program") or {}
        where = f"program {program.get('programId') or record.get('programId')}"
        try:
            entities = to_canonical(tenant.id, source, record)
        except SkippableRecordError as exc:
            problems.append({"path": f"{where}: {exc.path}", "message": exc.message})
            continue
        except GatewayError as exc:
            problems.append({"path": where, "message": exc.message})
            continue
        for entity in entities:
            if isinstance(entity, ProgrammeOffering):
                offerings.append(entity)
            elif isinstance(entity, Cohort):
                cohorts[entity.offering_id].append(entity)
    if problems:
        raise ValidationError(f"{len(problems)} OOAPI program(s) cannot be mapped; first: "
                              f"{problems[0]['path']}: {problems[0]['message']}",
                              path=problems[0]["path"], errors=problems)
    return offerings, cohorts
