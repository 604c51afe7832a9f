"""Push mode: the timetabling system sends its exam sessions through the mbo profile.

An exam session ("zitting") is a component offering: ``PUT /offerings/{offeringId}`` with
the ``nl-test-admin`` consumer entry (duration, state, room as ``locationCode``), as exam
planners and SIS products deliver them. The ``offeringId`` is the exam's UID in the feeds
(before the ``@``), so the two deliveries name the same session. Example::

    report = push_to(school, "http://127.0.0.1:8000/ooapi/v5-mbo", token, concurrency=8)
    print(report.line())    # "push: 2,248 PUTs in 3.1 s (725/s), p99 ..."
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx

from simulators.ooapi_sis.numbered_ids import NumberedIds
from simulators.ooapi_sis.push import PushReport
from simulators.timetable.school import EXAM_SUBJECTS, SUBJECTS, Exam, TimetableSchool
from simulators.timetable.school_year import ZONE

__all__ = ["exam_document", "exam_documents", "push_to"]


def exam_document(school: TimetableSchool, exam: Exam) -> dict[str, Any]:
    """The component offering of one exam session (mbo profile, ``PUT /offerings``)."""
    subject = EXAM_SUBJECTS[exam.course - len(SUBJECTS)]
    start = exam.start.replace(tzinfo=ZONE)
    end = start + timedelta(minutes=exam.minutes)
    components = NumberedIds(school.seed, "exam-component")
    code = f"{subject.replace(' ', '-')}-{start:%Y%m%d-%H%M}-{exam.offering_id[-6:]}"
    title = f"{start:%Y%m%d-%H:%M}-{subject}"
    return {
        "offeringId": exam.offering_id,
        "primaryCode": {"codeType": "offeringCode", "code": code},
        "offeringType": "component",
        "name": [{"language": "nl-NL", "value": title}],
        "description": [{"language": "nl-NL", "value": f"Examenzitting {subject}"}],
        "teachingLanguage": "nld",
        "modeOfDelivery": ["situated"],
        "resultExpected": True,
        "consumers": [{"consumerKey": "nl-test-admin", "duration": f"PT{exam.minutes}M",
                       "startOptions": "individualStart", "durationFrom": "startDateTime",
                       "durationUntil": "endDateTime", "offeringState": "active",
                       "locationCode": school.rooms[exam.rooms[0]]}],
        "startDateTime": start.isoformat(),
        "endDateTime": end.isoformat(),
        "component": components.encode(exam.course),
    }


def exam_documents(school: TimetableSchool, limit: int | None = None) -> Iterator[
        dict[str, Any]]:
    """The component offering of every exam session (the first ``limit``)."""
    exams = school.exams if limit is None else school.exams[:limit]
    for exam in exams:
        yield exam_document(school, exam)


async def _push(school: TimetableSchool, base_url: str, token: str, concurrency: int,
                limit: int | None, timeout: float, max_attempts: int) -> PushReport:
    report = PushReport()
    todo = exam_documents(school, limit)
    headers = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    started = time.perf_counter()
    async with httpx.AsyncClient(base_url=base_url.rstrip("/"), timeout=timeout,
                                 limits=limits, headers=headers) as http:

        async def worker() -> None:
            for document in todo:  # the workers share one generator
                path = f"/offerings/{document['offeringId']}"
                began = time.perf_counter()
                for attempt in range(1, max_attempts + 1):
                    status = (await http.put(path, json=document)).status_code
                    if status != 429 and status < 500 or attempt == max_attempts:
                        break
                    await asyncio.sleep(0.05 * 2 ** attempt)
                report.latencies.append(time.perf_counter() - began)
                report.statuses[status] += 1
                report.by_phase["offerings"] += 1
                if status >= 300:
                    report.failures.append(f"PUT {path}: {status}")

        async with asyncio.TaskGroup() as group:
            for _ in range(concurrency):
                group.create_task(worker())
    report.seconds = time.perf_counter() - started
    return report


def push_to(school: TimetableSchool, base_url: str, token: str, *, concurrency: int = 8,
            limit: int | None = None, timeout: float = 30.0,
            max_attempts: int = 3) -> PushReport:
    """``PUT`` every exam session to an mbo profile receiver as a component offering.

    Args:
        school: the timetable whose exams are sent.
        base_url: the receiver's root, e.g. ``http://host/ooapi/v5-mbo``.
        token: a bearer token with a scope for ``PUT /offerings`` (e.g. ``offerings.write``).
        concurrency: requests in flight at once.
        limit: send only the first ``limit`` exam sessions.
        timeout: seconds per request.
        max_attempts: attempts per request on 429 and 5xx.

    Returns:
        Counts by status, failures and latencies (``report.line()`` for one line).

    Raises:
        ValueError: ``concurrency`` is below 1.
    """
    if concurrency < 1:
        raise ValueError("concurrency is at least 1")
    return asyncio.run(_push(school, base_url, token, concurrency, limit, timeout,
                             max_attempts))
