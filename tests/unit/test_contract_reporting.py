"""The reports of a run: JUnit XML and JSON read back, HTML escaped, text readable,
a check that does not apply shown as skipped with its reason, and no credentials in any
of them."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET  # noqa: S405 - parsing our own output
from collections.abc import Iterable
from html.parser import HTMLParser
from typing import Any

import pytest

from contract_tests.checks import Finding, NotApplicable, Severity, Suite
from contract_tests.reporting import summary, to_html, to_json, to_junit_xml
from contract_tests.runner import Report, run
from contract_tests.target import Target

HOSTILE = '<script>alert("x")</script> & \x00\x1b[31m'
SECRET = "s3cr3t-never-printed"


def hostile_report() -> Report:
    suite = Suite("demo", title="Demo <suite>", context_factory=lambda target: None)

    @suite.check("demo.ok", title="passes", rule="always", reference="spec §1")
    def ok(ctx: Any) -> Iterable[Finding]:
        return []

    @suite.check("demo.bad", title="finds <b>", rule="no <script> & no nulls",
                 reference="ooapi.json #/components/schemas/Problem")
    def bad(ctx: Any) -> Iterable[Finding]:
        yield Finding("demo.bad", f"bad value {HOSTILE}", Severity.ERROR,
                      location="http://x/a?b=1&c=2#/items/0/name", value=HOSTILE,
                      request="GET http://x/a?b=1&c=2")
        yield Finding("demo.bad", "second", Severity.ERROR)

    @suite.check("demo.warn", title="warns", rule="r", reference="ref",
                 severity=Severity.WARNING)
    def warn(ctx: Any) -> Iterable[Finding]:
        yield Finding("demo.warn", "only a warning", Severity.WARNING)

    @suite.check("demo.crash", title="crashes", rule="r", reference="ref")
    def crash(ctx: Any) -> Iterable[Finding]:
        raise RuntimeError("oops")

    @suite.check("demo.na", title="does not apply", rule="r", reference="ref")
    def not_applicable(ctx: Any) -> Iterable[Finding]:
        raise NotApplicable(f"read from files <{HOSTILE}>")

    target = Target(base_url="http://x", client_id="id", client_secret=SECRET,
                    token_url="http://x/token", options={"standards_dir": "/s",
                                                          "sasl_password": SECRET})
    return run(suite, target)


def test_junit_xml_reads_back_with_one_testcase_per_check() -> None:
    root = ET.fromstring(to_junit_xml(hostile_report()))  # noqa: S314 - our own output
    suite = root.find("testsuite")
    assert suite is not None
    assert (suite.get("name"), suite.get("tests"), suite.get("failures"),
            suite.get("errors"), suite.get("skipped")) == ("demo", "5", "1", "1", "1")
    assert root.get("skipped") == "1"
    cases = {case.get("name"): case for case in suite.iter("testcase")}
    assert list(cases) == ["demo.ok", "demo.bad", "demo.warn", "demo.crash", "demo.na"]
    assert list(cases["demo.ok"]) == []
    skipped = cases["demo.na"].find("skipped")
    assert skipped is not None and [c.tag for c in cases["demo.na"]] == ["skipped"]
    assert skipped.get("message", "").startswith("not applicable: read from files <<script>")
    failure = cases["demo.bad"].find("failure")
    assert failure is not None and failure.text is not None
    assert failure.get("message", "").startswith("2 finding(s): bad value <script>")
    assert "reference: ooapi.json #/components/schemas/Problem" in failure.text
    assert "request: GET http://x/a?b=1&c=2" in failure.text
    assert "\x00" not in failure.text and "\ufffd" in failure.text
    assert cases["demo.crash"].find("error") is not None
    assert "only a warning" in (cases["demo.warn"].findtext("system-out") or "")
    assert cases["demo.bad"].get("classname") == "demo"


def test_json_reads_back_with_every_finding() -> None:
    data = json.loads(to_json(hostile_report()))
    assert data["suite"]["name"] == "demo"
    assert data["summary"] == {"checks": 5, "passed": 1, "failed": 1, "warned": 1,
                               "errored": 1, "skipped": 1, "errors": 2, "ok": False}
    skipped = data["results"][4]
    assert (skipped["id"], skipped["status"], skipped["findings"]) == ("demo.na", "skipped", [])
    assert skipped["reason"] == f"read from files <{HOSTILE}>"
    assert data["results"][0]["reason"] == ""
    bad = data["results"][1]
    assert (bad["id"], bad["status"], bad["severity"]) == ("demo.bad", "failed", "error")
    assert bad["rule"] == "no <script> & no nulls"
    assert bad["findings"][0] == {
        "message": f"bad value {HOSTILE}", "severity": "error",
        "location": "http://x/a?b=1&c=2#/items/0/name", "value": HOSTILE,
        "request": "GET http://x/a?b=1&c=2"}
    assert data["target"]["auth"] == "client_credentials"
    assert data["target"]["options"] == {"sasl_password": "***", "standards_dir": "/s"}


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_html_escapes_everything_and_loads_nothing_from_elsewhere() -> None:
    page = to_html(hostile_report())
    assert "<script" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert "http://" not in page.replace("http://x", "")  # no external assets
    assert "src=" not in page and "<link" not in page
    parser = _Collector()
    parser.feed(page)
    assert "script" not in parser.tags
    text = "".join(parser.text)
    for needed in ("demo.bad", "no <script> & no nulls",
                   "ooapi.json #/components/schemas/Problem",
                   "GET http://x/a?b=1&c=2", "http://x/a?b=1&c=2#/items/0/name"):
        assert needed in text
    assert "1 error-level check(s) failed" not in text  # 2: the crash counts
    assert "2 error-level check(s) failed." in text
    assert "Not applicable: read from files <" + HOSTILE.split("\x00")[0] in text
    assert '<span class="badge skipped">not applicable</span>demo.na' in page
    assert "1 not applicable" in text


def test_text_summary_reads_rule_by_rule() -> None:
    text = summary(hostile_report(), limit=1)
    lines = text.splitlines()
    assert lines[0] == "demo: Demo <suite>"
    assert "PASS  demo.ok  passes" in lines
    assert "FAIL  demo.bad  finds <b>  [error]" in lines
    assert "      reference: ooapi.json #/components/schemas/Problem" in lines
    assert "      ... and 1 more findings (see report.json / report.html)" in lines
    assert "\x1b" not in text and "\\x1b" in text
    assert lines[-1].startswith("5 checks: 1 passed, 1 failed, 1 warned, 1 crashed, "
                                "1 skipped (not applicable) in ")
    assert lines[-1].endswith("FAILED (2 error-level checks)")
    assert "SKIP  demo.na  does not apply" in lines
    skip = lines.index("SKIP  demo.na  does not apply")
    assert lines[skip + 1].startswith("      not applicable: read from files <<script>")


@pytest.mark.parametrize("render", [summary, to_json, to_html, to_junit_xml])
def test_no_report_holds_a_secret(render: Any) -> None:
    assert SECRET not in render(hostile_report())

