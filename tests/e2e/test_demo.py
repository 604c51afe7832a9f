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
         str(port), "--ticks", "6", "--interval", "0.4", "--offerings", "5"],
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
            page = client.get("/events", params={"after": 0, "limit": 1000}, headers=bearer)
            assert page.status_code == 200, page.text
            types = {e["type"] for e in page.json()["events"]}
            assert "nl.mbo.catalogue.programme-offering.upserted.v1" in types
            assert client.get("/events").status_code == 401
            assert client.get("/asyncapi.yaml").status_code == 200
        output, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, output
    assert "initial sync of the sample school: fetched 5, created 15" in output
    assert "same data again (nothing changed, so no events): " in output
    assert "unchanged 15, deleted 0, quarantined 0, events 0" in output
    assert "quarantined 1" in output  # the broken record of tick 3
    assert "changed: capacity" in output
