"""Run a suite's checks against a target and collect a :class:`Report`.

A check that raises is reported as an error finding ("check crashed: ..."), never as a
crash of the run: the supplier still gets every other rule's verdict. A failing setup
skips the check's run (and is the finding); teardown always runs.

A check that raises :class:`~contract_tests.checks.NotApplicable` (in setup or run) is
``skipped`` with the reason: the rule was not tested, and saying "passed" would tell the
supplier something nobody checked. Skips never fail the run.
"""

from __future__ import annotations

import enum
import time
import traceback
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from contract_tests.checks import Check, Finding, NotApplicable, Severity, Suite
from contract_tests.target import Target

__all__ = ["CheckResult", "Report", "Status", "run", "run_check"]


class Status(enum.StrEnum):
    """The verdict of one check."""

    PASSED = "passed"
    FAILED = "failed"  # an error-level finding
    WARNED = "warned"  # warnings only
    ERRORED = "errored"  # the check itself crashed
    SKIPPED = "skipped"  # the rule does not apply to this target (NotApplicable)


@dataclass(frozen=True)
class CheckResult:
    """One check's verdict, its findings and how long it took (seconds).

    ``reason`` says why the rule did not apply (the ``NotApplicable`` text); empty otherwise.
    """

    check: Check
    status: Status
    findings: tuple[Finding, ...]
    duration: float
    reason: str = ""

    @property
    def failed(self) -> bool:
        """Whether this check fails the run (an error finding or a crash)."""
        return self.status in (Status.FAILED, Status.ERRORED)


@dataclass
class Report:
    """The outcome of one suite run; ``ok`` is what the exit status is made of."""

    suite: Suite
    target: Target
    results: list[CheckResult] = field(default_factory=list)
    started: datetime = field(default_factory=lambda: datetime.now(UTC))
    duration: float = 0.0

    @property
    def errors(self) -> int:
        """Number of checks that failed at error level (or crashed)."""
        return sum(1 for result in self.results if result.failed)

    @property
    def warnings(self) -> int:
        """Number of checks that only warned."""
        return sum(1 for result in self.results if result.status is Status.WARNED)

    @property
    def passed(self) -> int:
        """Number of checks that ran and found nothing."""
        return sum(1 for result in self.results if result.status is Status.PASSED)

    @property
    def skipped(self) -> int:
        """Number of checks whose rule did not apply to the target."""
        return sum(1 for result in self.results if result.status is Status.SKIPPED)

    def counts(self) -> dict[Status, int]:
        """How many checks got each verdict (every status, zeros included)."""
        counts = dict.fromkeys(Status, 0)
        for result in self.results:
            counts[result.status] += 1
        return counts

    @property
    def ok(self) -> bool:
        """True when no error-level check failed."""
        return self.errors == 0

    def findings(self, severity: Severity | None = None) -> list[Finding]:
        """Every finding of the run, optionally of one severity."""
        return [finding for result in self.results for finding in result.findings
                if severity is None or finding.severity is severity]


def _crash(check: Check, step: str, exc: BaseException) -> Finding:
    """The finding of a crashed step, located at the check's own line that raised."""
    frames = traceback.extract_tb(exc.__traceback__) if exc.__traceback__ else []
    code = getattr(check.run, "__code__", None)
    own = [f for f in frames if code is not None and f.filename == code.co_filename]
    chosen = own or list(frames)
    location = f"{chosen[-1].filename}:{chosen[-1].lineno}" if chosen else ""
    return Finding(check.id, f"check crashed in {step}: {type(exc).__name__}: {exc}",
                   Severity.ERROR, location=location)


def _status(findings: Iterable[Finding], crashed: bool, skipped: bool) -> Status:
    if crashed:
        return Status.ERRORED
    severities = {finding.severity for finding in findings}
    if Severity.ERROR in severities:
        return Status.FAILED
    if severities:
        return Status.WARNED
    return Status.SKIPPED if skipped else Status.PASSED


def run_check(check: Check, context: Any) -> CheckResult:
    """Run one check with its setup and teardown; exceptions become findings.

    ``NotApplicable`` from setup or run makes the check ``skipped`` with its reason (unless
    it already yielded findings, which keep their verdict); teardown still runs.
    """
    started = time.perf_counter()
    findings: list[Finding] = []
    crashed = False
    reason = ""
    step = "setup"
    try:
        if check.setup is not None:
            check.setup(context)
        step = "run"
        for finding in check.run(context):
            findings.append(finding)
    except NotApplicable as exc:
        reason = exc.reason or "not applicable to this target"
    except Exception as exc:  # noqa: BLE001 - a check's crash is a finding, not the run's end
        findings.append(_crash(check, step, exc))
        crashed = True
    finally:
        if check.teardown is not None:
            try:
                check.teardown(context)
            except Exception as exc:  # noqa: BLE001
                findings.append(_crash(check, "teardown", exc))
                crashed = True
    return CheckResult(check, _status(findings, crashed, bool(reason)), tuple(findings),
                       time.perf_counter() - started, reason)


def run(suite: Suite, target: Target, *, select: Iterable[str] | None = None) -> Report:
    """Run ``suite`` (or the checks named in ``select``) against ``target``.

    Args:
        suite: the suite.
        target: what to test.
        select: check ids (or id prefixes ending in ``.``) to run; all when None.

    Returns:
        The report, one result per check run, in the suite's order.

    Raises:
        TargetError: the suite's context cannot be built for this target.
        KeyError: ``select`` names a check the suite does not have.
    """
    checks = _selected(suite, select)
    started = time.perf_counter()
    report = Report(suite, target)
    context = suite.context_factory(target)
    try:
        for check in checks:
            report.results.append(run_check(check, context))
    finally:
        close = getattr(context, "close", None)
        if callable(close):
            close()
    report.duration = time.perf_counter() - started
    return report


def _selected(suite: Suite, select: Iterable[str] | None) -> list[Check]:
    if select is None:
        return list(suite.checks)
    wanted = list(select)
    if not wanted:
        return list(suite.checks)
    chosen: list[Check] = []
    for key in wanted:
        matches = [c for c in suite.checks if c.id == key or
                   (key.endswith(".") and c.id.startswith(key))]
        if not matches:
            raise KeyError(f"suite {suite.name} has no check {key!r}")
        chosen.extend(c for c in matches if c not in chosen)
    return [c for c in suite.checks if c in chosen]
