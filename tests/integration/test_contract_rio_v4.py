"""The ``rio-v4`` contract suite against the gateway's own RIO messages and every RIO fault.

The conformant delivery is what the gateway builds for a seeded catalogue
(:func:`build_aanleveren`, :func:`build_verwijderen`, wrapped in Edukoppeling envelopes as
:class:`RioClient` sends them): the suite must find nothing in it. Every fault of
:mod:`simulators.rio_faults` applied to it must be reported by an error-level check.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from pathlib import Path

import pytest
from lxml import etree

from contract_tests.checks import Severity
from contract_tests.registry import get_suite
from contract_tests.runner import Report, Status, run
from contract_tests.target import Target, TargetError
from gateway.adapters.standards import Standards
from gateway.tools.translate import translate
from simulators.conformant import rio_delivery
from simulators.fault_proof import DetectionLog, detected
from simulators.faults import Fault, faults
from simulators.ooapi_sis.generator import SisCatalogue
from simulators.rio_faults import write_messages
from tests.unit.rio_support import SENT_AT, TENANT, opvragen_response_for

RIO_FAULTS = faults("rio-v4")


def conformant_delivery(standards: Standards) -> dict[str, bytes]:
    """The gateway's delivery of :func:`rio_delivery`, and RIO's answer to opvragen after
    accepting its second message (Raadplegen namespace, as the simulated RIO answers)."""
    messages = rio_delivery(standards)
    nursing = etree.fromstring(messages["02-nursing.xml"]).find(".//{*}Body/*")
    assert nursing is not None
    answer = opvragen_response_for(etree.tostring(nursing, xml_declaration=True,
                                                  encoding="UTF-8"))
    return {**messages, "05-nursing-as-held.xml": answer}


def _write(folder: Path, messages: Mapping[str, bytes]) -> Path:
    target = write_messages(messages, folder)
    assert target.files is not None
    return target.files


def _run(folder: Path, standards: Standards, **options: str) -> Report:
    target = Target(files=folder, options={"standards_dir": str(standards.root), **options})
    return run(get_suite("rio-v4"), target)


def _errors(report: Report) -> set[str]:
    """The checks that reported an error; a check that crashed is a defect, not a catch."""
    assert [r.check.id for r in report.results if r.status is Status.ERRORED] == []
    return {f.check_id for f in report.findings(Severity.ERROR)}


def test_the_gateways_own_delivery_has_no_findings(standards: Standards, tmp_path: Path) -> None:
    report = _run(_write(tmp_path / "rio", conformant_delivery(standards)), standards)
    assert report.findings() == []
    assert report.ok
    assert len(report.results) == len(get_suite("rio-v4").checks) >= 12
    # 03-software.xml delivers an offering of 01 again: the full-state rule had a comparison
    assert report.skipped == 0


def test_the_dry_run_of_a_simulated_sis_catalogue_has_no_errors(
    standards: Standards, tmp_path: Path
) -> None:
    catalogue = SisCatalogue(offerings=8, seed=11, cohorts=3, today=date(2026, 3, 1))
    programs = list(catalogue.programs.values())
    bundle = {"programs": programs, "offerings": [
        catalogue.offerings[o] for p in programs
        for o in catalogue.offerings_of_program[p["programId"]]]}
    bodies = translate("ooapi-v5", "rio-v4", json.dumps(bundle).encode(), TENANT, standards,
                       source="sis", sent_at=SENT_AT)
    assert bodies
    folder = _write(tmp_path / "dry-run", {f"{n:03}.xml": b for n, b in enumerate(bodies)})
    report = _run(folder, standards)
    assert report.findings() == []


def test_a_previous_delivery_is_what_the_full_state_rule_compares_with(
    standards: Standards, tmp_path: Path
) -> None:
    delivery = conformant_delivery(standards)
    previous = _write(tmp_path / "held", {"01-software.xml": delivery["03-software.xml"]})
    current = _write(tmp_path / "now", {"01-software.xml": delivery["01-software.xml"]})
    dropped = _run(current, standards, previous=str(previous))
    declared = _run(current, standards, previous=str(previous), removed_cohorts="2028-BOL")
    alone = _run(current, standards)  # nothing delivered before: the rule does not apply
    (skipped,) = [r for r in alone.results if r.status is Status.SKIPPED]
    assert skipped.check.id == "rio-v4.full-state.keeps-cohorts"
    assert "--option previous=PATH" in skipped.reason and alone.ok
    assert _errors(dropped) == {"rio-v4.full-state.keeps-cohorts"}
    (finding,) = dropped.findings()
    assert finding.value == "2028-BOL"
    assert finding.location.startswith("01-software.xml:")
    assert declared.findings() == []


def test_a_folder_without_messages_is_a_target_error(standards: Standards,
                                                     tmp_path: Path) -> None:
    with pytest.raises(TargetError, match="no .xml file"):
        _run(tmp_path, standards)


def test_the_rio_faults_are_at_least_the_issues_six() -> None:
    assert len(RIO_FAULTS) >= 6
    assert len({f.name for f in RIO_FAULTS}) == len(RIO_FAULTS)


@pytest.mark.parametrize("fault", RIO_FAULTS, ids=lambda f: f.name)
def test_every_rio_fault_is_reported_by_an_error_level_check(
    fault: Fault, standards: Standards, tmp_path: Path, fault_detections: DetectionLog
) -> None:
    conformant = conformant_delivery(standards)
    mutated = fault.apply(conformant)
    assert mutated != conformant
    report = _run(_write(tmp_path / "rio", mutated), standards)
    fault_detections.record(fault, report)
    assert not report.ok, f"{fault.name} ({fault.description}) went unnoticed"
    assert _errors(report), report.findings()
    assert detected(report)


def test_files_that_are_not_one_rio_message_are_reported(standards: Standards,
                                                         tmp_path: Path) -> None:
    soap = "http://schemas.xmlsoap.org/soap/envelope/"
    folder = _write(tmp_path / "odd", {
        "a.xml": b"<catalogue xmlns='urn:other'/>",
        "b.xml": f"<e:Envelope xmlns:e='{soap}'><e:Body><x/><y/></e:Body></e:Envelope>".encode(),
        "c.xml": b"<unclosed>",
    })
    report = _run(folder, standards)
    found = {(f.check_id, f.request) for f in report.findings()}
    assert ("rio-v4.xsd", "a.xml") in found
    assert ("rio-v4.xml.well-formed", "b.xml") in found
    assert ("rio-v4.xml.well-formed", "c.xml") in found
    assert _errors(report)
