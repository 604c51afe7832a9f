"""Serve the simulated timetable: ``python -m simulators.timetable --port 8082``.

It listens on 127.0.0.1 only (a stand-in for demos and manual tests): ``/school.ics``,
``/groups/{groupId}.ics`` and ``/feeds``. ``--changes-every SECONDS`` applies a day of
changes every so many seconds, starting at ``--first-day``, so a polling client sees the
timetable change.
"""

from __future__ import annotations

import argparse
import threading
from datetime import date, timedelta

import uvicorn

from simulators.timetable.app import create_timetable_app
from simulators.timetable.school import TimetableSchool


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m simulators.timetable",
                                     description="A simulated timetabling system (iCalendar).")
    parser.add_argument("--port", type=int, default=8082)
    parser.add_argument("--students", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--changes-every", type=float, default=0.0, metavar="SECONDS",
                        help="apply the next day's changes this often (0: never)")
    parser.add_argument("--first-day", type=date.fromisoformat, default=date(2026, 9, 7))
    args = parser.parse_args(argv)
    school = TimetableSchool(args.students, seed=args.seed)
    stop = threading.Event()

    def change() -> None:
        day = args.first_day
        while not stop.wait(args.changes_every):
            changed = school.changes_for_day(day)
            print(f"{day}: {len(changed)} changes", flush=True)
            day += timedelta(days=1)

    if args.changes_every > 0:
        threading.Thread(target=change, daemon=True, name="changes").start()
    try:
        uvicorn.run(create_timetable_app(school), host="127.0.0.1", port=args.port,
                    log_level="warning")
    finally:
        stop.set()


if __name__ == "__main__":
    main()
