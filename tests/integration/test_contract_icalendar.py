"""The ``icalendar`` contract suite against real feeds and every calendar fault.

Conformant: the gateway's own ``/calendar/{token}.ics`` over real HTTP, two of its fetches
with a lesson moved in between (files), and the simulated timetabling system's feed (over
HTTP, and two fetches around a day of changes, which adds RECURRENCE-ID overrides). Every
fault of :mod:`simulators.ical_faults` applied to the gateway's fetches must be reported
by an error-level check; a feed served wrongly over HTTP must be reported too.

A feed read from files has no HTTP to judge: those checks are skipped as not applicable
(in the reports, the CLI's exit status and the pytest plugin), never shown as passed. The
feed's URL is the subscriber's secret: no report holds its token.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET  # noqa: S405 - parsing our own output
from collections.abc import Iterator
from datetime import date
from importlib.metadata import entry_points
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from contract_tests.checks import Severity
from contract_tests.cli import main as contract_cli
from contract_tests.registry import get_suite
from contract_tests.reporting import write_reports
from contract_tests.runner import Report, Status, run
from contract_tests.target import Target, TargetError
from gateway.testing.serving import serve_in_thread
from simulators.conformant_roster import seed_timetable, served_gateway, subscribe_group_feed
from simulators.fault_proof import DetectionLog, detected, main
from simulators.faults import Fault, faults
from simulators.ical_faults import write_feeds
from simulators.roster_faults import conformant_feeds
from simulators.timetable import TimetableSchool, running_timetable

ICS_FAULTS = faults("icalendar")
SUITE = "icalendar"
HTTP_CHECKS = {"icalendar.http.ok", "icalendar.http.content-type", "icalendar.http.validators",
               "icalendar.http.not-modified"}
ROOT = Path(__file__).resolve().parents[2]


def _skipped(report: Report) -> dict[str, str]:
    return {r.check.id: r.reason for r in report.results if r.status is Status.SKIPPED}


def _errors(report: Report) -> set[str]:
    """The checks that reported an error; a check that crashed is a defect, not a catch."""
    assert [r.check.id for r in report.results if r.status is Status.ERRORED] == []
    return {f.check_id for f in report.findings(Severity.ERROR)}


@pytest.fixture(scope="module")
def fetches(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    return conformant_feeds(tmp_path_factory.mktemp("gateway-feed"))


def test_the_gateways_feed_over_http_has_no_findings(tmp_path: Path) -> None:
    with served_gateway(tmp_path) as served:
        seed_timetable(served.gateway)
        url = served.base + subscribe_group_feed(served.gateway)
        report = run(get_suite(SUITE), Target(base_url=url))
    assert report.findings() == []
    assert len(report.results) == len(get_suite(SUITE).checks) >= 15
    assert _skipped(report) == {}  # over HTTP every rule applies


def test_no_report_of_a_feed_holds_its_token(tmp_path: Path) -> None:
    with served_gateway(tmp_path) as served:
        seed_timetable(served.gateway)
        url = served.base + subscribe_group_feed(served.gateway)
        token = url.rsplit("/", 1)[1].removesuffix(".ics")
        unknown = url.replace(token, token[::-1])  # a 404: findings that carry its URL
        reports = [run(get_suite(SUITE), Target(base_url=feed), select=["icalendar.http."])
                   for feed in (url, unknown)]
    assert len(token) >= 40
    assert {f.location for f in reports[1].findings(Severity.ERROR)} == {unknown}
    for secret, report in zip((token, token[::-1]), reports, strict=True):
        for path in write_reports(report, tmp_path / secret[:4]).values():
            text = path.read_text(encoding="utf-8")
            assert secret not in text and secret[4:16] not in text
            assert f"/calendar/{secret[:4]}***.ics" in text  # still says which feed


def test_a_feed_from_files_skips_the_http_checks_with_the_reason(
        fetches: dict[str, bytes], tmp_path: Path) -> None:
    report = run(get_suite(SUITE), write_feeds(fetches, tmp_path / "two"))
    skipped = _skipped(report)
    assert set(skipped) == HTTP_CHECKS
    assert all("read from files, not fetched over HTTP" in r for r in skipped.values())
    assert report.ok and report.passed == len(report.results) - len(HTTP_CHECKS)
    one = run(get_suite(SUITE), write_feeds({"only.ics": fetches["01-fetch.ics"]},
                                            tmp_path / "one"))
    assert set(_skipped(one)) == HTTP_CHECKS | {"icalendar.fetch.sequence"}
    assert "only one readable snapshot" in _skipped(one)["icalendar.fetch.sequence"]


def test_the_cli_exits_0_on_skips_and_reports_them(
        fetches: dict[str, bytes], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = write_feeds(fetches, tmp_path / "feeds")
    assert target.files is not None
    status = contract_cli(["run", SUITE, "--files", str(target.files),
                           "--report-dir", str(tmp_path / "reports")])
    out = capsys.readouterr().out
    assert status == 0, out
    assert "SKIP  icalendar.http.ok  The feed answers 200" in out
    assert f"{len(HTTP_CHECKS)} skipped (not applicable)" in out
    junit = ET.parse(tmp_path / "reports" / "junit.xml").getroot()  # noqa: S314
    assert junit.get("skipped") == str(len(HTTP_CHECKS))
    data = json.loads((tmp_path / "reports" / "report.json").read_text(encoding="utf-8"))
    assert data["summary"]["skipped"] == len(HTTP_CHECKS) and data["summary"]["ok"]


def test_the_pytest_plugin_skips_a_check_that_does_not_apply(
        fetches: dict[str, bytes], tmp_path: Path) -> None:
    target = write_feeds(fetches, tmp_path / "feeds")
    (tmp_path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    installed = any(e.value == "contract_tests.pytest_plugin"
                    for e in entry_points(group="pytest11"))
    load = [] if installed else ["-p", "contract_tests.pytest_plugin"]
    done = subprocess.run(  # noqa: S603 - our own interpreter and pytest
        [sys.executable, "-m", "pytest", *load, "-q", "-rs", "-p", "no:cacheprovider",
         "--contract-suite", SUITE, "--contract-files", str(target.files)],
        capture_output=True, text=True, cwd=tmp_path, timeout=300, check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT)})
    checks = len(get_suite(SUITE).checks)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{checks - len(HTTP_CHECKS)} passed, {len(HTTP_CHECKS)} skipped" in done.stdout
    assert "not applicable: the feed was read from files" in done.stdout


def test_two_fetches_of_the_gateways_feed_have_no_findings(
        fetches: dict[str, bytes], tmp_path: Path) -> None:
    assert b"SEQUENCE:1\r\n" in fetches["02-fetch.ics"]  # the moved lesson
    report = run(get_suite(SUITE), write_feeds(fetches, tmp_path))
    assert report.findings() == []


def test_the_timetable_simulators_feed_has_no_errors(tmp_path: Path) -> None:
    school = TimetableSchool(60, seed=3)
    with running_timetable(school) as base:
        live = run(get_suite(SUITE), Target(base_url=f"{base}/school.ics"))
        with httpx.Client(timeout=30) as client:
            before = client.get(f"{base}/school.ics").content
            assert school.changes_for_day(date(2026, 11, 23), share=0.2)
            after = client.get(f"{base}/school.ics").content
    assert live.findings() == []
    assert b"RECURRENCE-ID" in after
    report = run(get_suite(SUITE), write_feeds({"1.ics": before, "2.ics": after}, tmp_path))
    assert report.findings() == []


@pytest.mark.parametrize("item", ICS_FAULTS, ids=[f.name for f in ICS_FAULTS])
def test_every_calendar_fault_is_reported_at_error_level(
        item: Fault, fetches: dict[str, bytes], tmp_path: Path,
        fault_detections: DetectionLog) -> None:
    report = run(get_suite(SUITE), write_feeds(item.apply(fetches), tmp_path))
    fault_detections.record(item, report)
    assert _errors(report), f"{item.name} went unnoticed"
    assert detected(report)


def test_the_faults_cover_the_rules_of_the_issue() -> None:
    names = {f.name for f in ICS_FAULTS}
    assert len(names) >= 5
    assert {"icalendar.no-vtimezone", "icalendar.missing-uid",
            "icalendar.dtend-before-dtstart", "icalendar.lf-line-endings",
            "icalendar.invalid-status", "icalendar.sequence-lowered",
            "icalendar.not-parseable"} <= names


@pytest.mark.parametrize(("name", "check"), [
    ("icalendar.no-vtimezone", "icalendar.timezone.defined"),
    ("icalendar.missing-uid", "icalendar.event.required"),
    ("icalendar.dtend-before-dtstart", "icalendar.event.dtend-after-dtstart"),
    ("icalendar.lf-line-endings", "icalendar.lines.crlf"),
    ("icalendar.unfolded-line", "icalendar.lines.folded"),
    ("icalendar.invalid-status", "icalendar.event.status"),
    ("icalendar.sequence-lowered", "icalendar.fetch.sequence"),
    ("icalendar.not-parseable", "icalendar.document.parses"),
    ("icalendar.duplicate-event", "icalendar.event.unique"),
])
def test_each_fault_is_reported_by_the_rule_it_breaks(
        name: str, check: str, fetches: dict[str, bytes], tmp_path: Path) -> None:
    faulty = next(f for f in ICS_FAULTS if f.name == name).apply(fetches)
    assert check in _errors(run(get_suite(SUITE), write_feeds(faulty, tmp_path)))


def _careless_feed(body: bytes) -> Starlette:
    """A feed served as text/plain, without validators, ignoring conditional requests."""

    def feed(request: Request) -> Response:
        return Response(body, media_type="text/plain")

    return Starlette(routes=[Route("/feed.ics", feed)])


def _stale_validator_feed(body: bytes) -> Starlette:
    """A feed with an ETag that never answers 304."""

    def feed(request: Request) -> Response:
        return Response(body, media_type="text/calendar", headers={"ETag": '"v1"'})

    return Starlette(routes=[Route("/feed.ics", feed)])


@pytest.fixture
def careless_base(fetches: dict[str, bytes]) -> Iterator[str]:
    with serve_in_thread(_careless_feed(fetches["01-fetch.ics"])) as port:
        yield f"http://127.0.0.1:{port}"


def test_a_feed_served_carelessly_is_reported(careless_base: str, fetches: dict[str, bytes]
                                              ) -> None:
    report = run(get_suite(SUITE), Target(base_url=f"{careless_base}/feed.ics"))
    assert _errors(report) == {"icalendar.http.content-type"}
    assert {f.check_id for f in report.findings(Severity.WARNING)} == {
        "icalendar.http.validators"}
    with serve_in_thread(_stale_validator_feed(fetches["01-fetch.ics"])) as port:
        stale = run(get_suite(SUITE), Target(base_url=f"http://127.0.0.1:{port}/feed.ics"))
    assert _errors(stale) == {"icalendar.http.not-modified"}
    missing = run(get_suite(SUITE), Target(base_url=f"{careless_base}/nothing.ics"))
    assert _errors(missing) == {"icalendar.http.ok"}
    # a 404 serves no feed: no rule about the feed was tested, and none says it passed
    assert missing.passed == 0
    skipped = _skipped(missing)
    assert set(skipped) == {c.id for c in get_suite(SUITE).checks} - {"icalendar.http.ok"}
    assert "no fetch answered 200" in skipped["icalendar.document.parses"]
    assert "no fetch answered 200" in skipped["icalendar.event.required"]


_EMPTY_CALENDAR = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//y//EN\r\nEND:VCALENDAR\r\n"


def test_a_feed_that_does_not_parse_passes_no_rule_about_its_content(tmp_path: Path) -> None:
    (tmp_path / "broken.ics").write_bytes(b"BEGIN:VCALENDAR\r\nthis is not a content line")
    report = run(get_suite(SUITE), Target(files=tmp_path / "broken.ics"))
    assert _errors(report) == {"icalendar.document.parses"}
    skipped = _skipped(report)
    content = {"icalendar.calendar.version", "icalendar.calendar.prodid",
               "icalendar.timezone.defined", "icalendar.event.required",
               "icalendar.event.dtend-after-dtstart", "icalendar.event.status",
               "icalendar.event.unique", "icalendar.event.sequence"}
    assert content <= set(skipped)
    assert all("no snapshot of the feed parses" in skipped[c] for c in content)
    # the line rules read the octets, which were read: they were tested
    assert {r.check.id for r in report.results if r.status is Status.PASSED} <= {
        "icalendar.lines.crlf", "icalendar.lines.folded"}


def test_a_calendar_without_events_passes_no_event_rule(tmp_path: Path) -> None:
    (tmp_path / "empty.ics").write_bytes(_EMPTY_CALENDAR)
    report = run(get_suite(SUITE), Target(files=tmp_path / "empty.ics"))
    assert report.findings() == []
    skipped = _skipped(report)
    events = {c.id for c in get_suite(SUITE).checks if c.id.startswith("icalendar.event.")}
    assert len(events) == 5
    assert all(skipped.get(c) == "the feed holds no VEVENT" for c in events)
    assert "has a TZID parameter" in skipped["icalendar.timezone.defined"]
    assert {r.check.id for r in report.results if r.status is Status.PASSED} == {
        "icalendar.document.parses", "icalendar.lines.crlf", "icalendar.lines.folded",
        "icalendar.calendar.version", "icalendar.calendar.prodid"}


def test_a_target_without_a_feed_is_refused(tmp_path: Path) -> None:
    with pytest.raises(TargetError, match="--base-url"):
        run(get_suite(SUITE), Target())
    with pytest.raises(TargetError, match=r"no \.ics"):
        run(get_suite(SUITE), Target(files=tmp_path))


def test_the_proof_command_counts_the_calendar_faults(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # the one test of ``python -m simulators.fault_proof`` itself, on the cheapest suite: the
    # session's own count (tests/conftest.py) comes from the fault tests, not from this
    assert main(["--suite", SUITE, "--workdir", str(tmp_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"{SUITE}: conformant input, 0 failed check(s)"
    assert lines[-1] == f"mutations detected: {len(ICS_FAULTS)}/{len(ICS_FAULTS)}"
