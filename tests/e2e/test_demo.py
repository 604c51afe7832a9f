"""`gateway demo` end to end: a real process, real HTTP on loopback, events flowing."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import httpx

from gateway.testing import free_port


def test_demo_syncs_serves_and_shows_events(tmp_path: Path) -> None:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "gateway.cli", "demo", "--dir", str(tmp_path), "--port",
         str(port), "--ticks", "3", "--interval", "0.3", "--offerings", "5"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while not (tmp_path / "client.json").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        creds = json.loads((tmp_path / "client.json").read_text())
        with httpx.Client(base_url=base, timeout=10) as client:
            while time.monotonic() < deadline:
                try:
                    if client.get("/livez").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            token = client.post("/oauth/token", data={"grant_type": "client_credentials"},
                                auth=(creds["client_id"], creds["client_secret"]))
            assert token.status_code == 200, token.text
            bearer = {"Authorization": f"Bearer {token.json()['access_token']}"}
            types: set[str] = set()
            while time.monotonic() < deadline:  # the first sync runs while we ask
                page = client.get("/events", params={"after": 0, "limit": 1000},
                                  headers=bearer)
                assert page.status_code == 200, page.text
                types = {e["type"] for e in page.json()["events"]}
                if "nl.mbo.catalogue.programme-offering.upserted.v1" in types:
                    break
                time.sleep(0.2)
            assert "nl.mbo.catalogue.programme-offering.upserted.v1" in types
            assert client.get("/events").status_code == 401
            assert client.get("/asyncapi.yaml").status_code == 200
        output, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, output
    lines = output.splitlines()
    first = next(line for line in lines if line.startswith("full sync of the simulated SIS"))
    assert "quarantined 0" in first and " 0 new" not in first
    again = next(line for line in lines if line.startswith("same data again"))
    assert again.endswith("events 0") and "changed 0 (0 new)" in again
    deliveries = [line for line in lines if line.strip().startswith("to RIO:")]
    assert "delivered 5," in deliveries[0] and "rejected 0, failed 0" in deliveries[0]
    assert "RIO and the gateway agree" in output
    assert sum(line.startswith("school: ") for line in lines) == 6
    assert sum(line.startswith("sync ") for line in lines) == 3
