"""The ``ooapi-v5-mbo`` suite: the mbo profile of OOAPI v5 (NED-OOAPI) for both roles,
``--option role=receiver`` (the suite pushes and reads back) and ``role=sis`` (the suite
reads what an SIS serves). Each module registers its checks on ``suite``."""

from contract_tests.suites.ooapi_v5_mbo import (  # noqa: F401 - importing registers the checks
    code_checks,
    receiver_checks,
    receiver_errors,
    sis_checks,
)
from contract_tests.suites.ooapi_v5_mbo.base import suite

__all__ = ["suite"]

#: The report reads best receiver first, then what an SIS serves, then its codes.
_ORDER = ("receiver", "sis")
suite.checks.sort(key=lambda check: (_ORDER.index(check.id.split(".")[1]),
                                     check.run.__module__ == code_checks.__name__))
