"""``gateway sync`` then ``gateway oneroster export``: an operator pulls a source's resources
now, as the scheduler would, and hands the roster to a learning platform."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import zipfile
from pathlib import Path

from gateway.adapters.standards import Standards
from tests.integration.sis_school import SchoolSis, serving_school


def _gateway(*args: str, database: Path, sis: SchoolSis,
             standards: Standards) -> subprocess.CompletedProcess[str]:
    source = {"tenant": "roc-a", "name": "sis", "base_url": sis.url + "/",
              "token_url": sis.url + "/oauth/token", "client_id": sis.client_id,
              "client_secret": sis.secret, "consumer": "mbo",
              "resources": ["catalogue", "enrolment", "rostering"]}
    env = {
        **os.environ,
        "GATEWAY_TOKEN_SECRET": secrets.token_hex(32),
        "GATEWAY_DATABASE_URL": f"sqlite:///{database}",
        "GATEWAY_STANDARDS_DIR": str(standards.root),
        "GATEWAY_TENANTS": json.dumps([{"id": "roc-a", "name": "ROC A"}]),
        "GATEWAY_SOURCES": json.dumps([source]),
    }
    return subprocess.run([sys.executable, "-m", "gateway.cli", *args], env=env,
                          capture_output=True, text=True, timeout=300, check=False)


def test_sync_runs_each_resource_of_the_source(tmp_path: Path, standards: Standards) -> None:
    database = tmp_path / "gateway.db"
    with serving_school(standards, students=40, offerings=3) as sis:
        assert _gateway("migrate", database=database, sis=sis,
                        standards=standards).returncode == 0
        done = _gateway("sync", "roc-a", "sis", "--full", database=database, sis=sis,
                        standards=standards)
        assert done.returncode == 0, done.stdout + done.stderr
        lines = done.stdout.strip().splitlines()
        assert len(lines) == 3, lines
        for line, resource in zip(lines, ("catalogue", "enrolment", "rostering"), strict=True):
            assert "failed" not in line, line
            assert resource in line or resource == "catalogue", line

        only = _gateway("sync", "roc-a", "sis", "--resource", "rostering", database=database,
                        sis=sis, standards=standards)
        assert only.returncode == 0, only.stderr
        assert len(only.stdout.strip().splitlines()) == 1

        bundle = tmp_path / "roster.zip"
        exported = _gateway("oneroster", "export", "roc-a", str(bundle), database=database,
                            sis=sis, standards=standards)
        assert exported.returncode == 0, exported.stderr
        with zipfile.ZipFile(bundle) as archive:
            names = set(archive.namelist())
            users = archive.read("users.csv").decode().splitlines()
        assert {"manifest.csv", "users.csv", "classes.csv", "enrollments.csv"} <= names
        assert len(users) > 1  # the header and the pulled members

        wrong = _gateway("sync", "roc-a", "sis", "--resource", "timetables", database=database,
                         sis=sis, standards=standards)
        assert wrong.returncode == 1
        assert "timetables" in wrong.stderr


def test_sync_of_an_icalendar_source_imports_then_skips_an_unchanged_feed(
    tmp_path: Path,
) -> None:
    from datetime import date, timedelta

    from tests.ical_feeds import feed, vevent
    from tests.integration.ical_host import serving_feed

    monday = date.today() + timedelta(days=7 - date.today().weekday())
    start = f"{monday:%Y%m%d}T090000"
    database = tmp_path / "gateway.db"
    with serving_feed() as host:
        host.publish(feed(vevent("les-1@rooster", start, f"{monday:%Y%m%d}T100000",
                                 rrule="FREQ=WEEKLY;COUNT=10")))
        env = {
            **os.environ,
            "GATEWAY_TOKEN_SECRET": secrets.token_hex(32),
            "GATEWAY_DATABASE_URL": f"sqlite:///{database}",
            "GATEWAY_TENANTS": json.dumps([{"id": "roc-a", "name": "ROC A"}]),
            "GATEWAY_SOURCES": json.dumps([{"tenant": "roc-a", "name": "rooster",
                                            "kind": "icalendar", "base_url": host.url}]),
        }

        def gateway(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run([sys.executable, "-m", "gateway.cli", *args], env=env,
                                  capture_output=True, text=True, timeout=300, check=False)

        assert gateway("migrate").returncode == 0
        first = gateway("sync", "roc-a", "rooster")
        assert first.returncode == 0, first.stdout + first.stderr
        assert "10" in first.stdout and "failed" not in first.stdout, first.stdout
        again = gateway("sync", "roc-a", "rooster")
        assert again.returncode == 0, again.stderr
        assert host.log[-1][1] == 304  # the second run asked conditionally and was told so
