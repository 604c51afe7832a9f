"""The run as one self-contained HTML page: no scripts, fonts or style sheets from
elsewhere, so it opens from a CI artefact store or an e-mail attachment.

Every text that came from the target (messages, values, URLs) is escaped; the page
carries a Content-Security-Policy that forbids scripts, so even a missed escape could
not run code. Secrets are masked (:mod:`.masking`); a check whose rule does not apply is
shown as "not applicable" with the reason.
"""

from __future__ import annotations

from html import escape

from contract_tests.checks import Finding
from contract_tests.reporting.json_report import describe_target
from contract_tests.reporting.masking import mask_report
from contract_tests.runner import CheckResult, Report, Status

__all__ = ["to_html"]

_STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem;color:#222;max-width:80rem}
h1{font-size:1.4rem}h2{font-size:1.05rem;margin:0}
.summary{padding:.6rem 1rem;border-radius:4px;margin:1rem 0}
.ok{background:#e6f4ea}.bad{background:#fce8e6}
section{border:1px solid #ddd;border-radius:4px;margin:.6rem 0;padding:.6rem 1rem}
.badge{display:inline-block;min-width:4.5rem;white-space:nowrap;text-align:center;border-radius:3px;
padding:0 .4rem;margin-right:.6rem;font-size:.8rem;font-weight:bold;color:#fff}
.passed{background:#188038}.failed{background:#c5221f}.warned{background:#e37400}
.errored{background:#7627bb}.skipped{background:#80868b}
.rule{margin:.3rem 0;color:#444}.ref{color:#666;font-size:.9rem}
table{border-collapse:collapse;width:100%;margin-top:.5rem;font-size:.85rem}
th,td{border:1px solid #ddd;padding:.25rem .4rem;text-align:left;vertical-align:top}
td{word-break:break-all}code{font-size:.85rem}
"""
_LABELS = {Status.PASSED: "pass", Status.FAILED: "fail", Status.WARNED: "warning",
           Status.ERRORED: "crash", Status.SKIPPED: "not applicable"}


def _finding_row(finding: Finding) -> str:
    cells = (finding.severity, finding.message, finding.location, finding.value,
             finding.request)
    return "<tr>" + "".join(f"<td><code>{escape(str(c))}</code></td>" if n > 1 else
                            f"<td>{escape(str(c))}</td>"
                            for n, c in enumerate(cells)) + "</tr>"


def _section(result: CheckResult) -> str:
    check = result.check
    status = str(result.status)
    parts = [
        f'<section id="{escape(check.id)}">',
        f'<h2><span class="badge {status}">{_LABELS[result.status]}</span>'
        f"{escape(check.id)}: {escape(check.title)}</h2>",
        f'<p class="rule"><strong>Rule</strong> ({escape(str(check.severity))}): '
        f"{escape(check.rule)}</p>",
        f'<p class="ref"><strong>Reference</strong>: {escape(check.reference)}</p>',
    ]
    if result.reason:
        parts.append(f'<p class="reason"><strong>Not applicable</strong>: '
                     f"{escape(result.reason)}</p>")
    if result.findings:
        parts.append("<table><tr><th>severity</th><th>finding</th><th>location</th>"
                     "<th>offending value</th><th>request</th></tr>")
        parts.extend(_finding_row(f) for f in result.findings)
        parts.append("</table>")
    parts.append("</section>")
    return "\n".join(parts)


def to_html(report: Report) -> str:
    """The report as a complete HTML document."""
    report = mask_report(report)
    target = describe_target(report.target)
    where = target["base_url"] or target["files"] or "(no target)"
    verdict = ("All error-level checks passed." if report.ok else
               f"{report.errors} error-level check(s) failed.")
    counts = ", ".join(f"{n} {_LABELS[s]}" for s, n in report.counts().items())
    title = f"{report.suite.name} contract test report"
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        'style-src \'unsafe-inline\'">',
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{escape(report.suite.title or report.suite.name)}: contract test report</h1>",
        f"<p>Suite <code>{escape(report.suite.name)}</code> against "
        f"<code>{escape(str(where))}</code>, started "
        f"{escape(report.started.isoformat(timespec='seconds'))}, "
        f"{report.duration:.1f}s.</p>",
        f'<div class="summary {"ok" if report.ok else "bad"}"><strong>{escape(verdict)}'
        f"</strong> {len(report.results)} checks: {escape(counts)}.</div>",
        *(_section(r) for r in report.results),
        "</body></html>",
        "",
    ])
