"""``gateway dlq`` as an operator uses it: list the open records, read one with its whole
reason and raw payload, mark it handled."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

from gateway.store.engine import make_engine
from gateway.store.migrate import upgrade
from gateway.store.quarantine import Quarantine

RAW = '{"offeringId": "x", "startDate": "not a date"}'


def _gateway(*args: str, database: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
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
