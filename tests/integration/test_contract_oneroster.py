"""The ``oneroster-1.2`` contract suite against the gateway's OneRoster output and every fault.

Conformant: the gateway's exported CSV bundle, its REST service over real HTTP (uvicorn on
loopback, a real token) together with the bundle it serves for download. Every fault of
:mod:`simulators.roster_faults` applied to the bundle must be reported by an error-level
check; the REST checks must report a service that pages, filters or guards wrongly
(served through a middleware that breaks the gateway in one way).
"""

from __future__ import annotations

import csv
import io
import json
import re
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
    ("oneroster-1.2.course-shares-class-id", "oneroster.csv.sourcedid-unique"),
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
            parent, name = scope["path"].rsplit("/", 2)[-2:]
            listing = parent == "v1p2" and not any(k == "filter" for k, _ in query) and any(
                k == b"authorization" for k, _ in headers)  # bad filters, no token: as served
            if mode in ("collections-fail", "collections-empty") and listing:
                empty = mode == "collections-empty"  # schools are wrapped as orgs
                body = json.dumps({"orgs" if name == "schools" else name: []}).encode()
                await send({"type": "http.response.start", "status": 200 if empty else 503,
                            "headers": [(b"content-type", b"application/json"),
                                        (b"x-total-count", b"0")]})
                await send({"type": "http.response.body", "body": body if empty else b"down"})
                return
            if mode == "repeats-item":  # every later page starts one object early
                query = [(k, str(int(v) - 1) if k == "offset" and int(v) > 0 else v)
                         for k, v in query]
            elif mode == "ignores-parent":  # a class's students: every student
                scope = {**scope, "path": re.sub(r"/classes/[^/]+/students$", "/students",
                                                 scope["path"])}
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
    ("ignores-parent", "oneroster.rest.nested"),
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


# A rule with nothing to look at is skipped with the reason, never passed.
_VALUE_CHECKS = ("oneroster.csv.mode-fields", "oneroster.csv.required",
                 "oneroster.csv.sourcedid-unique", "oneroster.csv.references",
                 "oneroster.csv.enumerations", "oneroster.csv.dates")


def _skipped(report: Report) -> dict[str, str]:
    assert [r.check.id for r in report.results if r.status is Status.ERRORED] == []
    return {r.check.id: r.reason for r in report.results if r.status is Status.SKIPPED}


def _rewrite(bundle: dict[str, bytes], edit: Callable[[str, list[list[str]]], None]
             ) -> dict[str, bytes]:
    """Every file of ``bundle`` after ``edit(filename, rows)`` (header first, in place)."""
    out = {}
    for name, body in bundle.items():
        rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))
        edit(name, rows)
        text = io.StringIO()
        csv.writer(text, lineterminator="\r\n").writerows(rows)
        out[name] = text.getvalue().encode()
    return out


@pytest.mark.parametrize(("case", "why"), [
    ("manifest-only", "holds only manifest.csv"),
    ("unreadable", "data file(s) are unreadable"),
])
def test_a_bundle_without_readable_data_files_skips_the_file_checks(
        case: str, why: str, bundle: dict[str, bytes], tmp_path: Path) -> None:
    files = {"manifest.csv": bundle["manifest.csv"]}
    if case == "unreadable":
        files |= {name: b"\xff\xfe not UTF-8" for name in bundle if name != "manifest.csv"}
    report = run(get_suite(SUITE), write_bundle(files, tmp_path))
    skipped = _skipped(report)
    assert set(skipped) >= {"oneroster.csv.header", *_VALUE_CHECKS}
    assert all(why in skipped[check] for check in ("oneroster.csv.header", *_VALUE_CHECKS))
    passed = {r.check.id for r in report.results if r.status is Status.PASSED}
    if case == "unreadable":
        assert "oneroster.csv.readable" in _errors(report)
        assert passed == {"oneroster.manifest.present", "oneroster.manifest.files"}
    else:  # the manifest is there to read
        assert passed == {"oneroster.manifest.present", "oneroster.csv.readable"}


