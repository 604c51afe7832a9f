"""What a run looks like to the supplier: a text summary, JUnit XML, JSON and HTML.

``write_reports(report, directory)`` writes ``junit.xml``, ``report.json`` and
``report.html``; ``summary(report)`` is the text the CLI prints.
"""

from __future__ import annotations

from pathlib import Path

from contract_tests.reporting.html_report import to_html
from contract_tests.reporting.json_report import to_json, to_mapping
from contract_tests.reporting.junit import to_junit_xml
from contract_tests.reporting.masking import mask_report
from contract_tests.reporting.text import summary
from contract_tests.runner import Report

__all__ = ["REPORT_FILES", "mask_report", "summary", "to_html", "to_json", "to_junit_xml",
           "to_mapping", "write_reports"]

#: The files :func:`write_reports` writes, by format.
REPORT_FILES = {"junit": "junit.xml", "json": "report.json", "html": "report.html"}


def write_reports(report: Report, directory: Path) -> dict[str, Path]:
    """Write the three machine reports into ``directory`` (created when missing).

    Returns:
        The written files by format (``junit``, ``json``, ``html``).
    """
    directory.mkdir(parents=True, exist_ok=True)
    contents = {"junit": to_junit_xml(report), "json": to_json(report),
                "html": to_html(report)}
    written = {}
    for kind, text in contents.items():
        path = directory / REPORT_FILES[kind]
        path.write_text(text, encoding="utf-8")
        written[kind] = path
    return written
