"""Run the benchmarks: ``python -m bench [publish] [upserts] [catalogue] [rio] [enrolment]
[timetable] [oneroster] [--n N]``.

Default: all, N = 20,000 (catalogue and rio use the issue's catalogue size instead; rio
takes at most N offerings; enrolment pulls 50,000 persons, or N when N < 20,000). Every
figure is printed beside the raw limit measured in the
same run, as a ratio; nothing here fails on a timing. One PostgreSQL server serves every
benchmark (a fresh database per measurement); publish and catalogue start and stop their
own broker, catalogue its own simulated SIS. timetable imports the issue's school year
(10,000 students, 531,676 occurrences) from its own simulated timetabling system.
oneroster reads a school of 50,000 users (or N when N < 20,000) as OneRoster 1.2.
"""

from __future__ import annotations

import argparse
import platform
import resource
import sys
import time

from bench import (
    catalogue_sync,
    enrolment,
    oneroster,
    publish,
    rio_messages,
    timetable,
    upserts,
)
from gateway.testing.postgres import postgres_server

BENCHMARKS = {"publish": publish.run, "upserts": upserts.run, "catalogue": catalogue_sync.run,
              "rio": rio_messages.run, "enrolment": enrolment.run, "timetable": timetable.run,
              "oneroster": oneroster.run}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help=f"benchmarks to run: {', '.join(BENCHMARKS)} (default: all)")
    parser.add_argument("--n", type=int, default=20_000, help="messages/entities (20,000)")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.names) - set(BENCHMARKS))
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}")
    if args.n < 1:
        parser.error("--n must be at least 1")
    names = args.names or list(BENCHMARKS)
    started = time.perf_counter()
    print(f"mbo-gateway benchmarks: Python {platform.python_version()}, "
          f"{platform.machine()}, N={args.n:,}; ratio = gateway rate / raw limit in this run")
    with postgres_server() as server:
        for name in names:
            BENCHMARKS[name](server, n=args.n)
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("\n== resources")
    print(f"  peak RSS, benchmark process (getrusage)  {own:8.1f} MiB  "
          "(whole run, this process; the broker and PostgreSQL are not in it)")
    print(f"  total wall time                          {time.perf_counter() - started:8.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
