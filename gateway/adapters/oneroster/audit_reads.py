"""Audit OneRoster reads of users' names: one audit-log row per person, one transaction per read.

A OneRoster page (or an export chunk) hands out the names of up to thousands of persons
at once; :class:`gateway.store.audit.AuditLog` records one person per transaction,
which would cost a commit per person. This writes the same rows (``read``/``granted``,
the field names, never values) for a whole page in one statement, before the page leaves
(:meth:`AuditLog.record_reads`, which the mbo profile's association lists use too).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from sqlalchemy import Engine

from gateway.store.audit import AuditLog

__all__ = ["USER_FIELDS", "record_name_reads"]

#: The personal data a OneRoster user carries (canonical field names, as the log keeps them).
USER_FIELDS = ("family_name", "family_name_prefix", "given_name")


def record_name_reads(
    engine: Engine,
    clock: Callable[[], datetime],
    *,
    tenant: str,
    client_id: str,
    issuer: str,
    person_ids: Iterable[str],
) -> int:
    """Record that ``client_id`` read the names of ``person_ids`` (deduplicated), through
    :meth:`AuditLog.record_reads <gateway.store.audit.AuditLog.record_reads>`.

    Returns:
        The number of entries written.
    """
    reads = dict.fromkeys(person_ids, USER_FIELDS)
    return AuditLog(engine, clock=clock).record_reads(
        tenant=tenant, client_id=client_id, issuer=issuer, reads=reads)
