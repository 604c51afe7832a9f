"""The ``ooapi-v5-mbo`` suite object; the check modules register themselves on it."""

from __future__ import annotations

from contract_tests.checks import Suite
from contract_tests.suites.ooapi_v5_mbo.context import build_context

__all__ = ["PROFILE", "suite"]

#: How findings name the profile's files.
PROFILE = "ooapi-v5-mbo/ooapiv5_MBO.yaml"

suite = Suite(
    name="ooapi-v5-mbo",
    title="OOAPI v5, mbo profile (NED-OOAPI)",
    description=(
        "The mbo profile on top of OOAPI v5, for both roles (--option role=receiver|sis). "
        "receiver: the suite PUTs and PATCHes the profile's persons, component offerings, "
        "associations, groups and members and reads them back. sis: the suite reads what an "
        "SIS serves. Both: the profile's schemas, required fields, crebo codes, association "
        "states and its error rules (status + error object, 401 without a token)."),
    context_factory=build_context,
)
