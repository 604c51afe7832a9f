"""``gateway calendar``: a school's operator makes, lists and revokes feed subscriptions."""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path


def _gateway(*args: str, database: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "GATEWAY_TOKEN_SECRET": secrets.token_hex(32),
        "GATEWAY_DATABASE_URL": f"sqlite:///{database}",
        "GATEWAY_PUBLIC_BASE_URL": "https://gateway.example.nl",
        "GATEWAY_TENANTS": json.dumps([{"id": "roc-a", "name": "ROC A"}]),
    }
    return subprocess.run([sys.executable, "-m", "gateway.cli", *args], env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def test_subscribe_list_revoke_a_room_feed(tmp_path: Path) -> None:
    database = tmp_path / "gateway.db"
    assert _gateway("migrate", database=database).returncode == 0

    made = _gateway("calendar", "subscribe", "roc-a", "--room", "A1.02", database=database)
    assert made.returncode == 0, made.stderr
    subscription = re.search(r"^subscription (\S+)$", made.stdout, re.M)
    feed = re.search(r"^feed (https://gateway\.example\.nl/calendar/[\w-]{40,}\.ics)$",
                     made.stdout, re.M)
    assert subscription and feed, made.stdout

    listed = _gateway("calendar", "list", "roc-a", database=database)
    assert listed.returncode == 0, listed.stderr
    assert subscription.group(1) in listed.stdout and "A1.02" in listed.stdout
    token = feed.group(1).rsplit("/", 1)[1].removesuffix(".ics")
    assert token not in listed.stdout  # a token is shown once, when it is made

    revoked = _gateway("calendar", "revoke", "roc-a", subscription.group(1), database=database)
    assert revoked.returncode == 0, revoked.stderr
    assert "revoked" in _gateway("calendar", "list", "roc-a", "--include-revoked",
                                 database=database).stdout


def test_subscribe_needs_exactly_one_target(tmp_path: Path) -> None:
    database = tmp_path / "gateway.db"
    assert _gateway("migrate", database=database).returncode == 0
    both = _gateway("calendar", "subscribe", "roc-a", "--room", "A1", "--group", "x",
                    database=database)
    assert both.returncode == 2
    assert "exactly one" in both.stderr


def test_revoking_an_unknown_subscription_says_so(tmp_path: Path) -> None:
    database = tmp_path / "gateway.db"
    assert _gateway("migrate", database=database).returncode == 0
    done = _gateway("calendar", "revoke", "roc-a", "8d0f5a4e-9a51-4cf4-9d0b-0c9a1b2c3d4e",
                    database=database)
    assert done.returncode == 1
    assert done.stderr.startswith("error:")
