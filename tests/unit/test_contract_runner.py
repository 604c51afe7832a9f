"""The contract-test core: checks as data, the runner's verdicts, selection, the registry."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from contract_tests.checks import Finding, NotApplicable, Severity, Suite, truncate
from contract_tests.registry import SUITE_MODULES, SuiteNotAvailable, available, get_suite
from contract_tests.runner import Status, run
from contract_tests.target import Target, TargetError
from gateway.adapters.standards import Standards


class Context:
    """A context that records what the runner did with it."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.closed = False

    def close(self) -> None:
        self.closed = True


def make_suite(context: Context) -> Suite:
    suite = Suite("demo", title="Demo", context_factory=lambda target: context)

    @suite.check("demo.pass", title="passes", rule="r", reference="spec §1")
    def passes(ctx: Context) -> Iterable[Finding]:
        ctx.calls.append("pass")
        return []

    @suite.check("demo.fail", title="fails", rule="r", reference="spec §2")
    def fails(ctx: Context) -> Iterable[Finding]:
        yield Finding("demo.fail", "first", Severity.ERROR, location="/a", value="1")
        yield Finding("demo.fail", "second", Severity.ERROR)

    @suite.check("demo.warn", title="warns", rule="r", reference="spec §3",
                 severity=Severity.WARNING)
    def warns(ctx: Context) -> Iterable[Finding]:
        yield Finding("demo.warn", "hmm", Severity.WARNING)

    def boom(ctx: Context) -> Iterable[Finding]:
        yield Finding("demo.crash", "before the crash", Severity.WARNING)
        raise ZeroDivisionError("division by zero")

    @suite.check("demo.crash", title="crashes", rule="r", reference="spec §4",
                 setup=lambda ctx: ctx.calls.append("setup"),
                 teardown=lambda ctx: ctx.calls.append("teardown"))
    def crash(ctx: Context) -> Iterable[Finding]:
        return boom(ctx)

    return suite


def test_each_check_gets_its_verdict_and_a_crash_does_not_end_the_run() -> None:
    context = Context()
    report = run(make_suite(context), Target())
    statuses = {r.check.id: r.status for r in report.results}
    assert statuses == {"demo.pass": Status.PASSED, "demo.fail": Status.FAILED,
                        "demo.warn": Status.WARNED, "demo.crash": Status.ERRORED}
    crash = report.results[3]
    assert [f.severity for f in crash.findings] == [Severity.WARNING, Severity.ERROR]
    assert crash.findings[1].message == (
        "check crashed in run: ZeroDivisionError: division by zero")
    assert crash.findings[1].location.startswith(__file__)
    assert context.calls == ["pass", "setup", "teardown"]
    assert context.closed
    assert (report.errors, report.warnings, report.passed, report.ok) == (2, 1, 1, False)
    assert [f.message for f in report.findings(Severity.ERROR)][:2] == ["first", "second"]


def test_a_failing_setup_skips_the_run_and_teardown_still_runs() -> None:
    calls: list[str] = []
    suite = Suite("s", context_factory=lambda target: None)

    def setup(ctx: Any) -> None:
        raise RuntimeError("no fixture data")

    def teardown(ctx: Any) -> None:
        calls.append("teardown")
        raise OSError("cleanup failed")

    @suite.check("s.one", title="t", rule="r", reference="ref", setup=setup, teardown=teardown)
    def one(ctx: Any) -> Iterable[Finding]:
        calls.append("run")
        return []

    result = run(suite, Target()).results[0]
    assert calls == ["teardown"]
    assert result.status is Status.ERRORED
    assert [f.message for f in result.findings] == [
        "check crashed in setup: RuntimeError: no fixture data",
        "check crashed in teardown: OSError: cleanup failed"]


