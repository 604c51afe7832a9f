"""The ``ooapi-v5`` suite: a supplier's OOAPI v5 endpoint against the official ooapi.json
and the behaviour a schema cannot see. Each module registers its checks on ``suite``."""

from contract_tests.suites.ooapi_v5 import (  # noqa: F401 - importing registers the checks
    date_checks,
    error_checks,
    link_checks,
    paging_checks,
    query_checks,
    schema_checks,
)
from contract_tests.suites.ooapi_v5.base import suite

__all__ = ["suite"]

#: The order a report reads best in: what a response is, then how lists behave, then links.
_ORDER = ("schema", "paging", "ids", "links", "dates", "sort", "filters", "errors", "auth")
suite.checks.sort(key=lambda check: _ORDER.index(check.id.split(".")[1]))
