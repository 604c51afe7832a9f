"""The proof that the suites catch faults: every suite on its conformant input, then on every
fault, and the count CI prints.

    python -m simulators.fault_proof [--suite rio-v4 ...] [--workdir DIR]
    ...
    mutations detected: 21/21

Exit status 1 when a conformant input has an error-level finding or a fault goes
unnoticed (no error-level check fails, or only by crashing; a check skipped as not
applicable detects nothing). Each suite takes part through
a :class:`Proof`: how to check its conformant input and how to check one of its faults.
Suites whose faults are mutators of files build one with :func:`mutator_proof`; suites
whose faults are simulator modes register a :class:`Proof` of their own with
:func:`register_proof`.

The test suite does not run this command: each suite's test module already runs every one
of its faults, and feeds a :class:`DetectionLog` from which ``tests/conftest.py`` prints the
same ``mutations detected: N/M`` line at the end of the pytest session (running the faults
twice would double the proof's share of CI).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from contract_tests.registry import get_suite
from contract_tests.runner import Report, Status, run
from contract_tests.target import Target
from simulators.faults import Fault, detection_line, faults, get_fault

__all__ = ["DetectionLog", "Proof", "detected", "mutator_proof", "proofs", "prove",
           "register_proof"]


@dataclass(frozen=True)
class Proof:
    """How one suite is proven: a report on its conformant input, and one per fault."""

    suite: str
    conformant: Callable[[Path], Report]
    faulty: Callable[[Fault, Path], Report]


_PROOFS: dict[str, Proof] = {}


def register_proof(proof: Proof) -> Proof:
    """Take part in :func:`prove` (one proof per suite; a second replaces the first)."""
    _PROOFS[proof.suite] = proof
    return proof


def mutator_proof(suite: str, make: Callable[[Path], Any],
                  target: Callable[[Any, Path], Target]) -> Proof:
    """A proof for faults that mutate an input: ``make(folder)`` builds the conformant input
    (a fresh folder each time), ``target(input, folder)`` writes one there and names it."""

    def conformant(workdir: Path) -> Report:
        folder = workdir / "conformant"
        folder.mkdir(parents=True, exist_ok=True)
        return run(get_suite(suite), target(make(folder), folder))

    def faulty(fault: Fault, workdir: Path) -> Report:
        folder = workdir / fault.name
        folder.mkdir(parents=True, exist_ok=True)
        return run(get_suite(suite), target(fault.apply(make(folder)), folder))

    return Proof(suite, conformant, faulty)


def detected(report: Report) -> bool:
    """Whether an error-level check reported the fault (a crash does not count, and a
    skipped check, whose rule did not apply, detects nothing)."""
    crashed = any(r.status is Status.ERRORED for r in report.results)
    return not crashed and any(r.status is Status.FAILED for r in report.results)


@dataclass
class DetectionLog:
    """Which registered faults a test session ran, and which were detected.

    The test suite runs every fault in its own tests already; they feed this log
    (:meth:`record`) so the session prints the count once at its end instead of running
    every fault a second time for it. A fault recorded by several tests counts as
    detected only when every one of them detected it.
    """

    caught: set[str] = field(default_factory=set)
    missed: set[str] = field(default_factory=set)

    def record(self, fault: Fault | str, report: Report) -> bool:
        """Note what ``report`` (one run against ``fault``) says; returns whether it caught it.

        Raises:
            KeyError: ``fault`` is not a registered fault.
        """
        name = get_fault(fault if isinstance(fault, str) else fault.name).name
        caught = detected(report)
        (self.caught if caught else self.missed).add(name)
        return caught

    def detected(self) -> set[str]:
        """The faults recorded and detected by every run that recorded them."""
        return self.caught - self.missed

    def not_run(self) -> list[str]:
        """Registered faults no test recorded."""
        return [f.name for f in faults() if f.name not in self.caught | self.missed]

    def line(self) -> str:
        """``mutations detected: N/M``, M counting every registered fault of every suite."""
        return detection_line(len(self.detected()), len(faults()))

    def problems(self, *, complete: bool) -> list[str]:
        """Why the proof does not hold: faults that went unnoticed and, when the session was
        meant to run every fault (``complete``), registered faults that did not run."""
        found = [f"not detected by an error-level check: {name}" for name in sorted(self.missed)]
        if complete:
            found += [f"registered but not run in this session: {name}"
                      for name in self.not_run()]
        return found


def proofs() -> dict[str, Proof]:
    """Every registered proof by suite; the fault modules register theirs when loaded."""
    faults()
    return dict(_PROOFS)


@dataclass
class ProofResult:
    conformant_errors: dict[str, int]
    caught: list[Fault]
    missed: list[Fault]

    @property
    def ok(self) -> bool:
        return not self.missed and not any(self.conformant_errors.values())


def prove(workdir: Path, suites: Sequence[str] = (),
          echo: Callable[[str], None] = print) -> ProofResult:
    """Run every chosen suite's proof; ``echo`` gets one line per run and the count."""
    chosen = {name: p for name, p in proofs().items() if not suites or name in suites}
    result = ProofResult({}, [], [])
    for name, proof in chosen.items():
        report = proof.conformant(workdir / name)
        result.conformant_errors[name] = report.errors
        echo(f"{name}: conformant input, {report.errors} failed check(s)")
        for fault in faults(name):
            caught = detected(proof.faulty(fault, workdir / name))
            (result.caught if caught else result.missed).append(fault)
            echo(f"  {'caught' if caught else 'MISSED'}  {fault.name}: {fault.description}")
    total = len(result.caught) + len(result.missed)
    echo(detection_line(len(result.caught), total))
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m simulators.fault_proof",
                                     description="Run the suites against every fault.")
    parser.add_argument("--suite", action="append", default=[], help="only this suite")
    parser.add_argument("--workdir", type=Path, help="keep inputs and reports here")
    args = parser.parse_args(argv)
    if args.workdir is not None:
        args.workdir.mkdir(parents=True, exist_ok=True)
        return 0 if prove(args.workdir, args.suite).ok else 1
    with tempfile.TemporaryDirectory(prefix="fault-proof-") as folder:
        return 0 if prove(Path(folder), args.suite).ok else 1


if __name__ == "__main__":
    # Through the imported module: run as __main__, this file's registry is not the one the
    # fault modules register their proofs with.
    from simulators.fault_proof import main as imported_main

    sys.exit(imported_main())
