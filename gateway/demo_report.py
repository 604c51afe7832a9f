"""What ``gateway demo`` prints: where to point a client, and the events each change made.

Everything printed names ids, counts and URLs only: the simulated school's persons have
names and addresses, and a demo's output ends up in screenshots and tickets, so it shows
no more than the event log itself holds.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import typer

from gateway.events.log import EventLog
from simulators.timetable import Change

__all__ = ["TryIt", "print_changes", "print_new_events", "print_try_it", "timetable_lines"]


def print_new_events(log: EventLog, tenant: str, cursor: int, *, show: int = 6) -> int:
    """Print the events after ``cursor`` (the first few in full, then counts per type).

    Returns:
        The new cursor (the last event printed).
    """
    shown = 0
    counts: Counter[str] = Counter()
    while True:
        page = log.read(tenant, after=cursor, limit=1000)
        for e in page.events:
            counts[e.type] += 1
            if shown < show:
                changed = ",".join(e.data.get("changedFields", [])[:4])
                typer.echo(f"  event #{e.seq:<6} {e.type:<50} {e.subject[:8]}… "
                           f"v{e.entity_version}"
                           + (f"  changed: {changed}" if e.entity_version > 1 else ""))
                shown += 1
        if page.cursor == cursor:
            break
        cursor = page.cursor
    if sum(counts.values()) > shown:
        typer.echo("  events by type: " + ", ".join(f"{t.split('.')[3]} {t.split('.')[4]} {n}"
                                                    for t, n in sorted(counts.items())))
    return cursor


def timetable_lines(changes: Sequence[Change]) -> list[str]:
    """One line per changed lesson: its series id, the original start and what changed."""
    if not changes:
        return ["timetable: no lessons left to change in this period"]
    return [f"timetable: lesson {c.uid.split('@')[0]} of {c.recurrence_id} {c.kind.value}"
            + (f" (now {c.start:%a %d %b %H:%M})" if c.kind.value == "moved" else "")
            + (f" (now room {', '.join(c.rooms)})" if c.kind.value == "room" else "")
            for c in changes]


def print_changes(lines: Sequence[str]) -> None:
    """Print what the school changed, one ``school:`` line each."""
    for line in lines:
        typer.echo(f"school: {line}")


@dataclass(frozen=True)
class TryIt:
    """The addresses a user of the demo needs (all on 127.0.0.1)."""

    base: str
    client_id: str
    client_secret: str
    calendar_url: str
    standards_dir: str | None = None


def print_try_it(t: TryIt) -> None:
    """Print the commands to try the gateway: a token, then each API with it."""
    auth = '-H "Authorization: Bearer $TOKEN"'
    standards = f" --option standards_dir={t.standards_dir}" if t.standards_dir else ""
    lines = [
        ("token", f"TOKEN=$(curl -s -u {t.client_id}:{t.client_secret} -d "
                  f"grant_type=client_credentials {t.base}/oauth/token | python3 -c "
                  "'import json,sys; print(json.load(sys.stdin)[\"access_token\"])')"),
        ("events", f"curl -s {auth} '{t.base}/events?after=0'"),
        ("stream", f"curl -N {auth} {t.base}/events/stream"),
        ("OOAPI", f"curl -s {auth} {t.base}/ooapi/v5/programs"),
        ("OneRoster", f"curl -s {auth} {t.base}/ims/oneroster/rostering/v1p2/users"),
        ("CSV", f"curl -s {auth} -o oneroster.zip {t.base}/ims/oneroster/v1p2/csv"),
        ("calendar", f"{t.calendar_url}   (one klas; subscribe in any calendar app)"),
        ("contract", f"gateway-contract run ooapi-v5 --base-url {t.base}/ooapi/v5 "
                     f"--token \"$TOKEN\"{standards}   # against a school that has gone "
                     "quiet: gateway demo --ticks 3"),
        ("docs", f"{t.base}/docs    asyncapi {t.base}/asyncapi.yaml"),
    ]
    typer.echo("try it:")
    for label, text in lines:
        typer.echo(f"  {label:<10}{text}")
