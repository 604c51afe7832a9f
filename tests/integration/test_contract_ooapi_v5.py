"""The ``ooapi-v5`` contract suite over real loopback HTTP.

It passes (0 error findings) against the simulated SIS and against the gateway's own
OOAPI provider, and each named fault mode of the simulated SIS
(:mod:`simulators.ooapi_sis.fault_modes`) makes the check built for it fail at error level.
The CLI writes its three reports; the pytest plugin collects one test per check.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET  # noqa: S405 - parsing our own output
from collections.abc import Iterator
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from contract_tests.checks import Finding, Severity
from contract_tests.registry import get_suite
from contract_tests.runner import Report, Status, run
from contract_tests.target import Target
from gateway.adapters.standards import Standards
from gateway.testing.serving import serve_in_thread
from simulators.ooapi_sis import SisCatalogue, SisSchool, create_sis_app
from simulators.ooapi_sis.fault_switch import with_fault
from tests.integration.ooapi_catalogue import DATABASES, Provider, running_provider

ROOT = Path(__file__).resolve().parents[2]
CLIENT, SECRET = "contract-client", "contract-secret-0123456789"
SINCE_UNTIL = "ooapi-v5.filters.since-until"
ITEMS = "ooapi-v5.schema.items"
#: Each fault mode of the SIS and the check built to report it.
DETECTED_BY = {
    "ooapi-v5.required-field-missing": "ooapi-v5.schema.collections",
    "ooapi-v5.wrong-enum-value": "ooapi-v5.schema.collections",
    "ooapi-v5.page-repeats-item": "ooapi-v5.paging.no-item-lost-or-repeated",
    "ooapi-v5.has-next-page-wrong": "ooapi-v5.paging.has-next-page",
    "ooapi-v5.page-size-not-echoed": "ooapi-v5.paging.page-size",
    "ooapi-v5.ids-change-between-calls": "ooapi-v5.ids.stable",
    "ooapi-v5.dangling-reference": "ooapi-v5.links.offering-references",
    "ooapi-v5.end-before-start": "ooapi-v5.dates.offerings",
    "ooapi-v5.sort-ignored": "ooapi-v5.sort.ids-and-dates",
    "ooapi-v5.filter-ignored": "ooapi-v5.filters.teaching-language",
    "ooapi-v5.server-error-on-a-page": "ooapi-v5.paging.page-number",
    "ooapi-v5.wrong-content-type": "ooapi-v5.schema.collections",
    "ooapi-v5.error-without-problem": "ooapi-v5.errors.not-found",
    "ooapi-v5.served-without-token": "ooapi-v5.auth.no-token",
    "ooapi-v5.total-pages-inconsistent": "ooapi-v5.paging.has-next-page",
    "ooapi-v5.total-pages-inconsistent-on-a-long-list": "ooapi-v5.paging.has-next-page",
    "ooapi-v5.search-ignored": "ooapi-v5.filters.q",
    "ooapi-v5.dangling-association-offering": "ooapi-v5.links.association-offering",
    "ooapi-v5.association-without-id": "ooapi-v5.schema.nested-lists",
    "ooapi-v5.bad-request-without-problem": "ooapi-v5.errors.bad-request",
}


def errors_of(report: Report) -> list[str]:
    return [f"{f.check_id}: {f.message} @ {f.location} = {f.value}"
            for f in report.findings(Severity.ERROR)]


def status_of(report: Report, check_id: str) -> Status:
    return next(r.status for r in report.results if r.check.id == check_id)


@pytest.fixture(scope="module")
def school() -> SisSchool:
    return SisSchool(SisCatalogue(40, seed=11), students=120, sessions_per_klas=1)


def sis_target(base: str, standards: Standards) -> Target:
    return Target(base_url=base, client_id=CLIENT, client_secret=SECRET,
                  token_url=f"{base}/oauth/token",
                  options={"standards_dir": str(standards.root)})


@pytest.fixture(scope="module")
def sis(school: SisSchool) -> Iterator[str]:
    app = create_sis_app(school.catalogue, client_id=CLIENT, client_secret=SECRET,
                         school=school)
    with serve_in_thread(app) as port:
        yield f"http://127.0.0.1:{port}"


def test_the_simulated_sis_passes_every_error_level_check(
    sis: str, standards: Standards
) -> None:
    suite = get_suite("ooapi-v5")
    report = run(suite, sis_target(sis, standards))
    assert errors_of(report) == []
    assert report.ok and len(report.results) == len(suite.checks)
    assert status_of(report, SINCE_UNTIL) is Status.PASSED  # tested, not skipped


def test_the_suite_reads_a_bounded_sample_of_a_large_catalogue(standards: Standards) -> None:
    large = SisSchool(SisCatalogue(400, seed=5), students=3000)
    app = create_sis_app(large.catalogue, client_id=CLIENT, client_secret=SECRET, school=large)
    with serve_in_thread(app) as port:
        context = get_suite("ooapi-v5").context_factory(
            sis_target(f"http://127.0.0.1:{port}", standards))
        try:
            paths = {c.path for c in context.collections}
            pages = sum(context.first_page(c).json().get("totalPages") or 1
                        for c in context.collections)
            for check in get_suite("ooapi-v5").checks:
                assert [f.message for f in check.run(context)
                        if f.severity is Severity.ERROR] == [], check.id
            fetched = len(context.http.exchanges)
        finally:
            context.close()
    assert paths >= {"/programs", "/courses", "/offerings", "/persons", "/organizations"}
    # reading every page of size 10 once would take `pages` requests; the suite takes a
    # sample (and every GET once), whatever the size of the catalogue
    assert fetched * 2 < pages, (fetched, pages)


@pytest.mark.parametrize(("fault", "detected_by"), DETECTED_BY.items())
def test_each_fault_is_reported_by_an_error_level_check(
    fault: str, detected_by: str, school: SisSchool, standards: Standards
) -> None:
    app = create_sis_app(school.catalogue, client_id=CLIENT, client_secret=SECRET,
                         school=school)
    with serve_in_thread(with_fault(app, fault)) as port:
        report = run(get_suite("ooapi-v5"), sis_target(f"http://127.0.0.1:{port}", standards))
    failed = {r.check.id for r in report.results if r.failed}
    assert detected_by in failed, errors_of(report)
    assert not report.ok


@pytest.fixture(scope="module", params=DATABASES)
def ooapi_provider(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Provider]:
    with running_provider(request, tmp_path_factory) as provider:
        yield provider


def test_the_gateways_own_provider_passes_every_error_level_check(
    ooapi_provider: Provider, standards: Standards
) -> None:
    target = Target(base_url=ooapi_provider.base, token=ooapi_provider.tokens["a"],
                    options={"standards_dir": str(standards.root)})
    report = run(get_suite("ooapi-v5"), target)
    assert errors_of(report) == [], "\n".join(errors_of(report))
    checked = {r.check.id for r in report.results}
    assert "ooapi-v5.paging.no-item-lost-or-repeated" in checked
    assert status_of(report, SINCE_UNTIL) is Status.PASSED
    # Every list's item path is offered: no "answers 404 for all sampled ids" warning.
    assert status_of(report, ITEMS) is Status.PASSED, [
        f.message for f in report.findings() if f.check_id == ITEMS]


def _since_until_on(school: SisSchool, standards: Standards, fault: str | None = None
                    ) -> tuple[list[Finding], list[str]]:
    """The since-until check alone against ``school`` (with ``fault``): its findings and the
    URLs it requested with since or until."""
    app = create_sis_app(school.catalogue, client_id=CLIENT, client_secret=SECRET,
                         school=school)
    with serve_in_thread(with_fault(app, fault) if fault else app) as port:
        context = get_suite("ooapi-v5").context_factory(
            sis_target(f"http://127.0.0.1:{port}", standards))
        try:
            check = next(c for c in get_suite("ooapi-v5").checks if c.id == SINCE_UNTIL)
            findings = list(check.run(context))
            windowed = [e.url for e in context.http.exchanges
                        if "since=" in e.url or "until=" in e.url]
        finally:
            context.close()
    return findings, windowed


@pytest.fixture(scope="module")
def many_cohorts() -> SisSchool:
    """Programs with 24 offerings each: the unfiltered list of one takes three pages of 10,
    a filtered one two."""
    return SisSchool(SisCatalogue(2, seed=3, cohorts=24, courses=2), students=10,
                     sessions_per_klas=1)


def test_since_until_compares_whole_lists_across_pages(
    many_cohorts: SisSchool, standards: Standards
) -> None:
    findings, windowed = _since_until_on(many_cohorts, standards)
    assert findings == []
    assert any("/programs/" in u and "since=" in u and "pageNumber=2" in u for u in windowed)
    assert any("/programs/" in u and "until=" in u and "pageNumber=2" in u for u in windowed)
    assert any("/courses/" in u for u in windowed)


@pytest.mark.parametrize(("fault", "says"), [
    ("ooapi-v5.since-ignored", "answered offering"),
    ("ooapi-v5.since-exclusive", "left out offering"),
])
def test_since_until_fails_at_error_level_on_a_server_that_gets_since_wrong(
    fault: str, says: str, many_cohorts: SisSchool, standards: Standards
) -> None:
    findings, _ = _since_until_on(many_cohorts, standards, fault)
    assert findings and all(f.severity is Severity.ERROR for f in findings)
    assert all(says in f.message and "since=" in f.message for f in findings), findings
    # lists of 24 offerings in pages of 10: what is wrong is found beyond the first page too
    # (an extra offering on page 2 of the filtered list, a left-out one on page 2 of the
    # unfiltered list)
    assert any("pageNumber=2" in f.location for f in findings), findings


# -- the command line and the pytest plugin, as a supplier runs them ------------------------


def _env(standards: Standards) -> dict[str, str]:
    return {**os.environ, "GATEWAY_CONTRACT_CLIENT_SECRET": SECRET,
            "GATEWAY_STANDARDS_DIR": str(standards.root), "PYTHONPATH": str(ROOT)}


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "contract_tests.cli", *args], capture_output=True, text=True,
        env=env, cwd=ROOT, timeout=300, check=False)


def test_the_cli_prints_the_summary_writes_three_reports_and_exits_0(
    sis: str, standards: Standards, tmp_path: Path
) -> None:
    done = _cli("run", "ooapi-v5", "--base-url", sis, "--client-id", CLIENT,
                "--token-url", f"{sis}/oauth/token", "--report-dir", str(tmp_path),
                env=_env(standards))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "PASS  ooapi-v5.paging.has-next-page" in done.stdout
    assert done.stdout.splitlines()[-2].endswith(": OK")
    assert SECRET not in done.stdout + done.stderr
    data = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert data["summary"]["ok"] is True
    assert data["summary"]["checks"] == len(get_suite("ooapi-v5").checks)
    root = ET.parse(tmp_path / "junit.xml").getroot()  # noqa: S314 - our own output
    assert root.find("testsuite").get("failures") == "0"  # type: ignore[union-attr]
    assert "<!DOCTYPE html>" in (tmp_path / "report.html").read_text(encoding="utf-8")


def test_the_cli_exits_1_on_a_fault_and_2_on_refused_credentials(
    school: SisSchool, standards: Standards, tmp_path: Path
) -> None:
    app = create_sis_app(school.catalogue, client_id=CLIENT, client_secret=SECRET,
                         school=school)
    with serve_in_thread(with_fault(app, "ooapi-v5.dangling-reference")) as port:
        base = f"http://127.0.0.1:{port}"
        done = _cli("run", "ooapi-v5", "--base-url", base, "--client-id", CLIENT,
                    "--token-url", f"{base}/oauth/token", "--report-dir", str(tmp_path),
                    "--select", "ooapi-v5.links.", env=_env(standards))
        refused = _cli("run", "ooapi-v5", "--base-url", base, "--client-id", CLIENT,
                       "--token-url", f"{base}/oauth/token", "--report-dir", str(tmp_path),
                       env={**_env(standards), "GATEWAY_CONTRACT_CLIENT_SECRET": "wrong"})
    assert done.returncode == 1, done.stdout + done.stderr
    assert "FAIL  ooapi-v5.links.offering-references" in done.stdout
    data = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert [r["id"] for r in data["results"] if r["status"] == "failed"] == [
        "ooapi-v5.links.offering-references"]
    assert refused.returncode == 2
    assert "token endpoint" in refused.stderr and "answered 401" in refused.stderr


SUPPLIER_TEST = '''
from contract_tests.target import Target


def test_my_endpoint(contract_run, contract_target):
    report = contract_run("ooapi-v5", contract_target, select=["ooapi-v5.paging."])
    assert report.ok, report.findings()
    assert len(report.results) == 4
'''


@pytest.mark.slow
def test_the_pytest_plugin_collects_one_test_per_check_and_serves_a_fixture(
    sis: str, standards: Standards, tmp_path: Path
) -> None:
    (tmp_path / "test_supplier.py").write_text(SUPPLIER_TEST, encoding="utf-8")
    (tmp_path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    # once installed, the pytest11 entry point loads the plugin; -p loads it by hand
    installed = any(e.value == "contract_tests.pytest_plugin"
                    for e in entry_points(group="pytest11"))
    load = [] if installed else ["-p", "contract_tests.pytest_plugin"]
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "pytest", *load, "-q",
         "-p", "no:cacheprovider", "--contract-suite", "ooapi-v5",
         "--contract-base-url", sis, "--contract-client-id", CLIENT,
         "--contract-token-url", f"{sis}/oauth/token",
         "--contract-report-dir", str(tmp_path / "reports"), str(tmp_path)],
        capture_output=True, text=True, env=_env(standards), cwd=tmp_path, timeout=300,
        check=False)
    checks = len(get_suite("ooapi-v5").checks)
    assert done.returncode == 0, done.stdout + done.stderr
    junit = ET.parse(tmp_path / "reports" / "junit.xml").getroot()  # noqa: S314
    assert junit.get("tests") == str(checks)
    # a check whose rule the simulated SIS gives nothing to test is skipped, not passed
    skipped = int(junit.get("skipped") or 0)
    assert skipped < 3
    expected = f"{checks + 1 - skipped} passed" + (f", {skipped} skipped" if skipped else "")
    assert expected in done.stdout
