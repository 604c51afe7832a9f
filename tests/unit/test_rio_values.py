"""DUO value lists: packaged data, operator overrides, lookups that explain their refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.adapters.rio.values import UnknownValueError, load_value_lists
from gateway.adapters.standards import Standards
from gateway.errors import ConfigurationError, DomainRuleError
from gateway.mappings.rio_v4 import build_aanleveren
from tests import factories
from tests.unit.rio_support import TENANT, find


def test_packaged_lists_hold_the_known_codes() -> None:
    lists = load_value_lists()
    assert lists.codes("cohortstatus") == {"O", "G"}
    assert lists.codes("toestemmingVereistVoorAanmelding") == {"JA", "NEE"}
    assert {"KLASSIKAAL", "ONLINE", "KLASSIKAAL_EN_ONLINE"} <= lists.codes("opleidingsvorm")
    assert {"NLD", "ENG"} <= lists.codes("voertaal")
    assert {"BOL", "BBL"} <= lists.codes("leertrajectMBO")
    assert lists.map("cohort_status", "closed") == "G"
    assert lists.map("consent_required", True) == "JA"
    assert lists.map("level", 2) == "MBO-2"
    assert lists.map("mode_of_delivery", "hybrid") == "KLASSIKAAL_EN_ONLINE"
    assert lists.default("voertaal") == "NLD"
    assert lists.check("voertaal", "ENG") == "ENG"
    assert lists.label("cohortstatus", "O").startswith("Open")
    assert lists.lists["cohortstatus"].verified


def test_unknown_codes_are_refused_with_the_allowed_ones() -> None:
    lists = load_value_lists()
    with pytest.raises(UnknownValueError, match=r"'X' is not on the RIO value list cohortstatus "
                                                r"\(allowed: G, O\)") as caught:
        lists.check("cohortstatus", "X")
    assert isinstance(caught.value, DomainRuleError)
    with pytest.raises(UnknownValueError, match="no RIO opleidingsvorm code"):
        lists.map("mode_of_delivery", "telepathy")
    with pytest.raises(ConfigurationError, match="no RIO value list named 'nope'"):
        lists.codes("nope")
    with pytest.raises(ConfigurationError, match="has no default"):
        lists.default("cohortstatus")


def test_an_override_adds_codes_and_replaces_defaults_and_mappings(
    tmp_path: Path, standards: Standards,
) -> None:
    override = tmp_path / "lists.yaml"
    override.write_text(
        "lists:\n"
        "  leertrajectMBO:\n"
        "    values: {BOL_VT: BOL voltijd}\n"
        "  opleidingsvorm:\n"
        "    default: ONLINE\n"
        "  voertaal:\n"
        "    values: {FRY: Fries}\n"
        "mappings:\n"
        "  leerweg:\n"
        "    map: {BOL: BOL_VT}\n"
    )
    lists = load_value_lists(override)
    assert {"BOL", "BBL", "BOL_VT"} <= lists.codes("leertrajectMBO")
    assert lists.map("leerweg", "BOL") == "BOL_VT"
    assert lists.map("leerweg", "BBL") == "BBL"  # the rest of the mapping stays
    assert lists.default("opleidingsvorm") == "ONLINE"
    offering = factories.offering(language="FRY")
    body = build_aanleveren(TENANT, offering, [factories.cohort(offering_id=offering.id)],
                            standards=standards, values=lists)
    assert find(body, "//duo:leertrajectMBO") == ["BOL_VT"]
    assert find(body, "//duo:kenmerkwaardeEnumeratiewaarde") == ["ONLINE", "FRY"]
    assert load_value_lists() is load_value_lists()  # packaged lists are read once


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("lists: [unclosed", "not valid YAML"),
        ("other: {}\n", "expected keys lists/mappings"),
        ("lists:\n  cohortstatus:\n    default: Z\n", "default 'Z' not a code"),
        ("mappings:\n  cohort_status:\n    map: {open: OPEN}\n", r"\['OPEN'\] not on list"),
        ("mappings:\n  new:\n    list: nowhere\n    map: {}\n", "unknown list 'nowhere'"),
    ],
)
def test_inconsistent_overrides_are_configuration_errors(
    tmp_path: Path, text: str, match: str
) -> None:
    override = tmp_path / "bad.yaml"
    override.write_text(text)
    with pytest.raises(ConfigurationError, match=match):
        load_value_lists(override)


def test_a_missing_override_file_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="cannot read RIO value lists"):
        load_value_lists(tmp_path / "missing.yaml")
