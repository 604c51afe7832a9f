"""The dry-run tools: translate OOAPI -> RIO requests, and validate documents with locations."""

from __future__ import annotations

import copy
import json
from datetime import date
from typing import Any

import pytest

from gateway.adapters.standards import Standards
from gateway.errors import ConfigurationError, ValidationError
from gateway.mappings.rio_v4 import build_verwijderen
from gateway.tools.translate import translate
from gateway.tools.validate import validate
from simulators.ooapi_sis.generator import SisCatalogue
from tests import factories
from tests.unit.rio_support import SENT_AT, TENANT, assert_valid_independently, find


def _bundle(offerings: int = 3) -> dict[str, Any]:
    catalogue = SisCatalogue(offerings=offerings, seed=4, cohorts=2, today=date(2026, 3, 1))
    programs = list(catalogue.programs.values())
    items = [catalogue.offerings[o] for p in programs
             for o in catalogue.offerings_of_program[p["programId"]]]
    return {"programs": programs, "offerings": items}


def _bytes(document: Any) -> bytes:
    return json.dumps(document).encode()


def test_translate_gives_one_valid_full_state_request_per_programme_offering(
    standards: Standards,
) -> None:
    bundle = _bundle()
    bodies = translate("ooapi-v5", "rio-v4", _bytes(bundle), TENANT, standards,
                       source="sis", sent_at=SENT_AT)
    locations = {(p["programId"], c["consumers"][0]["location"])
                 for p in bundle["programs"] for c in bundle["offerings"]
                 if c["program"] == p["programId"]}
    assert len(bodies) == len(locations) >= 1
    for body in bodies:
        assert_valid_independently(body, standards)
    cohort_codes = sorted(code for body in bodies for code in find(body, "//duo:cohortcode"))
    expected = sorted(c["consumers"][0]["cohort"] for c in bundle["offerings"])
    assert cohort_codes == expected
    again = translate("ooapi-v5", "rio-v4", _bytes(bundle), TENANT, standards, source="sis",
                      sent_at=SENT_AT)
    codes = [find(b, "//duo:aangebodenOpleidingCode") for b in bodies]
    assert codes == [find(b, "//duo:aangebodenOpleidingCode") for b in again]
    other = translate("ooapi-v5", "rio-v4", _bytes(bundle), TENANT, standards, source="eduarte")
    assert codes != [find(b, "//duo:aangebodenOpleidingCode") for b in other]


def test_translate_reports_schema_and_mapping_problems_with_locations(
    standards: Standards,
) -> None:
    bundle = _bundle()
    broken = copy.deepcopy(bundle)
    broken["programs"][0]["name"] = "not a list of language strings"
    with pytest.raises(ValidationError, match="fails the official schema") as schema:
        translate("ooapi-v5", "rio-v4", _bytes(broken), TENANT, standards)
    assert schema.value.errors[0]["path"] == "/programs/0/name"
    unmappable = copy.deepcopy(bundle)
    unmappable["programs"][0]["otherCodes"] = []  # no crebo
    with pytest.raises(ValidationError, match="cannot be mapped") as mapping:
        translate("ooapi-v5", "rio-v4", _bytes(unmappable), TENANT, standards)
    assert "crebo" in mapping.value.errors[0]["message"].lower()
    assert mapping.value.errors[0]["path"].startswith(
        f"program {bundle['programs'][0]['programId']}: /program")
    with pytest.raises(ValidationError, match="supported: ooapi-v5 -> rio-v4"):
        translate("rio-v4", "ooapi-v5", b"{}", TENANT, standards)
    with pytest.raises(ValidationError, match="no OOAPI program"):
        translate("ooapi-v5", "rio-v4", _bytes({"programs": []}), TENANT, standards)


def test_translate_reports_what_rio_cannot_hold(standards: Standards) -> None:
    bundle = _bundle(offerings=1)
    bundle["programs"][0]["teachingLanguage"] = "xyz"  # valid OOAPI, not on DUO's list
    with pytest.raises(ValidationError, match="cannot go to RIO") as caught:
        translate("ooapi-v5", "rio-v4", _bytes(bundle), TENANT, standards)
    assert "voertaal" in caught.value.errors[0]["message"]


def test_validate_rio_messages(standards: Standards) -> None:
    good = build_verwijderen(TENANT, factories.offering(), standards=standards, sent_at=SENT_AT)
    assert validate("rio-v4", good, standards) == []
    bad = good.replace(b"<duo:aangebodenOpleidingCode>",
                       b"\n<duo:aangebodenOpleidingCode>x").replace(b"-", b"")
    errors = validate("rio-v4", bad, standards)
    assert errors and all(e.location.startswith("/duo:") for e in errors)
    assert any(e.line == 2 for e in errors)
    assert "(line 2)" in str(next(e for e in errors if e.line == 2))
    (refused,) = validate("rio-v4", b'<!DOCTYPE a [<!ENTITY b "c">]><a>&b;</a>', standards)
    assert refused.message.startswith("refused")


def test_validate_ooapi_documents(standards: Standards) -> None:
    bundle = _bundle(offerings=1)
    program = bundle["programs"][0]
    assert validate("ooapi-v5", _bytes(program), standards) == []
    assert validate("ooapi-v5", _bytes(bundle), standards) == []
    page = {"pageSize": 10, "pageNumber": 1, "hasPreviousPage": False, "hasNextPage": False,
            "items": [program, {**program, "programType": "nonsense"}]}
    (error,) = validate("ooapi-v5", _bytes(page), standards)
    assert error.location == "/items/1/programType"
    assert error.schema_path.startswith("ooapi-v5/ooapi.json#/components/schemas/")
    (unknown,) = validate("ooapi-v5", b'{"what": 1}', standards)
    assert "cannot tell" in unknown.message
    assert validate("ooapi-v5", _bytes(program), standards, schema="Program") == []
    (not_json,) = validate("ooapi-v5", b'{"a":\n  oops}', standards)
    assert "line 2" in not_json.message
    with pytest.raises(ConfigurationError, match="unknown standard"):
        validate("hodex", b"", standards)
    with pytest.raises(ConfigurationError, match="no schema 'Nope'"):
        validate("ooapi-v5", b"{}", standards, schema="Nope")
