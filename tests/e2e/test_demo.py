"""`gateway demo` end to end: a real process, real HTTP on loopback, every printed URL tried.

The test reads the demo's output as it comes. The school makes three changes (``--ticks
3``: a timetable change, an enrolment change, a catalogue change) and goes quiet while the
gateway serves on; then the test uses the printed lines -- the calendar feed, OneRoster REST
and CSV, the events, the contract-test command (against a school that no longer changes, as
a supplier's endpoint under test would be) -- checks the events each change produced
against what the school said it changed, and stops the demo with Ctrl-C.
"""

from __future__ import annotations

import csv
import io
import re
import shlex
import signal
import subprocess
import sys
import threading
import zipfile
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest
from icalendar import Calendar

from contract_tests.cli import main as contract_main
from gateway.demo_setup import DEMO_TENANT_ID, TIMETABLE_SOURCE
from gateway.demo_world import TIMETABLE_CHANGES, change_timetable, demo_term
from gateway.domain.ids import entity_id
from gateway.mappings.icalendar_in import source_id
from gateway.testing import free_port
from simulators.ooapi_sis.generator import SisCatalogue
from simulators.ooapi_sis.population import SisSchool
from simulators.timetable import ChangeKind, TimetableSchool
from simulators.timetable.school_year import utc_basic

ACTIVITY_UPSERTED = "nl.mbo.timetable.timetable-activity.upserted.v1"
#: Only a guard against a hung demo: every wait ends as soon as its line is printed.
HANG_GUARD = 300.0


