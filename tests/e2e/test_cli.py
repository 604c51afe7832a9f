"""The `gateway` command as a user runs it: translate and validate on files, exit codes."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from datetime import date
from pathlib import Path

from gateway.adapters.standards import Standards
from simulators.ooapi_sis.generator import SisCatalogue


def _gateway(*args: str, standards: Standards) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "GATEWAY_TOKEN_SECRET": secrets.token_hex(32),
        "GATEWAY_STANDARDS_DIR": str(standards.root),
        "GATEWAY_TENANTS": json.dumps([{"id": "roc-a", "name": "ROC A", "brin": "12AB",
                                        "onderwijsaanbiedercode": "123A456",
                                        "oin": "00000001234567890000"}]),
    }
    return subprocess.run([sys.executable, "-m", "gateway.cli", *args], env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def _bundle(path: Path) -> Path:
    catalogue = SisCatalogue(offerings=2, seed=11, cohorts=2, today=date(2026, 3, 1))
    programs = list(catalogue.programs.values())
    offerings = [catalogue.offerings[o] for p in programs
                 for o in catalogue.offerings_of_program[p["programId"]]]
    path.write_text(json.dumps({"programs": programs, "offerings": offerings}))
    return path


def test_translate_prints_rio_requests_that_validate(tmp_path: Path, standards: Standards) -> None:
    done = _gateway("translate", "--from", "ooapi-v5", "--to", "rio-v4", "--source", "sis",
                    str(_bundle(tmp_path / "catalogue.json")), standards=standards)
    assert done.returncode == 0, done.stderr
    requests = [part for part in done.stdout.split("<?xml") if part.strip()]
    assert len(requests) == 2
    assert all("aanleveren_aangebodenOpleiding_request" in r for r in requests)
    for n, body in enumerate(requests):
        file = tmp_path / f"request-{n}.xml"
        file.write_text("<?xml" + body.rstrip() + "\n")
        checked = _gateway("validate", "--standard", "rio-v4", str(file), standards=standards)
        assert checked.returncode == 0, checked.stdout + checked.stderr
        assert "valid rio-v4" in checked.stdout


def test_validate_lists_every_error_with_its_location(
    tmp_path: Path, standards: Standards
) -> None:
    document = json.loads(_bundle(tmp_path / "c.json").read_text())["programs"][0]
    document["programType"] = "not-a-type"
    del document["name"]
    file = tmp_path / "program.json"
    file.write_text(json.dumps(document))
    done = _gateway("validate", "--standard", "ooapi-v5", "--schema", "Program", str(file),
                    standards=standards)
    assert done.returncode == 1
    assert "/programType" in done.stdout
    assert "name" in done.stdout
    assert "2 error(s)" in done.stderr


def test_translate_of_a_broken_document_says_where(tmp_path: Path, standards: Standards) -> None:
    file = tmp_path / "broken.json"
    file.write_text('{"programs": [{"programId": 1}]}')
    done = _gateway("translate", str(file), standards=standards)
    assert done.returncode == 1
    assert done.stderr.startswith("error: ")
    assert "Traceback" not in done.stderr
