"""The ``rio-v4`` suite object, and the one way its checks report a finding.

Kept apart from the checks so each group of checks (``structure``, ``rules``,
``full_state``) registers itself on the same suite without importing the others.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from contract_tests.checks import Finding, Suite, truncate
from contract_tests.suites.rio_v4.documents import RioDocument, make_context

__all__ = ["XSD", "suite", "violation"]

#: Where the rules come from, as the checks cite them.
XSD = "DUO_RIO_Beheren_OnderwijsOrganisatie_V4.xsd (version 7858)"

suite = Suite(
    name="rio-v4",
    title="RIO V4 messages (DUO)",
    description=(
        "RIO V4 Beheren/Raadplegen messages from files (bare messages or SOAP envelopes): "
        "safe XML, DUO's XSD, and the rules the XSD cannot express: full-state delivery "
        "keeps existing cohorts, dates in order, the application window before the start, "
        "DUO's value lists, and Edukoppeling addressing."
    ),
    context_factory=make_context,
)


def violation(
    check_id: str,
    message: str,
    document: RioDocument,
    element: etree._Element | None = None,
    value: Any = "",
    *,
    location: str | None = None,
) -> Finding:
    """A finding of check ``check_id`` (at that check's severity) located in ``document``."""
    return Finding(
        check_id=check_id,
        message=message,
        severity=suite.get(check_id).severity,
        location=location if location is not None else document.where(element),
        value=truncate(value) if value not in ("", None) else "",
        request=document.name,
    )