class Output:
    """The demo's output lines, read by a thread as the demo prints them."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.lines: list[str] = []
        self.ended = False
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._read, args=(proc,), daemon=True)
        self._thread.start()

    def _read(self, proc: subprocess.Popen[str]) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            with self._changed:
                self.lines.append(line.rstrip("\n"))
                self._changed.notify_all()
        with self._changed:
            self.ended = True
            self._changed.notify_all()

    def wait_for(self, found: Callable[[str], bool], what: str) -> str:
        """The first line ``found`` accepts, once printed."""
        with self._changed:
            done = self._changed.wait_for(
                lambda: self.ended or any(found(line) for line in self.lines), HANG_GUARD)
            match = next((line for line in self.lines if found(line)), None)
            assert done and match is not None, f"the demo never printed {what}:\n{self.text}"
            return match

    def join(self) -> None:
        self._thread.join()

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    def section(self, header: str) -> list[str]:
        """The lines of one sync block: its header up to the next unindented line."""
        start = self.lines.index(header) + 1
        end = next((n for n in range(start, len(self.lines))
                    if not self.lines[n].startswith(" ")), len(self.lines))
        return self.lines[start:end]

    def changes_before(self, header: str) -> list[str]:
        """The ``school:`` lines right before a sync block."""
        end = self.lines.index(header)
        start = end
        while start > 0 and self.lines[start - 1].startswith("school: "):
            start -= 1
        return [line.removeprefix("school: ") for line in self.lines[start:end]]


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], Output]]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "gateway.cli", "demo", "--dir", str(tmp_path), "--port",
         str(free_port()), "--ticks", "3", "--interval", "0.2", "--offerings", "5"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    output = Output(proc)
    try:
        yield proc, output
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        output.join()
        assert proc.stdout is not None
        proc.stdout.close()


def _tried(output: Output, label: str) -> str:
    """The text of one line of the ``try it`` block (after its label)."""
    output.wait_for(lambda s: s.startswith("  docs "), "the try it block")
    block = output.lines[output.lines.index("try it:") + 1:]
    line = next(s for s in block if s.startswith(f"  {label} "))
    return line.removeprefix(f"  {label} ").strip()


def _event_seqs(lines: list[str], event_type: str) -> list[int]:
    return [int(m.group(1)) for line in lines
            if (m := re.match(rf"\s+event #(\d+)\s+{re.escape(event_type)}\s", line))]


def test_demo_serves_every_printed_url_and_shows_each_change(
    demo: tuple[subprocess.Popen[str], Output], tmp_path: Path,
) -> None:
    proc, output = demo
    token_cmd = _tried(output, "token")
    said = re.search(r"-u (\S+):(\S+) .* (http://127\.0\.0\.1:\d+)/oauth/token", token_cmd)
    assert said is not None, token_cmd
    client_id, secret, base = said.groups()
    calendar_url = _tried(output, "calendar").split()[0]
    users_url = _tried(output, "OneRoster").split()[-1]
    csv_url = _tried(output, "CSV").split()[-1]
    events_url = _tried(output, "events").split()[-1].strip("'")
    contract = shlex.split(_tried(output, "contract"), comments=True)
    output.wait_for(lambda s: s.startswith("the school made 3 changes;"), "the school's changes")
    with httpx.Client(timeout=30) as client:
        reply = client.post(f"{base}/oauth/token", data={"grant_type": "client_credentials"},
                            auth=(client_id, secret))
        assert reply.status_code == 200, reply.text
        token = reply.json()["access_token"]
        bearer = {"Authorization": f"Bearer {token}"}

        feed = client.get(calendar_url)  # a calendar app sends no token: the URL is the key
        assert feed.status_code == 200, feed.text
        assert feed.headers["content-type"].startswith("text/calendar")
        lessons = Calendar.from_ical(feed.content).walk("VEVENT")
        assert lessons and all(e.get("DTSTART") for e in lessons)

        users = client.get(users_url, headers=bearer)
        assert users.status_code == 200, users.text
        people = users.json()["users"]
        assert people and all(u["sourcedId"] for u in people)
        assert client.get(users_url).status_code == 401

        bundle = client.get(csv_url, headers=bearer)
        assert bundle.status_code == 200, bundle.text
        with zipfile.ZipFile(io.BytesIO(bundle.content)) as archive:
            rows = list(csv.DictReader(io.StringIO(archive.read("users.csv").decode())))
        assert {u["sourcedId"] for u in people} <= {r["sourcedId"] for r in rows}

        page = client.get(events_url, params={"limit": 1000}, headers=bearer)
        assert page.status_code == 200, page.text
        types = {e["type"] for e in page.json()["events"]}
        assert "nl.mbo.catalogue.programme-offering.upserted.v1" in types
        assert client.get(events_url).status_code == 401

        assert contract[:2] == ["gateway-contract", "run"]
        args = [token if a == "$TOKEN" else a for a in contract[1:]]
        assert contract_main([*args, "--report-dir", str(tmp_path / "contract")]) == 0

        # 1: the timetable changed; each changed lesson is exactly one activity event.
        moved = output.section("sync 1:")
        changed = output.changes_before("sync 1:")
        assert changed and all(c.startswith("timetable: lesson ") for c in changed), changed
        expected = set()
        for change in changed:
            lesson = re.match(r"timetable: lesson (\S+) of (\S+) ", change)
            assert lesson is not None, change
            uid, recurrence = lesson.groups()
            expected.add(str(entity_id(DEMO_TENANT_ID, TIMETABLE_SOURCE, "timetable-activity",
                                       source_id(f"{uid}@{TimetableSchool.domain}",
                                                 recurrence))))
        seqs = _event_seqs(moved, ACTIVITY_UPSERTED)
        assert len(seqs) == len(changed), moved
        events = client.get(f"{base}/events", headers=bearer, params={
            "after": min(seqs) - 1, "limit": len(seqs), "type": ACTIVITY_UPSERTED}).json()
        assert {e["subject"] for e in events["events"]} == expected
    proc.send_signal(signal.SIGINT)  # Ctrl-C: the demo stops cleanly
    assert proc.wait(timeout=HANG_GUARD) == 0, output.text
    output.join()

    # 2: a student's enrolment changed state; 3: the catalogue, delivered to RIO.
    assert "changed: state" in "\n".join(output.section("sync 2:")), output.text
    assert output.changes_before("sync 2:")[0].startswith("association ")
    catalogue = output.section("sync 3:")
    assert any(line.strip().startswith("to RIO:") and "rejected 0, failed 0" in line
               for line in catalogue), catalogue

    first = output.section("first sync of the SIS (catalogue, enrolment, rostering):")
    sis, enrolment, rostering = first[:3]
    assert "quarantined 0" in sis and " 0 new" not in sis
    assert "enrolment full" in enrolment and "quarantined 0" in enrolment
    assert "rostering full" in rostering and "groups changed 0" not in rostering
    assert "delivered 5," in next(line for line in first if "to RIO:" in line)
    imported = output.section("first import of the timetable feed:")[0]
    assert "series quarantined 0" in imported and re.search(r", changed [1-9]\d* \(", imported)
    again = output.section("same data again (nothing changed, so no events):")[0]
    assert again.endswith("events 0") and "changed 0 (0 new)" in again
    assert "RIO and the gateway agree" in output.lines
    assert "stopping" in output.lines and output.lines[-1].startswith("last event #")
    names = {f"{u['givenName']} {u['familyName']}" for u in people}
    assert not [n for n in names if n in output.text]  # ids only, no personal data


@pytest.mark.parametrize("today", [date(2026, 11, 22), date(2027, 7, 30), date(2031, 1, 6)])
def test_the_demo_timetable_has_lessons_to_change_on_any_date(today: date) -> None:
    school = SisSchool(SisCatalogue(3, seed=2026), students=60, class_size=25)
    timetable = TimetableSchool(sis=school, year=demo_term(today))
    changes = change_timetable(timetable, today)
    assert len(changes) == TIMETABLE_CHANGES
    assert {c.kind for c in changes} == set(ChangeKind)
    week = {utc_basic(timetable.year.at(today + timedelta(days=n), p))
            for n in range(7) for p in range(8)}
    assert {c.recurrence_id for c in changes} <= week