def test_a_check_that_does_not_apply_is_skipped_with_its_reason_never_passed() -> None:
    calls: list[str] = []
    suite = Suite("s", context_factory=lambda target: None)

    @suite.check("s.rest", title="t", rule="r", reference="ref",
                 teardown=lambda ctx: calls.append("teardown"))
    def rest(ctx: Any) -> Iterable[Finding]:
        raise NotApplicable("no REST service was given")
        yield  # a generator, like most checks

    def no_role(ctx: Any) -> None:
        raise NotApplicable("a check of role=receiver")

    @suite.check("s.receiver", title="t", rule="r", reference="ref", setup=no_role)
    def receiver(ctx: Any) -> Iterable[Finding]:
        calls.append("run")
        return []

    @suite.check("s.late", title="t", rule="r", reference="ref")
    def late(ctx: Any) -> Iterable[Finding]:
        yield Finding("s.late", "found before", Severity.ERROR)
        raise NotApplicable("the rest does not apply")

    @suite.check("s.unexplained", title="t", rule="r", reference="ref")
    def unexplained(ctx: Any) -> Iterable[Finding]:
        raise NotApplicable("")

    report = run(suite, Target())
    rest_result, receiver_result, late_result, unexplained_result = report.results
    assert (rest_result.status, rest_result.reason, rest_result.findings) == (
        Status.SKIPPED, "no REST service was given", ())
    assert (receiver_result.status, receiver_result.reason) == (
        Status.SKIPPED, "a check of role=receiver")
    assert calls == ["teardown"]  # the run was not called; the teardown was
    assert late_result.status is Status.FAILED  # a finding keeps its verdict
    assert [f.message for f in late_result.findings] == ["found before"]
    assert unexplained_result.reason == "not applicable to this target"
    assert not rest_result.failed
    assert (report.skipped, report.passed, report.errors) == (3, 0, 1)
    assert report.counts()[Status.SKIPPED] == 3 and sum(report.counts().values()) == 4


def test_skips_never_fail_the_run() -> None:
    suite = Suite("s", context_factory=lambda target: None)

    @suite.check("s.na", title="t", rule="r", reference="ref")
    def na(ctx: Any) -> Iterable[Finding]:
        raise NotApplicable("files only")

    report = run(suite, Target())
    assert report.ok and report.errors == 0 and report.skipped == 1


def test_a_run_without_error_findings_is_ok() -> None:
    report = run(make_suite(Context()), Target(), select=["demo.pass", "demo.warn"])
    assert [r.check.id for r in report.results] == ["demo.pass", "demo.warn"]
    assert report.ok and report.errors == 0


def test_select_takes_ids_and_prefixes_and_refuses_unknown_ids() -> None:
    suite = make_suite(Context())
    assert [r.check.id for r in run(suite, Target(), select=["demo."]).results] == [
        "demo.pass", "demo.fail", "demo.warn", "demo.crash"]
    with pytest.raises(KeyError, match="demo.nope"):
        run(suite, Target(), select=["demo.nope"])


def test_a_target_error_of_the_context_reaches_the_caller() -> None:
    def refuse(target: Target) -> Any:
        raise TargetError("this suite needs --base-url")

    with pytest.raises(TargetError, match="base-url"):
        run(Suite("s", context_factory=refuse), Target())
    with pytest.raises(TargetError, match="--files"):
        Target().require_files()


def test_check_ids_are_unique_within_a_suite() -> None:
    suite = make_suite(Context())
    with pytest.raises(ValueError, match="already has a check demo.pass"):
        suite.check("demo.pass", title="t", rule="r", reference="x")(lambda ctx: [])
    assert suite.get("demo.warn").severity is Severity.WARNING


def test_findings_keep_at_most_200_characters_of_a_value() -> None:
    finding = Finding("x", "m", Severity.ERROR, value="v" * 500)
    assert len(finding.value) == 200 and finding.value.endswith("…")
    assert truncate({"a": 1}) == "{'a': 1}"


def test_the_registry_lists_every_suite_and_refuses_unknown_or_missing_ones() -> None:
    assert set(available()) == set(SUITE_MODULES)
    assert available()["ooapi-v5"]
    assert get_suite("ooapi-v5").name == "ooapi-v5"
    with pytest.raises(SuiteNotAvailable, match="unknown suite 'nope'"):
        get_suite("nope")


def test_the_ooapi_suite_needs_a_base_url_and_the_standards(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, standards: Standards
) -> None:
    suite = get_suite("ooapi-v5")
    with pytest.raises(TargetError, match="base-url"):
        suite.context_factory(Target(options={"standards_dir": str(standards.root)}))
    with pytest.raises(TargetError, match="ooapi.json not found"):
        suite.context_factory(Target(base_url="http://127.0.0.1:9",
                                     options={"standards_dir": str(tmp_path)}))
    monkeypatch.delenv("GATEWAY_STANDARDS_DIR", raising=False)
    with pytest.raises(TargetError, match="standards_dir"):
        suite.context_factory(Target(base_url="http://127.0.0.1:9"))