def test_files_with_a_header_and_no_rows_skip_the_value_checks(
        bundle: dict[str, bytes], tmp_path: Path) -> None:
    def headers_only(name: str, rows: list[list[str]]) -> None:
        if name != "manifest.csv":
            del rows[1:]

    empty = _rewrite(bundle, headers_only)
    report = run(get_suite(SUITE), write_bundle(empty, tmp_path))
    skipped = _skipped(report)
    assert set(skipped) >= set(_VALUE_CHECKS)
    assert all("no data rows" in skipped[check] for check in _VALUE_CHECKS), skipped
    assert "oneroster.csv.readable" in _errors(report)
    # the header is there to look at: it is checked, and a wrong one fails
    header = next(r for r in report.results if r.check.id == "oneroster.csv.header")
    assert header.status is Status.PASSED

    def renamed(name: str, rows: list[list[str]]) -> None:
        if name == "users.csv":
            rows[0][rows[0].index("givenName")] = "firstName"

    report = run(get_suite(SUITE), write_bundle(_rewrite(empty, renamed), tmp_path / "renamed"))
    assert "oneroster.csv.header" in _errors(report)


def test_references_of_a_bundle_of_deltas_only_are_skipped(
        bundle: dict[str, bytes], tmp_path: Path) -> None:
    def as_delta(name: str, rows: list[list[str]]) -> None:
        if name == "manifest.csv":
            for row in rows[1:]:
                if row[0].startswith("file.") and row[1] == "bulk":
                    row[1] = "delta"
            return
        status, modified = rows[0].index("status"), rows[0].index("dateLastModified")
        for row in rows[1:]:
            row[status], row[modified] = "active", "2026-03-01T09:30:00Z"

    report = run(get_suite(SUITE), write_bundle(_rewrite(bundle, as_delta), tmp_path))
    assert report.findings() == []
    assert set(_skipped(report)) - {c.id for c in get_suite(SUITE).checks if ".rest." in c.id} \
        == {"oneroster.csv.references"}
    assert "is a delta" in _skipped(report)["oneroster.csv.references"]


_REST_SKIPS = ("oneroster.rest.paging", "oneroster.rest.single", "oneroster.rest.nested")


def test_a_service_with_empty_collections_skips_the_rules_about_objects(tmp_path: Path) -> None:
    holder: dict[str, str] = {}
    with served_gateway(tmp_path, wrap=_breaking("collections-empty", lambda: holder["token"])
                        ) as served:
        seed_roster(served.gateway)
        holder["token"] = _token(served.gateway)
        report = run(get_suite(SUITE), Target(base_url=served.base, token=holder["token"]))
    skipped = _skipped(report)
    assert report.findings() == []
    assert set(skipped) - {c.id for c in get_suite(SUITE).checks if ".rest." not in c.id} \
        == set(_REST_SKIPS)
    assert "6 empty" in skipped["oneroster.rest.single"]
    assert "with fewer than two objects" in skipped["oneroster.rest.paging"]
    assert "answered an empty collection" in skipped["oneroster.rest.nested"]


def test_a_service_whose_collections_fail_skips_the_rules_about_objects(tmp_path: Path) -> None:
    holder: dict[str, str] = {}
    with served_gateway(tmp_path, wrap=_breaking("collections-fail", lambda: holder["token"])
                        ) as served:
        seed_roster(served.gateway)
        holder["token"] = _token(served.gateway)
        report = run(get_suite(SUITE), Target(base_url=served.base, token=holder["token"]))
    skipped = _skipped(report)
    assert _errors(report) == {"oneroster.rest.collections"}
    assert set(_REST_SKIPS) <= set(skipped)
    assert "6 unreadable" in skipped["oneroster.rest.paging"]
    assert "6 unreadable" in skipped["oneroster.rest.single"]
    assert "GET /schools answered 503" in skipped["oneroster.rest.nested"]
