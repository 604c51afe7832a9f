"""The summary the CLI prints: rule by rule, the findings under each failed rule.

Long runs stay readable: at most ``limit`` findings per check are printed, the rest are
counted (the JSON and HTML reports hold them all). A check whose rule did not apply is
``SKIP`` with the reason, so nobody reads it as passed. Secrets are masked
(:mod:`.masking`).
"""

from __future__ import annotations

from contract_tests.reporting.masking import mask_report
from contract_tests.runner import Report, Status

__all__ = ["summary"]

_LABELS = {Status.PASSED: "PASS", Status.FAILED: "FAIL", Status.WARNED: "WARN",
           Status.ERRORED: "CRASH", Status.SKIPPED: "SKIP"}


def _one_line(text: str) -> str:
    """Control characters (a hostile value's newlines, escapes) shown, not obeyed."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def summary(report: Report, *, limit: int = 10) -> str:
    """The readable summary of ``report`` (ends with the verdict line).

    Args:
        report: the run.
        limit: findings printed per check.
    """
    report = mask_report(report)
    target = report.target.base_url or (str(report.target.files) if report.target.files
                                        else "(no target)")
    lines = [f"{report.suite.name}: {report.suite.title}", f"target: {_one_line(target)}", ""]
    for result in report.results:
        check = result.check
        lines.append(f"{_LABELS[result.status]:5} {check.id}  {check.title}"
                     + (f"  [{check.severity}]" if result.findings else ""))
        if result.reason:
            lines.append(f"      not applicable: {_one_line(result.reason)}")
        if not result.findings:
            continue
        lines.append(f"      rule: {check.rule}")
        lines.append(f"      reference: {check.reference}")
        for finding in result.findings[:limit]:
            lines.append(f"      - {_one_line(finding.message)}")
            for label, value in (("at", finding.location), ("value", finding.value),
                                 ("request", finding.request)):
                if value:
                    lines.append(f"          {label}: {_one_line(value)}")
        if len(result.findings) > limit:
            lines.append(f"      ... and {len(result.findings) - limit} more findings "
                         "(see report.json / report.html)")
    counts = report.counts()
    verdict = ("OK" if report.ok else
               f"FAILED ({report.errors} error-level check{'s' if report.errors != 1 else ''})")
    lines += ["", f"{len(report.results)} checks: {counts[Status.PASSED]} passed, "
                  f"{counts[Status.FAILED]} failed, {counts[Status.WARNED]} warned, "
                  f"{counts[Status.ERRORED]} crashed, {counts[Status.SKIPPED]} skipped "
                  f"(not applicable) in {report.duration:.1f}s: {verdict}"]
    return "\n".join(lines) + "\n"
