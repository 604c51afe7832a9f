"""The run as JUnit XML, the format every CI server shows: one testcase per check.

A failed error-level check is a ``<failure>``, a crashed check an ``<error>``, a check
whose rule does not apply ``<skipped message="reason">``, and a warning passes with its
findings in ``<system-out>``. Secrets are masked (:mod:`.masking`). Text is stripped of
the characters XML 1.0 cannot carry, so a hostile value cannot make the file unreadable.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET  # noqa: S405 - writing, not parsing

from contract_tests.checks import Finding
from contract_tests.reporting.masking import mask_report
from contract_tests.runner import Report, Status

__all__ = ["to_junit_xml"]

_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    """``text`` without the characters XML 1.0 forbids (each replaced by U+FFFD)."""
    return _NOT_XML.sub("\ufffd", text)


def _describe(finding: Finding) -> str:
    lines = [f"[{finding.severity}] {finding.message}"]
    for label, value in (("at", finding.location), ("value", finding.value),
                         ("request", finding.request)):
        if value:
            lines.append(f"    {label}: {value}")
    return "\n".join(lines)


def to_junit_xml(report: Report) -> str:
    """The report as a JUnit XML document (``<testsuites>`` with one ``<testsuite>``)."""
    report = mask_report(report)
    suite = report.suite
    counts = report.counts()
    failures, errors = str(counts[Status.FAILED]), str(counts[Status.ERRORED])
    skipped = str(counts[Status.SKIPPED])
    root = ET.Element("testsuites", name="gateway-contract", tests=str(len(report.results)),
                      failures=failures, errors=errors, skipped=skipped,
                      time=f"{report.duration:.3f}")
    element = ET.SubElement(
        root, "testsuite", name=suite.name, tests=str(len(report.results)),
        failures=failures, errors=errors, skipped=skipped,
        time=f"{report.duration:.3f}", timestamp=report.started.isoformat(timespec="seconds"))
    properties = ET.SubElement(element, "properties")
    ET.SubElement(properties, "property", name="target",
                  value=xml_text(report.target.base_url or str(report.target.files or "")))
    for result in report.results:
        check = result.check
        case = ET.SubElement(element, "testcase", name=check.id,
                             classname=check.id.rsplit(".", 1)[0],
                             time=f"{result.duration:.3f}")
        details = "\n".join([f"rule: {check.rule}", f"reference: {check.reference}", "",
                             *(_describe(f) for f in result.findings)])
        if result.status in (Status.FAILED, Status.ERRORED):
            tag = "failure" if result.status is Status.FAILED else "error"
            first = result.findings[0].message if result.findings else check.title
            node = ET.SubElement(case, tag, type=str(check.severity),
                                 message=xml_text(f"{len(result.findings)} finding(s): {first}"))
            node.text = xml_text(details)
        elif result.status is Status.SKIPPED:
            ET.SubElement(case, "skipped",
                          message=xml_text(f"not applicable: {result.reason}"))
        elif result.findings:
            ET.SubElement(case, "system-out").text = xml_text(details)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
