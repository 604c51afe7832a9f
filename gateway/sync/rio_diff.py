"""What differs between the gateway's catalogue of a tenant and what RIO holds: a pure function.

The gateway's side is turned into RIO's terms by the very builder that makes deliveries
(:func:`gateway.mappings.rio_v4.aangeboden_mbo_opleiding`) and read back with the reader
that reads RIO's answers, so both sides are compared as RIO codes, dates and texts.

    diff = rio_diff(tenant, stored_offerings, stored_cohorts, rio_offerings)
    diff.in_sync                      -> False
    for line in diff.lines(): print(line)

Differences per offering (keyed by ``aangebodenOpleidingCode`` = canonical offering id):
``missing-in-rio``, ``extra-in-rio`` (RIO holds it, the gateway has none or deleted it),
``different`` (fields and/or cohorts differ), ``not-deliverable`` (the gateway's offering
cannot be mapped; the reason says why). Cohorts (keyed by cohort code) have the first three.
Fetching RIO's side (opvragen) is the transport's job; this module does no I/O.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from gateway.adapters.rio.aangeboden_opleiding import RioCohort, RioOffering
from gateway.adapters.rio.aangeboden_opleiding import read_aangeboden_opleiding as _read
from gateway.adapters.rio.values import ValueLists, load_value_lists
from gateway.domain.catalogue import Cohort, ProgrammeOffering
from gateway.errors import GatewayError
from gateway.mappings.rio_full_state import select_cohorts
from gateway.mappings.rio_v4 import aangeboden_mbo_opleiding
from gateway.settings import TenantConfig
from gateway.store.entities import StoredEntity

__all__ = [
    "CohortDifference",
    "FieldDifference",
    "OfferingDifference",
    "RioDiff",
    "expected_rio_state",
    "rio_diff",
]

Kind = Literal["missing-in-rio", "extra-in-rio", "different", "not-deliverable"]


@dataclass(frozen=True)
class FieldDifference:
    field: str
    gateway: Any
    rio: Any


@dataclass(frozen=True)
class CohortDifference:
    code: str
    kind: Kind
    fields: tuple[FieldDifference, ...] = ()


@dataclass(frozen=True)
class OfferingDifference:
    code: str
    kind: Kind
    fields: tuple[FieldDifference, ...] = ()
    cohorts: tuple[CohortDifference, ...] = ()
    reason: str = ""


@dataclass(frozen=True)
class RioDiff:
    """The differences, ordered by offering code; ``compared`` counts offerings on either side."""

    tenant: str
    compared: int
    differences: tuple[OfferingDifference, ...] = field(default_factory=tuple)

    @property
    def in_sync(self) -> bool:
        return not self.differences

    def lines(self) -> list[str]:
        """Human-readable lines, one per difference, for the CLI."""
        out: list[str] = []
        for diff in self.differences:
            out.append(f"{diff.code}: {diff.kind}" + (f" ({diff.reason})" if diff.reason else ""))
            out += [f"  {f.field}: gateway={f.gateway!r} rio={f.rio!r}" for f in diff.fields]
            for cohort in diff.cohorts:
                out.append(f"  cohort {cohort.code}: {cohort.kind}")
                out += [f"    {f.field}: gateway={f.gateway!r} rio={f.rio!r}"
                        for f in cohort.fields]
        return out


def _fields(gateway: Mapping[str, Any], rio: Mapping[str, Any]) -> tuple[FieldDifference, ...]:
    names = sorted(set(gateway) | set(rio))
    return tuple(FieldDifference(n, gateway.get(n), rio.get(n)) for n in names
                 if gateway.get(n) != rio.get(n))


def _cohorts(
    gateway: Mapping[str, RioCohort], rio: Mapping[str, RioCohort]
) -> tuple[CohortDifference, ...]:
    found: list[CohortDifference] = []
    for code in sorted(set(gateway) | set(rio)):
        if code not in rio:
            found.append(CohortDifference(code, "missing-in-rio"))
        elif code not in gateway:
            found.append(CohortDifference(code, "extra-in-rio"))
        elif fields := _fields(gateway[code].comparable(), rio[code].comparable()):
            found.append(CohortDifference(code, "different", fields))
    return tuple(found)


def expected_rio_state(
    tenant: TenantConfig,
    offerings: Iterable[ProgrammeOffering | StoredEntity],
    cohorts: Iterable[Cohort | StoredEntity],
    *,
    values: ValueLists | None = None,
) -> tuple[dict[str, RioOffering], dict[str, str]]:
    """What RIO should hold for the tenant's live offerings, in RIO's terms.

    Returns:
        ``(expected, failures)``: offering code -> :class:`RioOffering`, and offering code ->
        the reason an offering cannot be mapped (it is left out of ``expected``).
    """
    values = values or load_value_lists()
    by_offering: dict[str, list[Cohort | StoredEntity]] = defaultdict(list)
    for cohort in cohorts:
        owner = cohort.state.get("offering_id") if isinstance(cohort, StoredEntity) else (
            cohort.offering_id)
        by_offering[str(owner)].append(cohort)
    expected: dict[str, RioOffering] = {}
    failures: dict[str, str] = {}
    for item in offerings:
        if isinstance(item, StoredEntity):
            if item.deleted:
                continue
            offering = ProgrammeOffering.model_validate(item.state)
        else:
            offering = item
        code = str(offering.id)
        try:
            chosen = select_cohorts(offering, by_offering.get(code, ())).cohorts
            expected[code] = _read(aangeboden_mbo_opleiding(tenant, offering, chosen, values))
        except GatewayError as exc:
            failures[code] = exc.message
    return expected, failures


def rio_diff(
    tenant: TenantConfig,
    offerings: Iterable[ProgrammeOffering | StoredEntity],
    cohorts: Iterable[Cohort | StoredEntity],
    rio: Iterable[RioOffering],
    *,
    values: ValueLists | None = None,
) -> RioDiff:
    """Compare the tenant's stored offerings and cohorts with RIO's offerings.

    Args:
        tenant: the institution.
        offerings: its stored offerings (rows or entities; deleted rows are expected absent).
        cohorts: its stored cohorts (rows or entities, any offering).
        rio: what opvragen returned (one :class:`RioOffering` per aangeboden opleiding).
        values: DUO's value lists; the packaged ones when None.

    Returns:
        Every difference, ordered by offering code.
    """
    expected, failures = expected_rio_state(tenant, offerings, cohorts, values=values)
    actual = {o.code: o for o in rio}
    found: list[OfferingDifference] = []
    for code in sorted(set(expected) | set(actual) | set(failures)):
        if code in failures:
            found.append(OfferingDifference(code, "not-deliverable", reason=failures[code]))
        elif code not in actual:
            found.append(OfferingDifference(code, "missing-in-rio"))
        elif code not in expected:
            found.append(OfferingDifference(code, "extra-in-rio"))
        else:
            ours, theirs = expected[code], actual[code]
            fields = _fields(ours.comparable(), theirs.comparable())
            cohort_diffs = _cohorts(ours.cohorts, theirs.cohorts)
            if fields or cohort_diffs:
                found.append(OfferingDifference(code, "different", fields, cohort_diffs))
    return RioDiff(tenant.id, len(set(expected) | set(actual) | set(failures)), tuple(found))
