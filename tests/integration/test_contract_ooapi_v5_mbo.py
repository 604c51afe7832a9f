"""The ``ooapi-v5-mbo`` contract suite over real loopback HTTP, both roles.

``role=receiver`` against the gateway's own ``/ooapi/v5-mbo`` (SQLite and PostgreSQL):
0 error findings, and what the suite sent is really there. ``role=sis`` against the
simulated SIS: 0 error findings, a bounded number of requests. The checks of the other
role are reported as skipped (not applicable), never as passed. A bad role or a missing
base URL is the supplier's setup (TargetError), not a finding.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from contract_tests.checks import Severity
from contract_tests.registry import get_suite
from contract_tests.runner import Report, Status, run, run_check
from contract_tests.target import Target, TargetError
from gateway.adapters.standards import Standards
from simulators.ooapi_sis.server import running_sis
from simulators.sis_faults import CLIENT_ID, CLIENT_SECRET, small_school
from tests.integration.mbo_profile_support import DATABASES, Receiver, running_receiver

SUITE = "ooapi-v5-mbo"


def errors_of(report: Report) -> list[str]:
    return [f"{f.check_id}: {f.message} @ {f.location} = {f.value}"
            for f in report.findings(Severity.ERROR)]


@pytest.fixture(scope="module", params=DATABASES)
def receiver(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
             standards: Standards) -> Iterator[Receiver]:
    with running_receiver(request, tmp_path_factory, standards) as running:
        yield running


@pytest.fixture(scope="module")
def sis() -> Iterator[str]:
    school = small_school()
    with running_sis(school.catalogue, client_id=CLIENT_ID, client_secret=CLIENT_SECRET,
                     school=school) as base:
        yield base


def sis_target(base: str, standards: Standards, **options: str) -> Target:
    return Target(base_url=base, client_id=CLIENT_ID, client_secret=CLIENT_SECRET,
                  token_url=f"{base}/oauth/token",
                  options={"standards_dir": str(standards.root), "role": "sis", **options})


def test_the_gateways_receiver_passes_every_receiver_check(
    receiver: Receiver, standards: Standards
) -> None:
    target = Target(base_url=receiver.base, token=receiver.tokens["sis"],
                    options={"standards_dir": str(standards.root), "role": "receiver"})
    report = run(get_suite(SUITE), target)
    assert errors_of(report) == [], "\n".join(errors_of(report))
    assert report.ok and len(report.results) == len(get_suite(SUITE).checks)
    receiver_checks = [r for r in report.results if ".receiver." in r.check.id]
    assert len(receiver_checks) == 8
    assert all(r.status is Status.PASSED for r in receiver_checks)
    sis_checks = [r for r in report.results if ".sis." in r.check.id]
    assert {r.status for r in sis_checks} == {Status.SKIPPED}
    assert all("role=sis" in r.reason and "role=receiver" in r.reason for r in sis_checks)
    assert report.skipped == len(sis_checks) == 9


def test_what_the_receiver_role_sends_is_stored_and_valid(
    receiver: Receiver, standards: Standards
) -> None:
    target = Target(base_url=receiver.base, token=receiver.tokens["sis"],
                    options={"standards_dir": str(standards.root), "role": "receiver"})
    context = get_suite(SUITE).context_factory(target)
    try:
        pushed = context.session()
    finally:
        context.close()
    assert [s.exchange.status for s in pushed.puts] == [201] * 5
    for sent in pushed.puts[:4]:  # the member is read through its group's list
        assert receiver.get(sent.path).json().items() >= sent.body.items()
    members = receiver.get(f"/groups/{pushed.gid}/members").json()["items"]
    assert [m["personId"] for m in members] == [pushed.pid]


def test_the_simulated_sis_passes_every_sis_check(sis: str, standards: Standards) -> None:
    suite = get_suite(SUITE)
    report = run(suite, sis_target(sis, standards))
    assert errors_of(report) == [], "\n".join(errors_of(report))
    sis_checks = [r for r in report.results if ".sis." in r.check.id]
    assert len(sis_checks) == 9
    assert Status.SKIPPED not in {r.status for r in sis_checks}
    receiver_checks = [r for r in report.results if ".receiver." in r.check.id]
    assert [r.status for r in receiver_checks] == [Status.SKIPPED] * 8
    assert receiver_checks[0].reason.startswith("a check of role=receiver; this run is role=sis")
    assert report.ok  # skips never fail the run
    # ooapi.json's PersonId objects under an offering: a warning, not an error
    assert {f.check_id for f in report.findings(Severity.WARNING)} <= {
        "ooapi-v5-mbo.sis.associations"}


def test_an_sis_run_reads_a_bounded_sample(sis: str, standards: Standards) -> None:
    suite = get_suite(SUITE)
    context = suite.context_factory(sis_target(sis, standards, sample="2"))
    try:
        for check in suite.checks:
            run_check(check, context)
        methods = {e.method for e in context.http.exchanges}
        fetched = len(context.http.exchanges)
    finally:
        context.close()
    assert methods == {"GET"}  # role=sis never writes
    assert fetched < 40


def test_a_bad_role_or_no_base_url_is_the_suppliers_setup(standards: Standards) -> None:
    suite = get_suite(SUITE)
    with pytest.raises(TargetError, match="role"):
        suite.context_factory(Target(base_url="http://127.0.0.1:9", options={
            "standards_dir": str(standards.root), "role": "school"}))
    with pytest.raises(TargetError, match="base-url"):
        suite.context_factory(Target(options={"standards_dir": str(standards.root)}))
