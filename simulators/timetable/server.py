"""Run the simulated timetabling system on loopback in this process (tests, benchmarks).

Example::

    school = TimetableSchool(students=10_000, seed=7)
    with running_timetable(school) as base_url:
        ...  # base_url + "/school.ics" is the whole school's feed
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from gateway.testing.serving import serve_in_thread
from simulators.timetable.app import create_timetable_app
from simulators.timetable.school import TimetableSchool

__all__ = ["running_timetable"]


@contextmanager
def running_timetable(school: TimetableSchool, *, start_timeout: float = 10.0) -> Iterator[str]:
    """Serve ``school``'s feeds with uvicorn on 127.0.0.1 (a free port) until the block ends.

    Yields:
        The base URL, ``http://127.0.0.1:<port>``.

    Raises:
        RuntimeError: the server did not start within ``start_timeout`` seconds.
    """
    with serve_in_thread(create_timetable_app(school), start_timeout=start_timeout) as port:
        yield f"http://127.0.0.1:{port}"
