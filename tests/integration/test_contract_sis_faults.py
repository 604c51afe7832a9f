"""Every fault mode of the simulated SIS and of the mbo receiver (:mod:`simulators.sis_faults`)
is reported by at least one error-level check of its suite, never by a crash (the conformant
runs behind the same proofs: tests/integration/test_contract_fault_proof.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from contract_tests.runner import Status
from simulators.fault_proof import DetectionLog, detected, proofs
from simulators.faults import Fault, faults
from simulators.ooapi_sis.fault_modes import MBO_MODES, OOAPI_MODES, RECEIVER_MODES
from simulators.ooapi_sis.fault_switch import get_mode
from simulators.sis_faults import RECEIVER_FAULTS

MINE = {mode.name for mode in (*OOAPI_MODES, *MBO_MODES, *RECEIVER_MODES)}
FAULTS = [f for f in faults() if f.name in MINE]


def test_the_registry_holds_every_mode_and_enough_of_them() -> None:
    assert {f.name for f in FAULTS} == MINE
    assert len([f for f in FAULTS if f.suite == "ooapi-v5"]) >= 10
    assert len([f for f in FAULTS if f.suite == "ooapi-v5-mbo"]) >= 4
    assert RECEIVER_FAULTS and {f.name for f in FAULTS} > RECEIVER_FAULTS
    with pytest.raises(KeyError, match="no fault mode"):
        get_mode("ooapi-v5.no-such-fault")


@pytest.mark.parametrize("fault", FAULTS, ids=[f.name for f in FAULTS])
def test_each_fault_is_reported_by_an_error_level_check(
        fault: Fault, tmp_path: Path, fault_detections: DetectionLog) -> None:
    report = proofs()[fault.suite].faulty(fault, tmp_path)
    fault_detections.record(fault, report)
    crashed = [f"{r.check.id}: {r.findings[0].message}" for r in report.results
               if r.status is Status.ERRORED]
    assert crashed == []
    assert detected(report), [r.check.id for r in report.results]
