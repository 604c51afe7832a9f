"""The raw limit of a timetable import: the feed fetched, parsed and expanded, nothing else.

``python -m bench.timetable_raw URL START UNTIL`` (ISO dates, Europe/Amsterdam) runs in a
child process of the benchmark, so its peak RSS is its own: it GETs the feed with a bare
``httpx.Client``, parses it with ``icalendar.Calendar.from_ical`` and expands every series
with ``recurring_ical_events`` (``of(calendar).series``, ``series.between``), touching
each occurrence's start and end: the least any importer built on these libraries does.
It prints one JSON line: bytes, VEVENTs, occurrences, the seconds of each step, peak RSS.
For information it also times the libraries' public path, ``of(calendar).between(...)``,
which copies a component per occurrence (``--components``).
"""

from __future__ import annotations

import json
import resource
import sys
import time
from datetime import date, datetime
from typing import Any

import httpx
import icalendar
import recurring_ical_events  # type: ignore[import-untyped, unused-ignore]

from simulators.timetable.school_year import ZONE

__all__ = ["expand_series", "fetch", "main"]


def fetch(url: str) -> bytes:
    with httpx.Client(timeout=120) as http:
        reply = http.get(url)
        reply.raise_for_status()
        return reply.content


def expand_series(calendar: Any, start: datetime, until: datetime) -> int:
    """Occurrences starting in ``[start, until)``, series by series, no component copies."""
    count = 0
    for series in recurring_ical_events.of(calendar).series:
        for occurrence in series.between(start, until):
            if start <= occurrence.start < until and occurrence.end > occurrence.start:
                count += 1
    return count


def main(argv: list[str]) -> dict[str, Any]:
    url, first, last = argv[0], date.fromisoformat(argv[1]), date.fromisoformat(argv[2])
    start = datetime(first.year, first.month, first.day, tzinfo=ZONE)
    until = datetime(last.year, last.month, last.day, tzinfo=ZONE)
    began = time.perf_counter()
    body = fetch(url)
    fetched = time.perf_counter()
    calendar = icalendar.Calendar.from_ical(body)
    parsed = time.perf_counter()
    occurrences = expand_series(calendar, start, until)
    expanded = time.perf_counter()
    result: dict[str, Any] = {
        "bytes": len(body), "events": len(calendar.walk("VEVENT")), "occurrences": occurrences,
        "t_fetch": fetched - began, "t_parse": parsed - fetched, "t_expand": expanded - parsed,
    }
    if "--components" in argv:
        components = sum(1 for _ in recurring_ical_events.of(calendar).between(start, until))
        result["components"] = components
        result["t_components"] = time.perf_counter() - expanded
    result["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1:])))
