"""`gateway serve --migrate` as an operator runs it: starts, answers health checks, stops."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from gateway.adapters.standards import Standards
from gateway.testing import free_port


def test_serve_migrates_answers_and_stops_on_sigterm(tmp_path: Path, standards: Standards) -> None:
    port = free_port()
    env = {
        **os.environ,
        "GATEWAY_DATABASE_URL": f"sqlite:///{tmp_path / 'gw.db'}",
        "GATEWAY_TOKEN_SECRET": secrets.token_hex(32),
        "GATEWAY_HTTP_PORT": str(port),
        "GATEWAY_STANDARDS_DIR": str(standards.root),
        "GATEWAY_TENANTS": '[{"id": "roc-a", "name": "ROC A"}]',
    }
    proc = subprocess.Popen([sys.executable, "-m", "gateway.cli", "serve", "--migrate"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 30
        live = ready = None
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
            while time.monotonic() < deadline and proc.poll() is None:
                try:
                    live = client.get("/livez")
                    ready = client.get("/readyz")
                    break
                except httpx.TransportError:
                    time.sleep(0.2)
        assert live is not None and live.status_code == 200
        assert ready is not None and ready.status_code == 200, ready.text
        proc.send_signal(signal.SIGTERM)
        output, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, output
    assert "Traceback" not in output
