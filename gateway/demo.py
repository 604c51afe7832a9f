"""``gateway demo``: the whole gateway on one machine, with a simulated school.

A small school's SIS (OOAPI v5, mbo profile), its timetabling system (an iCalendar feed)
and DUO's RIO run in-process on 127.0.0.1 (:mod:`gateway.demo_world`). The gateway, on
SQLite with its embedded event log, pulls the catalogue, the enrolments and the klassen
from the SIS and the timetable from the feed, delivers the offerings to RIO, and serves
its API: OOAPI, OneRoster (REST and CSV), calendar feeds and the events. It prints what
to try (:mod:`gateway.demo_report`); then every few seconds the school changes something
-- a lesson moves, a student leaves, an offering changes -- and the demo prints the events
that change produced. Ctrl-C stops it; the data stays in the demo folder.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

import typer

from gateway.bootstrap import Gateway, bootstrap
from gateway.demo_report import (
    TryIt,
    print_changes,
    print_new_events,
    print_try_it,
    timetable_lines,
)
from gateway.demo_setup import (
    DEMO_TENANT_ID,
    SIS_SOURCE,
    TIMETABLE_SOURCE,
    demo_client,
    demo_settings,
    subscribe_group,
)
from gateway.demo_world import DemoWorld, running_world
from gateway.errors import ValidationError
from gateway.store.migrate import upgrade
from gateway.testing.serving import serve_in_thread

__all__ = ["DEMO_STUDENTS", "DEMO_TENANT_ID", "run_demo"]

#: Students of the demo school: some 14 klassen, a timetable of some 2,600 lessons.
DEMO_STUDENTS = 240


class _Demo:
    """The running demo: syncs a source, prints its report and the events it made."""

    def __init__(self, gateway: Gateway, world: DemoWorld) -> None:
        self.gateway = gateway
        self.world = world
        self.cursor = gateway.event_log.head(DEMO_TENANT_ID)

    def sync(self, label: str, source: str, *, full: bool,
             resources: list[str] | None = None, to_rio: bool = False) -> None:
        from gateway.sync.rio_commands import deliver_to_rio
        from gateway.sync.source_resources import run_source_sync

        report = run_source_sync(self.gateway, DEMO_TENANT_ID, source, full=full,
                                 resources=resources)
        typer.echo(f"{label}:")
        for line in report.lines():
            typer.echo(f"  {line}")
        self.cursor = print_new_events(self.gateway.event_log, DEMO_TENANT_ID, self.cursor)
        if to_rio:
            typer.echo(f"  to RIO: {deliver_to_rio(self.gateway, DEMO_TENANT_ID).line()}")

    def first_syncs(self) -> None:
        from gateway.sync.rio_commands import fetch_rio_diff

        self.sync("first sync of the SIS (catalogue, enrolment, rostering)", SIS_SOURCE,
                  full=True, to_rio=True)
        self.sync("first import of the timetable feed", TIMETABLE_SOURCE, full=True)
        self.sync("same data again (nothing changed, so no events)", SIS_SOURCE, full=True,
                  resources=["catalogue"], to_rio=True)
        diff = fetch_rio_diff(self.gateway, DEMO_TENANT_ID)
        typer.echo("RIO and the gateway agree" if diff.in_sync else
                   "RIO differs:\n  " + "\n  ".join(diff.lines()))

    # -- the school's changes, taken in turn ---------------------------------------------
    def timetable_change(self, label: str) -> None:
        print_changes(timetable_lines(self.world.timetable_changes()))
        self.sync(label, TIMETABLE_SOURCE, full=False)

    def enrolment_change(self, label: str) -> None:
        print_changes(self.world.enrolment_changes(1))
        self.sync(label, SIS_SOURCE, full=False, resources=["enrolment"])

    def catalogue_change(self, label: str) -> None:
        print_changes(self.world.catalogue_changes(2))
        self.sync(label, SIS_SOURCE, full=False, resources=["catalogue"], to_rio=True)

    @property
    def changes(self) -> tuple[Callable[[str], None], ...]:
        return (self.timetable_change, self.enrolment_change, self.catalogue_change)


def run_demo(
    *, directory: str, port: int, ticks: int, interval: float, offerings: int,
    students: int = DEMO_STUDENTS,
) -> None:
    """Run the demo until Ctrl-C; the school makes ``ticks`` changes (0: changes on).

    Args:
        directory: where the demo keeps its database, token secret and client.
        port: the gateway's HTTP port on 127.0.0.1.
        ticks: how many changes the school makes before it goes quiet (the gateway
            serves on); 0 changes on.
        interval: seconds between changes.
        offerings: programme offerings in the school's catalogue.
        students: students of the school (its klassen make the timetable).
    """
    root = Path(directory).resolve()
    root.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        world = stack.enter_context(running_world(root, offerings=offerings,
                                                  students=students))
        settings = demo_settings(root, world, port)
        gateway = bootstrap(settings)
        stack.callback(gateway.close)
        upgrade(gateway.engine)
        creds = demo_client(gateway, root)
        from gateway.api.app import create_app

        stack.enter_context(serve_in_thread(create_app(gateway), port=port))
        base = settings.public_base_url
        typer.echo(f"mbo-gateway demo: SQLite at {root / 'gateway.db'}, embedded event log, "
                   f"API on {base}")
        typer.echo(f"  simulated SIS (OOAPI v5) {world.sis_url}   simulated RIO (DUO) "
                   f"{world.rio_url}")
        typer.echo(f"  simulated timetabling system (iCalendar) {world.feed_url}   "
                   f"{world.school.students} students, {len(world.timetable.group_ids)} klassen")
        demo = _Demo(gateway, world)
        try:
            demo.first_syncs()
            try:
                feed = subscribe_group(gateway, world)
            except ValidationError as exc:  # the first syncs failed: said above
                feed = f"(no feed: {exc.message})"
            standards = settings.standards_dir
            print_try_it(TryIt(base, creds["client_id"], creds["client_secret"], feed,
                               str(standards) if standards else None))
            done = 0
            while ticks == 0 or done < ticks:
                time.sleep(interval)
                change = demo.changes[done % len(demo.changes)]
                done += 1
                change(f"sync {done}")
            typer.echo(f"the school made {done} changes; the gateway serves on until Ctrl-C")
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            typer.echo("stopping")
        typer.echo(f"last event #{gateway.event_log.head(DEMO_TENANT_ID)}")
