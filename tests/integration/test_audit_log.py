"""The audit log of personal data on SQLite and PostgreSQL: append, list per tenant and person."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from uuid import uuid4

from sqlalchemy import Engine, select

from gateway.store.audit import AuditAction, AuditLog, AuditOutcome, audit_log


def test_entries_are_listed_per_tenant_and_person_in_order(engine: Engine) -> None:
    ticks = iter(datetime(2025, 3, 1, 9, tzinfo=UTC) + timedelta(seconds=n) for n in range(10))
    audit = AuditLog(engine, clock=lambda: next(ticks))
    jan, piet = uuid4(), uuid4()
    first = audit.record(tenant="roc-a", client_id="lms", issuer="mbo-gateway", person_id=jan,
                         action=AuditAction.READ, outcome=AuditOutcome.GRANTED,
                         fields=["email", "given_name", "email"])
    audit.record(tenant="roc-a", client_id="planner", issuer="https://idp.example",
                 person_id=piet, action=AuditAction.READ, outcome=AuditOutcome.FORBIDDEN)
    audit.record(tenant="roc-b", client_id="lms-b", issuer="mbo-gateway", person_id=jan,
                 action=AuditAction.READ, outcome=AuditOutcome.NOT_FOUND)
    audit.record(tenant="roc-a", client_id="cli:operator", issuer="gateway-cli", person_id=jan,
                 action=AuditAction.ERASE, outcome=AuditOutcome.GRANTED, fields=["person_data"])

    of_jan = audit.list("roc-a", person=jan)
    assert [(e.client_id, e.action, e.outcome) for e in of_jan] == [
        ("lms", AuditAction.READ, AuditOutcome.GRANTED),
        ("cli:operator", AuditAction.ERASE, AuditOutcome.GRANTED),
    ]
    assert of_jan[0] == first
    assert first.fields == ("email", "given_name")
    assert first.at == datetime(2025, 3, 1, 9, tzinfo=UTC)
    assert [e.person_id for e in audit.list("roc-a")] == [jan, piet, jan]
    assert [e.tenant for e in audit.list("roc-b")] == ["roc-b"]
    page = audit.list("roc-a", after=first.seq, limit=1)
    assert [e.client_id for e in page] == ["planner"]


def test_a_row_holds_names_of_fields_never_values(engine: Engine) -> None:
    audit = AuditLog(engine)
    entry = audit.record(tenant="roc-a", client_id="lms", issuer="mbo-gateway",
                         person_id=uuid4(), action=AuditAction.READ,
                         outcome=AuditOutcome.GRANTED, fields=["birth_date"])
    with engine.connect() as conn:
        row = conn.execute(select(audit_log).where(audit_log.c.seq == entry.seq)).one()
    assert json.loads(row.fields) == ["birth_date"]
    assert "\t".join(entry.line().split("\t")[2:]) == (
        f"lms\tmbo-gateway\t{entry.person_id}\tread\tgranted\tbirth_date")


def test_the_log_offers_no_way_to_change_or_remove_entries() -> None:
    public = {name for name in dir(AuditLog) if not name.startswith("_")}
    assert public == {"record", "record_reads", "list"}  # append and read, nothing else
