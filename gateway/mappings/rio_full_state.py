"""RIO deliveries are full state: choose an offering's cohorts, and refuse to drop one.

An ``aanleveren_aangebodenOpleiding`` replaces everything RIO holds for the offering: a
cohort left out is deleted by RIO, with the applications (aanmeldingen) hanging on it. So a
delivery is built from the offering's complete stored cohort set, never from "what changed",
and it is refused when it would drop a cohort that RIO holds and the store did not delete.

    selection = select_cohorts(offering, stored_cohorts, held_by_rio={"2025-BOL"})
    selection.cohorts   -> the live cohorts to send, ordered by code
    selection.removed   -> codes the store deleted (RIO may drop those)

Pass the store's rows with their deletion flag (``store.list(tenant, "cohort",
include_deleted=True)``; rows of other offerings are skipped), or plain ``Cohort`` entities
when none were deleted.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

from gateway.domain.catalogue import Cohort, ProgrammeOffering
from gateway.errors import DomainRuleError
from gateway.store.entities import StoredEntity

__all__ = ["CohortSelection", "FullStateViolation", "select_cohorts"]


class FullStateViolation(DomainRuleError):
    """The delivery would drop or clash cohorts that RIO should keep; it is not built."""

    code = "rio-full-state-violated"


@dataclass(frozen=True)
class CohortSelection:
    """The cohorts a full-state delivery carries, and the codes deliberately left out."""

    cohorts: tuple[Cohort, ...]
    removed: frozenset[str]

    @property
    def codes(self) -> frozenset[str]:
        return frozenset(c.code for c in self.cohorts)


def select_cohorts(
    offering: ProgrammeOffering,
    cohorts: Iterable[Cohort | StoredEntity],
    *,
    held_by_rio: Collection[str] | None = None,
) -> CohortSelection:
    """The offering's complete cohort set for a delivery, checked against what RIO holds.

    Args:
        offering: the offering being delivered.
        cohorts: the stored cohorts (rows with deletion flags, or entities); cohorts of other
            offerings are skipped, so a tenant-wide list will do.
        held_by_rio: cohort codes RIO holds for this offering now (from the last accepted
            delivery or from opvragen); None when unknown (first delivery).

    Returns:
        The live cohorts ordered by code, and the codes of cohorts the store deleted.

    Raises:
        FullStateViolation: two live cohorts share a code, a cohort belongs to another
            tenant, or RIO holds a cohort code that is neither live nor deleted in ``cohorts``
            (a partial set: sending it would delete that cohort in RIO).
    """
    live: dict[str, Cohort] = {}
    removed: set[str] = set()
    for item in cohorts:
        if isinstance(item, StoredEntity):
            if item.kind != Cohort.kind:
                raise FullStateViolation(f"expected stored cohorts, got a {item.kind}")
            if str(item.state.get("offering_id")) != str(offering.id):
                continue
            if item.deleted:
                removed.add(str(item.state["code"]))
                continue
            cohort = Cohort.model_validate(item.state)
        elif item.offering_id != offering.id:
            continue
        else:
            cohort = item
        if cohort.tenant != offering.tenant:
            raise FullStateViolation(
                f"cohort {cohort.id} belongs to tenant {cohort.tenant}, "
                f"not {offering.tenant}"
            )
        if cohort.code in live and live[cohort.code].id != cohort.id:
            raise FullStateViolation(
                f"offering {offering.id} has two cohorts with code {cohort.code!r} "
                f"({live[cohort.code].id}, {cohort.id}); RIO would keep only one",
                path=f"cohort/{cohort.code}",
            )
        live[cohort.code] = cohort
    removed -= set(live)  # deleted and re-created under the same code: it stays
    if held_by_rio is not None:
        dropped = sorted(set(held_by_rio) - set(live) - removed)
        if dropped:
            raise FullStateViolation(
                f"delivery of offering {offering.id} would delete cohort(s) {dropped} that "
                "RIO holds and the store did not delete; pass the offering's complete "
                "stored cohort set",
                path="aangebodenMboOpleidingCohort",
                dropped=dropped,
            )
    ordered = tuple(live[code] for code in sorted(live))
    return CohortSelection(cohorts=ordered, removed=frozenset(removed))
