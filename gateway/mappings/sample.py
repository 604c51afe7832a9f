"""The sample school's JSON records -> canonical offerings and cohorts (demo source)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from gateway.domain import Cohort, Entity, ProgrammeOffering, SourceRef

__all__ = ["KINDS", "identify", "to_canonical"]

#: Parents before children, so consumers see an offering before its cohorts.
KINDS = (ProgrammeOffering.kind, Cohort.kind)


def to_canonical(tenant: str, source_system: str, raw: dict[str, Any]) -> Sequence[Entity]:
    offering = ProgrammeOffering.create(
        tenant=tenant,
        source=SourceRef(system=source_system, id=raw["id"]),
        crebo=raw["crebo"],
        leerweg=raw["leerweg"],
        level=raw["level"],
        location=raw["location"],
        valid_from=raw["valid_from"],
        name=raw["name"],
    )
    cohorts = [
        Cohort.create(
            tenant=tenant,
            source=SourceRef(system=source_system, id=f"{raw['id']}/{c['code']}"),
            offering_id=offering.id,
            code=c["code"],
            status="open",
            application_start=c["application_start"],
            application_end=c.get("application_end"),
            start_date=c["start_date"],
            capacity=c.get("capacity"),
        )
        for c in raw.get("cohorts", [])
    ]
    return [offering, *cohorts]


def identify(raw: dict[str, Any]) -> Sequence[tuple[str, str]]:
    """The (kind, source id) pairs a record stands for, even when it does not validate."""
    ident = str(raw["id"])
    return [(ProgrammeOffering.kind, ident)] + [
        (Cohort.kind, f"{ident}/{c['code']}") for c in raw.get("cohorts", [])
    ]
