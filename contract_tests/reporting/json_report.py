"""The run as JSON: every check with its rule, reference, verdict and findings.

Credentials never appear: the target is described by its base URL, files and options,
with options whose name suggests a secret masked, and every finding passes through
:func:`~contract_tests.reporting.masking.mask_report`. A skipped check (its rule does not
apply to the target) carries its ``reason``.
"""

from __future__ import annotations

import json
from typing import Any

from contract_tests.checks import Finding
from contract_tests.reporting.masking import MASK, mask_report, secret_option
from contract_tests.runner import CheckResult, Report
from contract_tests.target import Target

__all__ = ["FORMAT_VERSION", "describe_target", "to_json", "to_mapping"]

FORMAT_VERSION = 1


def describe_target(target: Target) -> dict[str, Any]:
    """The target without its credentials (mask the report first for its URLs)."""
    return {
        "base_url": target.base_url,
        "files": str(target.files) if target.files is not None else None,
        "auth": ("token" if target.token else "client_credentials" if target.client_id
                 else "none"),
        "options": {k: (MASK if secret_option(k) else v)
                    for k, v in sorted(target.options.items())},
    }


def _finding(finding: Finding) -> dict[str, str]:
    return {"message": finding.message, "severity": str(finding.severity),
            "location": finding.location, "value": finding.value, "request": finding.request}


def _result(result: CheckResult) -> dict[str, Any]:
    check = result.check
    return {"id": check.id, "title": check.title, "rule": check.rule,
            "reference": check.reference, "severity": str(check.severity),
            "status": str(result.status), "reason": result.reason,
            "duration": round(result.duration, 6),
            "findings": [_finding(f) for f in result.findings]}


def to_mapping(report: Report) -> dict[str, Any]:
    """The report as plain data (what :func:`to_json` serialises)."""
    report = mask_report(report)
    counts = {str(status): n for status, n in report.counts().items()}
    return {
        "format": FORMAT_VERSION,
        "suite": {"name": report.suite.name, "title": report.suite.title,
                  "description": report.suite.description},
        "target": describe_target(report.target),
        "started": report.started.isoformat(),
        "duration": round(report.duration, 6),
        "summary": {"checks": len(report.results), **counts, "errors": report.errors,
                    "ok": report.ok},
        "results": [_result(r) for r in report.results],
    }


def to_json(report: Report) -> str:
    """The report as indented JSON text."""
    return json.dumps(to_mapping(report), indent=2, ensure_ascii=False) + "\n"
