"""RIO V4 messages built and XSD-validated per second, against validating them alone.

The offerings are the simulated school's (2,000 programme offerings with 3 cohorts each,
the catalogue of ``bench.catalogue_sync``), mapped to canonical entities by the gateway's
own OOAPI mapping, before the clock starts.

- raw limit: ``validate_message(xml, standards)`` (the gateway's XSD check against DUO's
  official Beheren XSD, with xmlschema) of the very messages the gateway built; it must
  find no error in any of them.
- gateway: ``build_aanleveren(tenant, offering, cohorts, standards=...)`` per offering:
  full-state check, the XML, and that same XSD validation (a message is never returned
  unvalidated, so the build cannot be timed without it).

The ratio says what building adds to the validation every message needs anyway: 1.0 would
be a build that costs nothing. After a warm-up of ``WARMUP`` messages (schemas loaded, value
lists read) both sides run twice, alternating, and the faster run counts; ``--n`` smaller
than 2,000 takes that many offerings.
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime

from bench.catalogue_common import COHORTS, OFFERINGS, canonical_offerings, sis_catalogue
from bench.catalogue_common import standards as official_standards
from bench.common import heading, row
from gateway.adapters.rio.codec import validate_message
from gateway.adapters.rio.values import ValueLists, load_value_lists
from gateway.adapters.standards import Standards
from gateway.domain import Cohort, ProgrammeOffering
from gateway.mappings.rio_v4 import build_aanleveren
from gateway.settings import TenantConfig
from gateway.testing.postgres import PostgresServer

__all__ = ["run"]

WARMUP = 20
REPEATS = 2
SENT_AT = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
_DOCUMENT_IDS = uuid.UUID("6d0b5a53-2b4c-5d7e-9a1f-72696f62656e")


def build_all(tenant: TenantConfig, items: list[tuple[ProgrammeOffering, list[Cohort]]],
              standards: Standards) -> tuple[list[bytes], float]:
    """Every offering's aanleveren request, built and validated; and the seconds it took."""
    values = load_value_lists()
    start = time.perf_counter()
    messages = [
        build_aanleveren_of(tenant, offering, cohorts, standards, values)
        for offering, cohorts in items
    ]
    return messages, time.perf_counter() - start


def build_aanleveren_of(tenant: TenantConfig, offering: ProgrammeOffering,
                        cohorts: list[Cohort], standards: Standards, values: ValueLists) -> bytes:
    """One offering's request, with a document id and time fixed so runs build alike."""
    return build_aanleveren(tenant, offering, cohorts, standards=standards, values=values,
                            document_id=str(uuid.uuid5(_DOCUMENT_IDS, str(offering.id))),
                            sent_at=SENT_AT)


def validate_all(messages: list[bytes], standards: Standards) -> float:
    """Seconds to XSD-validate ``messages``; every one must be valid."""
    start = time.perf_counter()
    for message in messages:
        errors = validate_message(message, standards)
        assert not errors, f"a built message fails the XSD: {errors[0]}"
    return time.perf_counter() - start


def run(server: PostgresServer, n: int = 20_000) -> None:
    """Build and validate min(``n``, 2,000) offerings' messages (no database is used)."""
    del server
    standards = official_standards()
    catalogue = sis_catalogue(courses=0)
    tenant = TenantConfig(id="bench-roc", name="ROC Midden (bench)", brin=catalogue.brin,
                          onderwijsaanbiedercode=catalogue.aanbieder,
                          oin="00000001999999999000")
    items = canonical_offerings(catalogue, tenant.id)[: min(n, OFFERINGS)]
    assert all(len(cohorts) == COHORTS for _, cohorts in items), "an offering lacks cohorts"
    warm, _ = build_all(tenant, items[:WARMUP], standards)
    validate_all(warm, standards)
    t_build: list[float] = []
    t_validate: list[float] = []
    for _ in range(REPEATS):  # alternating, so a noisy moment does not favour one side
        messages, seconds = build_all(tenant, items, standards)
        t_build.append(seconds)
        t_validate.append(validate_all(messages, standards))
    size = sum(len(m) for m in messages) / len(messages)
    heading(
        f"rio: aanleveren_aangebodenOpleiding_request per offering with its {COHORTS} cohorts, "
        f"validated against DUO's XSD; {len(messages):,} messages, ~{size:,.0f} B each, "
        f"best of {REPEATS}")
    limit = row("raw: validate_message alone (limit)", len(messages), min(t_validate),
                "msgs/s", extra=_runs(t_validate))
    row("gateway: build_aanleveren (build + XSD)", len(messages), min(t_build), "msgs/s",
        limit=limit, extra=_runs(t_build))


def _runs(seconds: list[float]) -> str:
    return "runs: " + ", ".join(f"{s:.2f}" for s in seconds) + " s"
