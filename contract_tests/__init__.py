"""Conformance suites that suppliers run against their own endpoints, files and topics.

A suite is data: a list of :class:`Check` (id, rule, reference in the specification,
severity, steps) and a factory for the context its checks share. Run one from Python::

    from contract_tests import Target, get_suite, run

    report = run(get_suite("ooapi-v5"), Target(base_url="https://sis.example/ooapi/v5",
                                               token="...", options={"standards_dir": "..."}))
    print(report.ok, report.errors)

or with the ``gateway-contract`` command (:mod:`contract_tests.cli`) or the pytest plugin
(:mod:`contract_tests.pytest_plugin`). See ``docs/contract-tests.md``.
"""

from contract_tests.checks import Check, Finding, NotApplicable, Severity, Suite
from contract_tests.registry import SUITES, get_suite
from contract_tests.runner import CheckResult, Report, Status, run
from contract_tests.target import Target, TargetError

__all__ = ["SUITES", "Check", "CheckResult", "Finding", "NotApplicable", "Report", "Severity",
           "Status", "Suite", "Target", "TargetError", "get_suite", "run"]
