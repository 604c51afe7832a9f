"""A pytest plugin: run the contract suites inside a supplier's own test run.

Two ways to use it (the ``pytest11`` entry point loads it; ``-p contract_tests.pytest_plugin``
loads it by hand):

1. One pytest test per check, against the target named on the command line::

       pytest --contract-suite ooapi-v5 --contract-base-url https://sis.example/ooapi/v5 \\
              --contract-client-id ID --contract-token-url URL \\
              --contract-option standards_dir=/standards

   Each check is an item ``contract[ooapi-v5]::ooapi-v5.paging.page-size``; ``-k`` selects.
   A check whose rule does not apply to the target is skipped (``pytest.skip``) with the
   reason, so ``-rs`` lists what was not tested and why.

2. The ``contract_run`` fixture, from a test with the supplier's own fixtures::

       def test_my_endpoint(contract_run, my_server):
           report = contract_run("ooapi-v5", Target(base_url=my_server.url, token=...))
           assert report.ok, report.findings()

Importing the module has no side effects and imports no suite; without ``--contract-suite``
it adds no items, so an ordinary test run is not slowed.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest

from contract_tests.checks import Check, Suite
from contract_tests.reporting.masking import Masker
from contract_tests.runner import CheckResult, Report, Status, run, run_check
from contract_tests.target import Target, TargetError

__all__ = ["ContractCheckFailed", "ContractCheckItem", "ContractRun", "target_from_options"]

ContractRun = Callable[..., Report]
_STATE = pytest.StashKey["_SessionRun"]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("contract", "gateway contract tests (contract_tests)")
    group.addoption("--contract-suite", help="collect this suite's checks as tests")
    group.addoption("--contract-base-url", help="the endpoint's base URL")
    group.addoption("--contract-token", help="a bearer token (or GATEWAY_CONTRACT_TOKEN)")
    group.addoption("--contract-client-id", help="OAuth2 client id")
    group.addoption("--contract-client-secret",
                    help="its secret (or GATEWAY_CONTRACT_CLIENT_SECRET)")
    group.addoption("--contract-token-url", help="the OAuth2 token endpoint")
    group.addoption("--contract-files", help="a file or folder to check")
    group.addoption("--contract-option", action="append", default=[], metavar="KEY=VALUE",
                    help="a suite option (repeat)")
    group.addoption("--contract-report-dir",
                    help="write junit.xml, report.json and report.html of the collected run")


def target_from_options(config: pytest.Config) -> Target:
    """The :class:`Target` the ``--contract-*`` options describe.

    Raises:
        TargetError: an ``--contract-option`` is not ``KEY=VALUE``.
    """
    options = {}
    for pair in config.getoption("contract_option") or []:
        key, sep, value = str(pair).partition("=")
        if not sep or not key:
            raise TargetError(f"--contract-option takes KEY=VALUE, not {pair!r}")
        options[key] = value
    files = config.getoption("contract_files")
    return Target(
        base_url=config.getoption("contract_base_url"),
        token=config.getoption("contract_token") or os.environ.get("GATEWAY_CONTRACT_TOKEN"),
        client_id=config.getoption("contract_client_id"),
        client_secret=(config.getoption("contract_client_secret")
                       or os.environ.get("GATEWAY_CONTRACT_CLIENT_SECRET")),
        token_url=config.getoption("contract_token_url"),
        files=Path(files) if files else None,
        options=MappingProxyType(options))


def _suite(name_or_suite: str | Suite) -> Suite:
    if isinstance(name_or_suite, Suite):
        return name_or_suite
    from contract_tests.registry import get_suite  # imported when a suite is asked for

    return get_suite(name_or_suite)


@pytest.fixture
def contract_target(pytestconfig: pytest.Config) -> Target:
    """The target of the ``--contract-*`` command-line options."""
    return target_from_options(pytestconfig)


@pytest.fixture
def contract_run(pytestconfig: pytest.Config) -> ContractRun:
    """``contract_run(suite, target=None, *, select=None) -> Report``.

    ``suite`` is a name (``"ooapi-v5"``) or a :class:`~contract_tests.checks.Suite`;
    ``target`` defaults to the command-line options.
    """

    def run_suite(suite: str | Suite, target: Target | None = None, *,
                  select: Iterable[str] | None = None) -> Report:
        return run(_suite(suite), target or target_from_options(pytestconfig), select=select)

    return run_suite


# -- one item per check ----------------------------------------------------------------------


class _SessionRun:
    """The context shared by the collected checks: built on the first item, closed at the end."""

    def __init__(self, suite: Suite, target: Target) -> None:
        self.suite = suite
        self.report = Report(suite, target)
        self._context: Any = None
        self._error: TargetError | None = None
        self._built = False

    def context(self) -> Any:
        if not self._built:
            self._built = True
            try:
                self._context = self.suite.context_factory(self.report.target)
            except TargetError as exc:
                self._error = exc
        if self._error is not None:
            raise self._error
        return self._context

    def close(self) -> None:
        close = getattr(self._context, "close", None)
        if callable(close):
            close()


class ContractCheckFailed(Exception):
    """A check found error-level findings (or crashed); its text lists them."""


class ContractCheckItem(pytest.Item):
    """One check of the suite named by ``--contract-suite``, as a pytest test."""

    def __init__(self, *, check: Check, state: _SessionRun, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.check = check
        self.state = state

    def runtest(self) -> None:
        result = run_check(self.check, self.state.context())
        self.state.report.results.append(result)
        self.state.report.duration += result.duration
        masker = Masker.for_target(self.state.report.target,
                                   secret_url=self.state.suite.secret_url)
        result = masker.result(result)
        if result.findings:
            self.add_report_section("call", "findings", _describe(result))
        if result.failed:
            raise ContractCheckFailed(_describe(result))
        if result.status is Status.SKIPPED:
            pytest.skip(f"not applicable: {result.reason}")

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException],
                     style: Any = None) -> str:
        if isinstance(excinfo.value, ContractCheckFailed | TargetError):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo, style=style))

    def reportinfo(self) -> tuple[str, int | None, str]:
        return self.check.reference, None, f"{self.check.id}: {self.check.title}"


def _describe(result: CheckResult) -> str:
    check = result.check
    lines = [f"{check.id} ({result.status}): {check.title}", f"rule: {check.rule}",
             f"reference: {check.reference}"]
    for finding in result.findings:
        lines.append(f"- [{finding.severity}] {finding.message}")
        lines += [f"    {label}: {value}" for label, value in (
            ("at", finding.location), ("value", finding.value), ("request", finding.request))
            if value]
    return "\n".join(lines)


class _SuiteCollector(pytest.Collector):
    def __init__(self, *, state: _SessionRun, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.state = state

    def collect(self) -> Iterator[ContractCheckItem]:
        for check in self.state.suite.checks:
            yield ContractCheckItem.from_parent(self, name=check.id, check=check,
                                                state=self.state)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config,
                                  items: list[pytest.Item]) -> None:
    name = config.getoption("contract_suite", default=None)
    if not name:
        return
    try:
        state = _SessionRun(_suite(str(name)), target_from_options(config))
    except (KeyError, TargetError) as exc:
        raise pytest.UsageError(f"--contract-suite: {exc}") from exc
    config.stash[_STATE] = state
    node = f"contract[{name}]"
    collector = _SuiteCollector.from_parent(session, name=node, nodeid=node, state=state)
    collected = list(collector.collect())
    items.extend(collected)
    # tell the reporters, so "collected N items" counts the checks
    config.hook.pytest_collectreport(report=pytest.CollectReport(
        collector.nodeid, "passed", None, list[pytest.Item | pytest.Collector](collected)))


def pytest_sessionfinish(session: pytest.Session) -> None:
    state = session.config.stash.get(_STATE, None)
    if state is None:
        return
    state.close()
    directory = session.config.getoption("contract_report_dir", default=None)
    if directory and state.report.results:
        from contract_tests.reporting import write_reports

        write_reports(state.report, Path(directory))

