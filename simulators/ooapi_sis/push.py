"""Push mode: the simulated SIS sends its population to a receiver of the mbo profile.

This is how mbo SIS products deliver: ``PUT /persons/{personId}``, ``PUT /groups/{groupId}``,
``PUT /groups/{groupId}/members`` (one member per request, as the profile defines it) and
``PUT /associations/{associationId}`` (person and offering as ids), in that order, so the
receiver knows every person and group before anything names it. Requests run with
``concurrency`` connections; documents are built as they are sent, so a push of 50,000
students holds the requests in flight, not the school. Example::

    report = push_to(school, "http://127.0.0.1:8000/ooapi/v5-mbo",
                     "http://127.0.0.1:8000/oauth/token", "sis", secret, concurrency=16)
    print(report.line())    # "push: 131,263 PUTs in 41.2 s (3,186/s), p99 12.1 ms, ..."

OAuth2 client credentials (RFC 6749 4.4) with HTTP Basic; a 401 fetches a new token once,
429 and 5xx are tried again (``max_attempts``, honouring a short ``Retry-After``).
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from simulators.ooapi_sis import population_docs as pdocs
from simulators.ooapi_sis.population import SisSchool

__all__ = ["PHASES", "PushReport", "push_async", "push_to", "requests_of"]

#: What a push sends, in order.
PHASES = ("persons", "groups", "members", "associations")
Request = tuple[str, dict[str, Any]]


@dataclass
class PushReport:
    """What a push did: counts by status, failures (method, path, status), latencies."""

    statuses: Counter[int] = field(default_factory=Counter)
    by_phase: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def requests(self) -> int:
        return sum(self.statuses.values())

    @property
    def ok(self) -> bool:
        return not self.failures

    def percentile(self, share: float) -> float:
        """The latency (seconds) below which ``share`` of the requests finished."""
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1)]

    def line(self) -> str:
        rate = self.requests / self.seconds if self.seconds else 0.0
        return (f"push: {self.requests:,} PUTs in {self.seconds:.1f} s ({rate:,.0f}/s), "
                f"p50 {self.percentile(0.5) * 1000:.1f} ms, "
                f"p99 {self.percentile(0.99) * 1000:.1f} ms, "
                f"statuses {dict(sorted(self.statuses.items()))}, "
                f"failures {len(self.failures)}")


def requests_of(school: SisSchool, *, students: int | None = None,
                phases: Sequence[str] = PHASES,
                association_types: Sequence[str] | None = None,
                received: bool = False) -> Iterator[tuple[str, Request]]:
    """(phase, (path, body)) of every PUT, built one at a time under the school's lock.

    Args:
        school: the population.
        students: push only the first N students (and all staff); default all.
        phases: which of :data:`PHASES` to send.
        association_types: push only associations of these ``associationType`` s.
        received: also push what others pushed to the SIS (the persons and associations
            of forwarded applications), under their own ids and with the school's
            decision as their state: the SIS passes on what it took in.
    """
    limit = school.students if students is None else min(students, school.students)
    pushed = [*range(limit), *range(school.students, school.persons)]
    if "persons" in phases:
        for number in pushed:
            with school.lock:
                doc = school.person_of(number)
            yield "persons", (f"/persons/{doc['personId']}", doc)
        if received:
            with school.lock:
                taken_in = {i: dict(d) for i, d in sorted(school.received.persons.items())}
            for ident, doc in taken_in.items():
                yield "persons", (f"/persons/{ident}", doc)
    groups = range(len(school.groups))
    if "groups" in phases:
        for number in groups:
            with school.lock:
                group = school.group(number)
            yield "groups", (f"/groups/{group['groupId']}", group)
    if "members" in phases:
        for number in groups:
            with school.lock:
                gid, members = school.group_ids.encode(number), school.members(number)
            for member in members:
                number_of = school.person_number(member["personId"])
                if number_of is not None and (number_of < limit or number_of >= school.students):
                    yield "members", (f"/groups/{gid}/members", member)
    if "associations" in phases:
        for number in range(limit):
            with school.lock:
                found = [school.association(a) for a in school.association_numbers_of(number)]
            for association in found:
                if association is not None and (association_types is None or association[0][
                        "associationType"] in association_types):
                    doc = pdocs.on_its_own(*association)
                    yield "associations", (f"/associations/{doc['associationId']}", doc)
        if received:
            with school.lock:
                kept = [a for person in sorted(school.received.persons)
                        for a in school.received.of_person(person)]
            for association in kept:
                if association_types is None or association[0].get(
                        "associationType") in association_types:
                    doc = pdocs.on_its_own(*association)
                    yield "associations", (f"/associations/{doc['associationId']}", doc)


class _Pusher:
    def __init__(self, http: httpx.AsyncClient, token_url: str, credentials: tuple[str, str],
                 scope: str | None, max_attempts: int) -> None:
        self.http = http
        self.token_url = token_url
        self.credentials = credentials
        self.scope = scope
        self.max_attempts = max_attempts
        self.token: str | None = None
        self._token_lock = asyncio.Lock()

    async def fresh_token(self, stale: str | None) -> str:
        async with self._token_lock:
            if self.token is None or self.token == stale:
                form = {"grant_type": "client_credentials"}
                if self.scope:
                    form["scope"] = self.scope
                reply = await self.http.post(self.token_url, data=form, auth=self.credentials)
                if reply.status_code != 200:
                    raise RuntimeError(f"token endpoint answered {reply.status_code}")
                self.token = str(reply.json()["access_token"])
            return self.token

    async def put(self, path: str, body: dict[str, Any]) -> int:
        token = await self.fresh_token(None)
        refreshed = False
        for attempt in range(1, self.max_attempts + 1):
            reply = await self.http.put(path, json=body,
                                        headers={"Authorization": f"Bearer {token}"})
            if reply.status_code == 401 and not refreshed:
                token, refreshed = await self.fresh_token(token), True
                continue
            if (reply.status_code == 429 or reply.status_code >= 500) \
                    and attempt < self.max_attempts:
                delay = reply.headers.get("Retry-After", "")
                await asyncio.sleep(min(float(delay), 5.0) if delay.isdigit()
                                    else 0.05 * 2 ** attempt)
                continue
            return reply.status_code
        return reply.status_code


async def push_async(
    school: SisSchool, base_url: str, token_url: str, client_id: str, client_secret: str, *,
    concurrency: int = 8, scope: str | None = None, students: int | None = None,
    phases: Sequence[str] = PHASES, association_types: Sequence[str] | None = None,
    timeout: float = 30.0, max_attempts: int = 3, received: bool = False,
) -> PushReport:
    """Push the population (see the module docstring); the coroutine behind :func:`push_to`."""
    if concurrency < 1:
        raise ValueError("concurrency is at least 1")
    report = PushReport()
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    started = time.perf_counter()
    async with httpx.AsyncClient(base_url=base_url.rstrip("/"), timeout=timeout,
                                 limits=limits) as http:
        pusher = _Pusher(http, token_url, (client_id, client_secret), scope, max_attempts)
        await pusher.fresh_token(None)  # wrong credentials end the push before it starts
        for phase in phases:
            queue = requests_of(school, students=students, phases=(phase,),
                                association_types=association_types, received=received)

            async def worker(todo: Iterator[tuple[str, Request]] = queue) -> None:
                for name, (path, body) in todo:  # workers share one generator
                    began = time.perf_counter()
                    status = await pusher.put(path, body)
                    report.latencies.append(time.perf_counter() - began)
                    report.statuses[status] += 1
                    report.by_phase[name] += 1
                    if status >= 300:
                        report.failures.append(f"PUT {path}: {status}")

            try:
                async with asyncio.TaskGroup() as group:  # one failing cancels the others
                    for _ in range(concurrency):
                        group.create_task(worker())
            except ExceptionGroup as failed:
                raise failed.exceptions[0] from None
    report.seconds = time.perf_counter() - started
    return report


def push_to(
    school: SisSchool, base_url: str, token_url: str, client_id: str, client_secret: str, *,
    concurrency: int = 8, scope: str | None = None, students: int | None = None,
    phases: Sequence[str] = PHASES, association_types: Sequence[str] | None = None,
    timeout: float = 30.0, max_attempts: int = 3, received: bool = False,
) -> PushReport:
    """Push the school's population to an mbo profile receiver with ``PUT`` requests.

    Args:
        school: the population to send.
        base_url: the receiver's root, e.g. ``http://host/ooapi/v5-mbo``.
        token_url: its OAuth2 token endpoint (client credentials).
        client_id: the SIS's client id there.
        client_secret: its secret.
        concurrency: requests in flight at once.
        scope: the scope to ask the token for, if the receiver wants one.
        students: push only the first N students (and all staff).
        phases: which of :data:`PHASES` to send, in that order.
        association_types: push only associations of these ``associationType`` s (a
            receiver may hold no course offerings, for one).
        timeout: seconds per request.
        max_attempts: attempts per request on 429 and 5xx.
        received: also push the persons and associations pushed to the SIS (see
            :func:`requests_of`).

    Returns:
        Counts, failures and latencies (``report.line()`` for one line).

    Raises:
        RuntimeError: the token endpoint refused the credentials.
    """
    return asyncio.run(push_async(
        school, base_url, token_url, client_id, client_secret, concurrency=concurrency,
        scope=scope, students=students, phases=phases, association_types=association_types,
        timeout=timeout, max_attempts=max_attempts, received=received))
