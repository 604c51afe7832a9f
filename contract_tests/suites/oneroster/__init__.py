"""The ``oneroster-1.2`` suite: a OneRoster 1.2 CSV bundle and/or the rostering REST service.

    gateway-contract run oneroster-1.2 --files roster.zip
    gateway-contract run oneroster-1.2 --base-url https://sis.example --token-url ... \\
        --client-id ID --client-secret S

Importing the check modules registers their checks on :data:`suite`; they are then put in
report order: the manifest, the files, their values, then the REST service.
"""

from contract_tests.suites.oneroster import (  # noqa: F401 - registers
    csv_files,
    csv_values,
    rest,
    rest_nested,
)
from contract_tests.suites.oneroster.definition import suite

__all__ = ["suite"]

_ORDER = ("manifest", "csv", "rest")
suite.checks.sort(key=lambda check: _ORDER.index(check.id.split(".")[1]))
