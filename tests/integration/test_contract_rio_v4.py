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
    # bare messages carry no addressing: the envelope rules were not tested, not passed
    envelope = [r for r in report.results if r.check.id.startswith("rio-v4.envelope.")]
    assert len(envelope) == 4
    assert all(r.status is Status.SKIPPED and "bare" in r.reason for r in envelope)


def test_a_previous_delivery_is_what_the_full_state_rule_compares_with(
    standards: Standards, tmp_path: Path
) -> None:
    delivery = conformant_delivery(standards)
    previous = _write(tmp_path / "held", {"01-software.xml": delivery["03-software.xml"]})
    current = _write(tmp_path / "now", {"01-software.xml": delivery["01-software.xml"]})
    dropped = _run(current, standards, previous=str(previous))
    declared = _run(current, standards, previous=str(previous), removed_cohorts="2028-BOL")
    alone = _run(current, standards)  # nothing delivered before: the rule does not apply
    skipped = {r.check.id: r for r in alone.results if r.status is Status.SKIPPED}
    # the rest skipped are the envelope rules: 01-software.xml is a bare message
    assert {c for c in skipped if not c.startswith("rio-v4.envelope.")} == {
        "rio-v4.full-state.keeps-cohorts"}
    assert "--option previous=PATH" in skipped["rio-v4.full-state.keeps-cohorts"].reason
    assert alone.ok
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
    assert ("rio-v4.xml.well-formed", "a.xml") in found  # not in a RIO namespace
    assert ("rio-v4.xml.well-formed", "b.xml") in found
    assert ("rio-v4.xml.well-formed", "c.xml") in found
    assert _errors(report)


_BOMB = (b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
         b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>\n<lolz>&lol2;</lolz>\n')


def _verdicts(report: Report) -> dict[str, tuple[Status, str]]:
    return {r.check.id: (r.status, r.reason) for r in report.results}


def test_a_refused_bomb_leaves_every_other_rule_not_applicable(standards: Standards,
                                                              tmp_path: Path) -> None:
    report = _run(_write(tmp_path / "bomb", {"bomb.xml": _BOMB}), standards)
    verdicts = _verdicts(report)
    assert verdicts.pop("rio-v4.xml.safe")[0] is Status.FAILED
    assert verdicts and report.passed == 0
    for check_id, (status, reason) in verdicts.items():
        assert status is Status.SKIPPED, check_id
        assert reason.startswith("no readable RIO message"), (check_id, reason)
        assert "1 refused as unsafe XML" in reason


@pytest.mark.parametrize("document", [
    b"<a/>",
    b"<aangebodenOpleiding xmlns='http://duo.nl/schema/DUO_RIO_Beheren_OnderwijsOrganisatie_V4'/>",
    b"<e:Envelope xmlns:e='http://www.w3.org/2003/05/soap-envelope'><e:Body>"
    b"<opvragen_aangebodenOpleiding_request "
    b"xmlns='http://duo.nl/schema/DUO_RIO_Raadplegen_OnderwijsOrganisatie_V4'/>"
    b"</e:Body></e:Envelope>",
    b"<e:Envelope xmlns:e='http://schemas.xmlsoap.org/soap/envelope/'><e:Body>"
    b"<catalogue xmlns='urn:other'/></e:Body></e:Envelope>",
], ids=["no-namespace", "rio-part-not-message", "soap-1.2", "soap-body-not-rio"])
def test_a_document_that_is_not_a_rio_message_fails_well_formed_and_nothing_passes(
    document: bytes, standards: Standards, tmp_path: Path
) -> None:
    report = _run(_write(tmp_path / "odd", {"odd.xml": document}), standards)
    verdicts = _verdicts(report)
    assert verdicts.pop("rio-v4.xml.safe") == (Status.PASSED, "")
    status, _ = verdicts.pop("rio-v4.xml.well-formed")
    assert status is Status.FAILED
    (finding,) = report.findings()
    assert finding.check_id == "rio-v4.xml.well-formed"
    assert "RIO" in finding.message
    for check_id in ("rio-v4.xsd", "rio-v4.envelope.addressing", "rio-v4.dates.order"):
        assert verdicts[check_id][0] is Status.SKIPPED
        assert verdicts[check_id][1].startswith("no readable RIO message")
    assert {status for status, _ in verdicts.values()} == {Status.SKIPPED}


def test_one_readable_message_among_refused_files_is_still_checked(standards: Standards,
                                                                   tmp_path: Path) -> None:
    delivery = conformant_delivery(standards)
    report = _run(_write(tmp_path / "mixed", {"00-bomb.xml": _BOMB,
                                              "03-software.xml": delivery["03-software.xml"]}),
                  standards)
    verdicts = _verdicts(report)
    assert verdicts["rio-v4.xml.safe"][0] is Status.FAILED
    assert verdicts["rio-v4.xml.well-formed"][0] is Status.PASSED
    assert verdicts["rio-v4.xsd"][0] is Status.PASSED
    assert verdicts["rio-v4.envelope.addressing"][0] is Status.PASSED
    # one envelope: no second MessageID to compare with
    assert verdicts["rio-v4.envelope.message-id-unique"][0] is Status.SKIPPED


def test_rules_about_offerings_do_not_pass_on_a_delivery_without_one(
    standards: Standards, tmp_path: Path
) -> None:
    gone = conformant_delivery(standards)["04-gone.xml"]  # a verwijderen: a code, no offering
    report = _run(_write(tmp_path / "gone", {"04-gone.xml": gone}), standards)
    verdicts = _verdicts(report)
    assert report.findings() == []
    assert verdicts["rio-v4.xsd"][0] is Status.PASSED
    assert verdicts["rio-v4.envelope.addressing"][0] is Status.PASSED
    for check_id in ("rio-v4.dates.order", "rio-v4.cohort.application-window",
                     "rio-v4.cohort.unique-codes"):
        assert verdicts[check_id][0] is Status.SKIPPED, check_id
        assert "no aangeboden opleiding" in verdicts[check_id][1]
