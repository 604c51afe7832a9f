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
