"""The fault proof as the test session runs it: every suite's conformant input passes, every
registered fault belongs to a suite with a proof, and the session's DetectionLog counts a
fault only when an error-level check failed on it (not a crash, not a skip).

The faults themselves run once each, in their suite's test module, which feeds the log;
tests/conftest.py prints ``mutations detected: N/M`` at the end of the session.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from contract_tests.checks import Finding, NotApplicable, Severity, Suite
from contract_tests.runner import Report, run
from contract_tests.target import Target
from simulators.fault_proof import DetectionLog, proofs
from simulators.faults import faults

PROOFS = sorted(proofs())


@pytest.mark.parametrize("suite", PROOFS)
def test_the_conformant_input_of_every_proof_has_no_error(suite: str, tmp_path: Path) -> None:
    report = proofs()[suite].conformant(tmp_path)
    assert report.errors == 0, [f"{f.check_id}: {f.message}" for f in report.findings()]
    assert report.results


def test_every_registered_fault_has_a_proof_and_there_are_enough() -> None:
    registered = faults()
    assert {f.suite for f in registered} == set(PROOFS)
    assert len(registered) >= 30
    assert len({f.name for f in registered}) == len(registered)


def _report(verdict: str) -> Report:
    """A one-check report that fails, warns, crashes or does not apply."""
    suite = Suite("demo", context_factory=lambda target: None)

    @suite.check("demo.rule", title="t", rule="r", reference="ref")
    def check(ctx: Any) -> Iterable[Finding]:
        if verdict == "crash":
            raise RuntimeError("boom")
        if verdict == "skip":
            raise NotApplicable("files only")
        severity = Severity.ERROR if verdict == "error" else Severity.WARNING
        yield Finding("demo.rule", "found", severity)

    return run(suite, Target())


def test_only_an_error_level_failure_counts_as_detected() -> None:
    names = [f.name for f in faults()][:5]
    log = DetectionLog()
    assert log.record(names[0], _report("error"))
    for name, verdict in zip(names[1:4], ("warning", "crash", "skip"), strict=True):
        assert not log.record(name, _report(verdict))
    assert log.record(faults()[4], _report("error"))
    assert log.record(names[4], _report("skip")) is False  # a second test missed it
    assert log.detected() == {names[0]}
    total = len(faults())
    assert log.line() == f"mutations detected: 1/{total}"
    assert log.problems(complete=False) == [
        f"not detected by an error-level check: {n}" for n in sorted(names[1:])]
    not_run = log.problems(complete=True)[4:]
    assert len(not_run) == total - 5 and not_run[0].startswith("registered but not run")
    with pytest.raises(KeyError):
        log.record("no-such.fault", _report("error"))
