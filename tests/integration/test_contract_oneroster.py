"""The ``oneroster-1.2`` contract suite against the gateway's OneRoster output and every fault.

Conformant: the gateway's exported CSV bundle, its REST service over real HTTP (uvicorn on
loopback, a real token) together with the bundle it serves for download. Every fault of
:mod:`simulators.roster_faults` applied to the bundle must be reported by an error-level
check; the REST checks must report a service that pages, filters or guards wrongly
(served through a middleware that breaks the gateway in one way).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

import httpx
import pytest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from contract_tests.checks import Severity
from contract_tests.registry import get_suite
from contract_tests.runner import Report, Status, run
from contract_tests.target import Target, TargetError
from gateway.api.auth.tokens import TokenIssuer
from gateway.api.testing import TENANT_A
from gateway.bootstrap import Gateway
from simulators.conformant_roster import seed_roster, served_gateway
from simulators.fault_proof import DetectionLog, detected
from simulators.faults import Fault, faults
from simulators.roster_faults import conformant_bundle, write_bundle

OR_FAULTS = faults("oneroster-1.2")
SUITE = "oneroster-1.2"
CORE = "https://purl.imsglobal.org/spec/or/v1p2/scope/roster-core.readonly"


def _errors(report: Report) -> set[str]:
    """The checks that reported an error; a check that crashed is a defect, not a catch."""
    assert [r.check.id for r in report.results if r.status is Status.ERRORED] == []
    return {f.check_id for f in report.findings(Severity.ERROR)}


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    return conformant_bundle(tmp_path_factory.mktemp("gateway-bundle"))


def test_the_gateways_bundle_has_no_findings(bundle: dict[str, bytes], tmp_path: Path) -> None:
    assert {"manifest.csv", "users.csv", "roles.csv", "enrollments.csv"} <= set(bundle)
    report = run(get_suite(SUITE), write_bundle(bundle, tmp_path))
    assert report.findings() == []
    skipped = {r.check.id: r.reason for r in report.results if r.status is Status.SKIPPED}
    assert set(skipped) == {c.id for c in get_suite(SUITE).checks if ".rest." in c.id}
    assert all("no REST service was given (--base-url)" in r for r in skipped.values())
    folder = tmp_path / "unzipped"
    folder.mkdir()
    for name, body in bundle.items():
        (folder / name).write_bytes(body)
    assert run(get_suite(SUITE), Target(files=folder)).findings() == []


def _token(gateway: Gateway) -> str:
    issuer = TokenIssuer(gateway.settings, clock=gateway.clock)
    return issuer.issue("lms", TENANT_A, (CORE,)).access_token


def test_the_gateways_rest_service_and_download_have_no_findings(tmp_path: Path) -> None:
    with served_gateway(tmp_path) as served:
        seed_roster(served.gateway)
        token = _token(served.gateway)
        download = httpx.get(f"{served.base}/ims/oneroster/v1p2/csv", timeout=30,
                             headers={"Authorization": f"Bearer {token}"})
        assert download.status_code == 200
        (tmp_path / "download.zip").write_bytes(download.content)
        report = run(get_suite(SUITE), Target(base_url=served.base, token=token,
                                              files=tmp_path / "download.zip"))
        rest_only = run(get_suite(SUITE), Target(base_url=served.base, token=token))
    assert report.findings() == []
    assert len(report.results) == len(get_suite(SUITE).checks) >= 15
    assert report.skipped == 0
    assert rest_only.findings() == [] and rest_only.ok
    skipped = {r.check.id: r.reason for r in rest_only.results if r.status is Status.SKIPPED}
    assert set(skipped) == {c.id for c in get_suite(SUITE).checks if ".rest." not in c.id}
    assert all("no CSV bundle was given (--files)" in r for r in skipped.values())


@pytest.mark.parametrize("item", OR_FAULTS, ids=[f.name for f in OR_FAULTS])
def test_every_oneroster_fault_is_reported_at_error_level(
        item: Fault, bundle: dict[str, bytes], tmp_path: Path,
        fault_detections: DetectionLog) -> None:
    report = run(get_suite(SUITE), write_bundle(item.apply(bundle), tmp_path))
    fault_detections.record(item, report)
    assert _errors(report), f"{item.name} went unnoticed"
    assert detected(report)


@pytest.mark.parametrize(("name", "check"), [
    ("oneroster-1.2.renamed-column", "oneroster.csv.header"),
    ("oneroster-1.2.missing-column", "oneroster.csv.header"),
    ("oneroster-1.2.missing-required", "oneroster.csv.required"),
    ("oneroster-1.2.dangling-enrollment", "oneroster.csv.references"),
    ("oneroster-1.2.bad-date", "oneroster.csv.dates"),
    ("oneroster-1.2.bad-role", "oneroster.csv.enumerations"),
    ("oneroster-1.2.duplicate-sourcedid", "oneroster.csv.sourcedid-unique"),
    ("oneroster-1.2.no-manifest", "oneroster.manifest.present"),
    ("oneroster-1.2.unlisted-file", "oneroster.manifest.files"),
    ("oneroster-1.2.bulk-with-status", "oneroster.csv.mode-fields"),
])
def test_each_fault_is_reported_by_the_rule_it_breaks(
        name: str, check: str, bundle: dict[str, bytes], tmp_path: Path) -> None:
    faulty = next(f for f in OR_FAULTS if f.name == name).apply(bundle)
    assert check in _errors(run(get_suite(SUITE), write_bundle(faulty, tmp_path)))


def _breaking(mode: str, token: Callable[[], str]) -> Callable[[ASGIApp], ASGIApp]:
    """ASGI middleware breaking the gateway's REST service in one way (``mode``); ``token``
    gives the token the ``open`` mode lends to requests that have none."""

    def wrap(app: ASGIApp) -> ASGIApp:
        async def broken(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http":
                await app(scope, receive, send)
                return
            query = parse_qsl(scope["query_string"].decode())
            headers = list(scope["headers"])
            if mode == "repeats-item":  # every later page starts one object early
                query = [(k, str(int(v) - 1) if k == "offset" and int(v) > 0 else v)
                         for k, v in query]
            elif mode == "ignores-filter":
                query = [(k, v) for k, v in query if k != "filter"]
            elif mode == "open" and not any(k == b"authorization" for k, _ in headers):
                headers.append((b"authorization", f"Bearer {token()}".encode()))
            scope = {**scope, "query_string": urlencode(query).encode(), "headers": headers}

            async def sending(message: Message) -> None:
                if mode == "no-total-count" and message["type"] == "http.response.start":
                    message = {**message, "headers": [
                        (k, v) for k, v in message["headers"] if k.lower() != b"x-total-count"]}
                await send(message)

            await app(scope, receive, sending)

        return broken

    return wrap


@pytest.mark.parametrize(("mode", "check"), [
    ("repeats-item", "oneroster.rest.paging"),
    ("no-total-count", "oneroster.rest.paging"),
    ("ignores-filter", "oneroster.rest.invalid-filter"),
    ("open", "oneroster.rest.unauthorized"),
])
def test_a_broken_rest_service_is_reported(mode: str, check: str, tmp_path: Path) -> None:
    holder: dict[str, str] = {}
    with served_gateway(tmp_path, wrap=_breaking(mode, lambda: holder["token"])) as served:
        seed_roster(served.gateway)
        holder["token"] = _token(served.gateway)
        report = run(get_suite(SUITE), Target(base_url=served.base, token=holder["token"]))
    assert _errors(report) == {check}


def test_a_target_without_bundle_or_service_is_refused(tmp_path: Path) -> None:
    with pytest.raises(TargetError, match="--files"):
        run(get_suite(SUITE), Target())
    (tmp_path / "not.zip").write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(TargetError, match="zip"):
        run(get_suite(SUITE), Target(files=tmp_path / "not.zip"))


def test_there_are_enough_oneroster_faults() -> None:
    assert len(OR_FAULTS) >= 4
