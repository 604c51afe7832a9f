"""Audit OneRoster reads of users' names: one audit-log row per person, one transaction per read.

A OneRoster page (or an export chunk) hands out the names of up to thousands of persons
at once; :class:`gateway.store.audit.AuditLog` records one person per transaction,
which would cost a commit per person. This writes the same rows (``read``/``granted``,
the field names, never values) for a whole page in one statement, before the page leaves.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import datetime

from sqlalchemy import Engine, insert

from gateway.store.audit import AuditAction, AuditOutcome, audit_log

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
    """Record that ``client_id`` read the names of ``person_ids`` (deduplicated).

    Returns:
        The number of entries written.
    """
    at = clock()
    fields = json.dumps(list(USER_FIELDS))
    rows = [{"tenant": tenant, "at": at, "client_id": client_id[:255], "issuer": issuer[:255],
             "person_id": person, "action": AuditAction.READ.value,
             "outcome": AuditOutcome.GRANTED.value, "fields": fields}
            for person in dict.fromkeys(person_ids)]
    if rows:
        with engine.begin() as conn:
            conn.execute(insert(audit_log), rows)
    return len(rows)
