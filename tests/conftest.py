"""Top-level test configuration: registers the shared fixture modules.

Fixtures live in ``tests/fixtures/`` so this file stays small:

- ``kafka_bootstrap`` (session): a real Kafka-protocol broker (Tansu).
- ``postgres_server`` (session) and ``postgres_url`` (fresh database per test).
- ``sqlite_url``: a SQLite file in the test's ``tmp_path``.

Tests using the broker or PostgreSQL get the ``kafka``/``postgres`` marker
automatically. Missing binaries skip locally but fail with ``CI=true``.
"""

pytest_plugins = [
    "tests.fixtures.kafka",
    "tests.fixtures.databases",
    "tests.fixtures.standards",
    "tests.fixtures.gateway",
]


def _standards_dir() -> None:
    """Point the gateway at the official standards beside the repository (../shared)."""
    import os
    from pathlib import Path

    here = Path(__file__).resolve().parents[1] / ".." / "shared" / "standards"
    if "GATEWAY_STANDARDS_DIR" not in os.environ and here.is_dir():
        os.environ["GATEWAY_STANDARDS_DIR"] = str(here.resolve())


_standards_dir()


# -- the fault proof, counted once per session ------------------------------------------------
# The fault tests of every suite feed the session's DetectionLog (fixture ``fault_detections``);
# the summary prints ``mutations detected: N/M`` from it, so CI runs each fault once, not a
# second time in ``python -m simulators.fault_proof``. A session that collects every contract
# test module (``make test``, ``pytest tests/integration/test_contract_*.py``) and deselects
# none of their fault tests fails when a registered fault did not run; any session fails when
# a fault that ran went unnoticed.

from typing import TYPE_CHECKING  # noqa: E402 - the fault-proof hooks are additive

import pytest  # noqa: E402

if TYPE_CHECKING:
    from simulators.fault_proof import DetectionLog

_FAULT_LOG = pytest.StashKey["DetectionLog"]()
_FAULT_PROBLEMS = pytest.StashKey[list[str]]()
_FAULT_ITEMS_DESELECTED = pytest.StashKey[bool]()
_FAULT_MODULES = "integration/test_contract_*.py"


@pytest.fixture(scope="session")
def fault_detections(pytestconfig: pytest.Config) -> "DetectionLog":
    """The session's :class:`simulators.fault_proof.DetectionLog`: record each fault's report."""
    from simulators.fault_proof import DetectionLog

    return pytestconfig.stash.setdefault(_FAULT_LOG, DetectionLog())


def pytest_deselected(items: list[pytest.Item]) -> None:
    if any("fault_detections" in getattr(item, "fixturenames", ()) for item in items):
        items[0].config.stash[_FAULT_ITEMS_DESELECTED] = True


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Judge the proof (printed by pytest_terminal_summary, which pytest calls after this)."""
    from pathlib import Path

    config = session.config
    collected = {Path(str(item.path)).resolve() for item in session.items}
    modules = {p.resolve() for p in Path(__file__).parent.glob(_FAULT_MODULES)}
    complete = (modules <= collected and not config.stash.get(_FAULT_ITEMS_DESELECTED, False)
                and not config.option.collectonly)
    if complete and _FAULT_LOG not in config.stash:  # every fault test was skipped
        from simulators.fault_proof import DetectionLog

        config.stash[_FAULT_LOG] = DetectionLog()
    log = config.stash.get(_FAULT_LOG, None)
    if log is None:
        return
    problems = config.stash[_FAULT_PROBLEMS] = log.problems(complete=complete)
    if problems and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, exitstatus: int,
                            config: pytest.Config) -> None:
    log = config.stash.get(_FAULT_LOG, None)
    if log is None:
        return
    problems = config.stash.get(_FAULT_PROBLEMS, [])
    terminalreporter.write_sep("=", "fault proof")
    for problem in problems:
        terminalreporter.write_line(problem, red=True)
    terminalreporter.write_line(log.line(), bold=True, red=bool(problems))
