"""The simulated SIS catalogue: realistic, deterministic, sized on request, changing on request."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from typing import Any

import pytest

from gateway.adapters.ooapi import ooapi_schemas
from gateway.adapters.standards import Standards
from simulators.ooapi_sis.generator import SisCatalogue

TODAY = date(2026, 11, 22)


def _consumer(doc: dict[str, Any], key: str) -> dict[str, Any]:
    return next(e for e in doc["consumers"] if e["consumerKey"] == key)


def _program_offerings(catalogue: SisCatalogue) -> list[dict[str, Any]]:
    return [o for o in catalogue.offerings.values() if o["offeringType"] == "program"]


def test_the_same_seed_gives_the_same_catalogue() -> None:
    one, two = (SisCatalogue(50, seed=3, today=TODAY) for _ in range(2))
    assert one.offerings == two.offerings and one.programs == two.programs
    assert one.courses == two.courses
    assert SisCatalogue(50, seed=4, today=TODAY).offerings != one.offerings


def test_size_counts_programme_offerings_with_their_cohorts_and_courses() -> None:
    catalogue = SisCatalogue(300, seed=1, cohorts=3, courses=700, today=TODAY)
    offerings = _program_offerings(catalogue)
    triples = Counter(
        (catalogue.programs[o["program"]]["otherCodes"][0]["code"],
         catalogue.programs[o["program"]]["modeOfStudy"] == "full-time",
         _consumer(o, "nl-test-admin")["location"]) for o in offerings)
    assert len(triples) == 300 and set(triples.values()) == {3}
    assert len(catalogue.courses) == 700
    assert len(catalogue.offerings) == 300 * 3 + 700  # one offering per course


def test_documents_look_like_an_mbo_school() -> None:
    catalogue = SisCatalogue(120, seed=2, today=TODAY)
    for spec in catalogue.education_specifications.values():
        assert re.fullmatch(r"\d{5}", spec["primaryCode"]["code"])
        assert spec["levelOfQualification"] in {"1", "2", "3", "4"} and spec["name"]
    modes = Counter(p["modeOfStudy"] for p in catalogue.programs.values())
    assert set(modes) == {"full-time", "part-time", "dual training"}
    code_types = Counter(p["otherCodes"][0]["codeType"] for p in catalogue.programs.values())
    assert set(code_types) == {"crohoCreboCode", "nationalEducationCode"}
    for offering in _program_offerings(catalogue):
        admin = _consumer(offering, "nl-test-admin")
        assert re.fullmatch(r"\d{3}X\d{3}", admin["location"])
        start = int(offering["startDate"][:4])
        assert admin["cohort"] == f"{start}-{start + 1}"
        assert offering["enrollStartDate"] < offering["startDate"] < offering["endDate"]
        assert offering["startDate"] > TODAY.isoformat()
    flexible = [o for o in _program_offerings(catalogue) if "flexibleEntryPeriodStart" in o]
    assert flexible and all(o["flexibleEntryPeriodStart"] < o["flexibleEntryPeriodEnd"]
                            for o in flexible)
    keuzedelen = [c for c in catalogue.courses.values() if "otherCodes" in c]
    assert keuzedelen and all(re.fullmatch(r"K\d{4}", c["otherCodes"][0]["code"])
                              for c in keuzedelen)
    assert any(c["otherCodes"][0]["code"] == "K0080" for c in keuzedelen)


def test_mutations_are_reproducible_and_counted() -> None:
    one, two = (SisCatalogue(40, seed=8, today=TODAY) for _ in range(2))
    changes = one.mutate(25)
    assert changes == two.mutate(25) and len(changes) == 25
    assert one.offerings == two.offerings and one.version == 1
    kinds = {c.split(" ")[0] for c in changes}
    assert {"capacity", "program", "course", "new", "offering"} <= kinds


def test_a_withdrawn_offering_is_gone_and_a_new_cohort_is_the_next_year() -> None:
    catalogue = SisCatalogue(20, seed=5, today=TODAY)
    before = dict(catalogue.offerings)
    present = set(before)
    new_years: dict[str, str] = {}
    for change in catalogue.mutate(40):
        if change.endswith("withdrawn"):
            present.discard(change.split(" ")[1])
        if change.startswith("new cohort"):
            ident = change.rsplit(" ", 1)[1]
            assert ident not in present
            present.add(ident)
            new_years[ident] = change.split(" ")[2][:4]
    assert present == set(catalogue.offerings)
    assert new_years and present != set(before)
    for ident, year in new_years.items():
        if ident in catalogue.offerings:
            assert catalogue.offerings[ident]["startDate"].startswith(year)


@pytest.mark.slow
def test_ten_thousand_offerings_are_generated_valid_and_distinct(standards: Standards) -> None:
    catalogue = SisCatalogue(10_000, seed=1, cohorts=3, today=TODAY)
    offerings = _program_offerings(catalogue)
    assert len(offerings) == 30_000
    assert len({o["offeringId"] for o in offerings}) == 30_000
    schemas = ooapi_schemas(standards)
    invalid = [o["offeringId"] for o in catalogue.offerings.values()
               if schemas.validate("Offering", o)]
    assert invalid == []
