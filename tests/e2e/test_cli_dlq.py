"""``gateway dlq`` as an operator uses it: list the open records, read one with its whole
reason and raw payload, mark it handled, replay what a delivery dead-lettered."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path
from uuid import uuid4

from gateway.adapters.standards import Standards
from gateway.store.engine import make_engine
from gateway.store.intake_forwarding import ForwardingState, ForwardingStatus
from gateway.store.migrate import upgrade
from gateway.store.quarantine import Quarantine
from gateway.store.rio_state import DeliveryStatus, RioDeliveryState

RAW = '{"offeringId": "x", "startDate": "not a date"}'


def _gateway(*args: str, database: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ, **extra,
        "GATEWAY_TOKEN_SECRET": secrets.token_hex(32),
        "GATEWAY_DATABASE_URL": f"sqlite:///{database}",
        "GATEWAY_TENANTS": json.dumps([{"id": "roc-a", "name": "ROC A"},
                                       {"id": "roc-b", "name": "ROC B"}]),
    }
    return subprocess.run([sys.executable, "-m", "gateway.cli", "dlq", *args], env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def test_an_operator_reads_a_quarantined_record_and_marks_it_handled(tmp_path: Path) -> None:
    database = tmp_path / "gateway.db"
    engine = make_engine(f"sqlite:///{database}")
    try:
        upgrade(engine)
        quarantine = Quarantine(engine)
        bad = quarantine.put(tenant="roc-a", source="sis", kind="Offering", path="/offerings",
                             reason="startDate: 'not a date' is not a 'date'\nsecond line",
                             raw=RAW)
        other = quarantine.put(tenant="roc-a", source="sis", kind="Person", reason="no name",
                               raw="{}")
    finally:
        engine.dispose()

    listed = _gateway("list", "roc-a", database=database)
    assert listed.returncode == 0, listed.stderr
    rows = [line.split("\t") for line in listed.stdout.splitlines()]
    assert [int(r[0]) for r in rows] == [bad, other]
    assert rows[0][2:6] == ["sis", "Offering", "/offerings", "startDate: 'not a date' is not "
                            "a 'date'"]

    shown = _gateway("show", "roc-a", str(bad), database=database)
    assert shown.returncode == 0, shown.stderr
    assert "  second line" in shown.stdout and "handled  no" in shown.stdout
    assert RAW not in shown.stdout  # the payload only on request
    raw = _gateway("show", "roc-a", str(bad), "--raw", database=database)
    assert raw.stdout.rstrip().endswith(RAW)

    assert _gateway("resolve", "roc-b", str(bad), database=database).returncode == 1
    resolved = _gateway("resolve", "roc-a", str(bad), database=database)
    assert resolved.returncode == 0, resolved.stderr
    again = _gateway("resolve", "roc-a", str(bad), database=database)
    assert again.returncode == 1 and "no open quarantined record" in again.stderr

    open_now = _gateway("list", "roc-a", database=database).stdout.splitlines()
    assert [int(line.split("\t")[0]) for line in open_now] == [other]
    everything = _gateway("list", "roc-a", "--all", database=database).stdout.splitlines()
    assert len(everything) == 2 and "\thandled " in everything[0]
    assert "handled  20" in _gateway("show", "roc-a", str(bad), database=database).stdout

    assert _gateway("show", "roc-b", str(bad), database=database).returncode == 1
    assert _gateway("list", "roc-b", database=database).stdout == ""


def test_an_operator_replays_what_a_delivery_dead_lettered_but_not_a_pulls_record(
    tmp_path: Path, standards: Standards,
) -> None:
    database = tmp_path / "gateway.db"
    engine = make_engine(f"sqlite:///{database}")
    offering, application = uuid4(), uuid4()
    try:
        upgrade(engine)
        RioDeliveryState(engine).record("roc-a", offering, DeliveryStatus.REJECTED, 1,
                                        held=False, detail="RIO-AO-001")
        ForwardingState(engine).record("roc-a", application, ForwardingStatus.REJECTED, 1,
                                       target="sis", detail="HTTP 404")
        quarantine = Quarantine(engine)
        rio = quarantine.put(tenant="roc-a", source="rio", kind="programme-offering",
                             path=str(offering), reason="rio-rejected: RIO-AO-001", raw="<x/>")
        intake = quarantine.put(tenant="roc-a", source="sis", kind="application",
                                path=str(application), reason="sis-rejected", raw="{}")
        pulled = quarantine.put(tenant="roc-a", source="sis", kind="Offering",
                                path="/offerings", reason="bad date", raw=RAW)
    finally:
        engine.dispose()

    refused = _gateway("replay", "roc-a", str(pulled), database=database)
    assert refused.returncode == 1 and refused.stdout == ""
    assert "fix the record at its source (sis) and sync" in refused.stderr
    missing = _gateway("replay", "roc-b", str(rio), database=database)
    assert missing.returncode == 1 and "no quarantined record" in missing.stderr

    replayed = _gateway("replay", "roc-a", str(rio), database=database)
    assert replayed.returncode == 0, replayed.stderr
    assert replayed.stdout.strip() == (f"record {rio} replayed: offering {offering} queued "
                                       "for the next RIO delivery")
    again = _gateway("replay", "roc-a", str(rio), database=database)
    assert again.returncode == 0 and "already handled" in again.stdout
    # --now runs the delivery at once: this tenant has no RIO target, which it says
    now = _gateway("replay", "roc-a", str(rio), "--now", database=database)
    assert now.returncode == 1 and "no RIO target configured" in now.stderr

    engine = make_engine(f"sqlite:///{database}")
    try:
        assert RioDeliveryState(engine).requeued("roc-a") == {str(offering): rio}
    finally:
        engine.dispose()
    # the application itself is not stored here: the run ends its replay with nothing to send
    now = _gateway("replay", "roc-a", str(intake), "--now", database=database,
                   GATEWAY_STANDARDS_DIR=str(standards.root))
    assert now.returncode == 0, now.stderr
    assert now.stdout.splitlines() == [
        f"record {intake} replayed: application {application} queued for the next intake "
        "forwarding",
        "intake forwarding: events 0, forwarded 0, rejected 0, skipped 1, decided 0, "
        "waiting False, busy False"]

    engine = make_engine(f"sqlite:///{database}")
    try:
        assert RioDeliveryState(engine).requeued("roc-a") == {str(offering): rio}
        assert ForwardingState(engine).requeued("roc-a") == {}
        state = ForwardingState(engine).get("roc-a", application)
        assert state is not None and state.status is ForwardingStatus.REJECTED
        assert state.detail == "not replayed: no longer stored"
        assert [r.id for r in Quarantine(engine).list("roc-a")] == [pulled]
    finally:
        engine.dispose()
