"""Sync from the simulated SIS over real HTTP on loopback, into SQLite and PostgreSQL.

The SIS (``simulators.ooapi_sis``) runs in uvicorn on a free port behind OAuth2 client
credentials; the gateway's client pages through it, validates every item against the
official OOAPI v5 schema and maps it. Expected results come from the simulator's own
catalogue (its parameters and its documents before and after a mutation), not from the
gateway's mapping.
"""

from __future__ import annotations

import copy
import json
import secrets
import socket
import threading
import time
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
import uvicorn
from sqlalchemy import Engine

from gateway.adapters.standards import Standards
from gateway.bootstrap import Gateway, bootstrap
from gateway.domain.ids import entity_id
from gateway.errors import RetriableUpstreamError
from gateway.settings import Settings
from gateway.store.quarantine import Quarantine
from gateway.store.sync_state import SyncStateStore
from gateway.sync.scheduler import run_sync
from simulators.ooapi_sis.app import create_sis_app
from simulators.ooapi_sis.generator import SisCatalogue

TENANT, SOURCE = "roc-a", "sis"
TODAY = date(2026, 3, 1)
OFFERINGS, COHORTS, COURSES = 240, 2, 120
Scope = MutableMapping[str, Any]
Asgi = Callable[[Scope, Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]],
                Awaitable[None]]


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """Run ``app`` in uvicorn on a free loopback port; yields its base URL."""
    # proto IPPROTO_TCP: only then does asyncio set TCP_NODELAY on accepted connections;
    # without it every keep-alive request waits ~40 ms for a delayed ACK
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, lifespan="off", log_level="warning",
                                           timeout_graceful_shutdown=5))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()
        assert not thread.is_alive(), "uvicorn did not stop"


def corrupting(app: Asgi, change: Callable[[str, dict[str, Any]], None]) -> Asgi:
    """Wrap an ASGI app; ``change(path, document)`` edits each JSON reply before it leaves."""

    async def wrapped(scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def capture(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            body = b"".join(chunks)
            if start["status"] == 200 and body.startswith(b"{"):
                doc = json.loads(body)
                change(scope["path"], doc)
                body = json.dumps(doc).encode()
            headers = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
            await send({**start, "headers": [*headers,
                                             (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})

        await app(scope, receive, capture)

    return wrapped


def refusing(app: Asgi, sis: Sis) -> Asgi:
    """Wrap an ASGI app: log each path in ``sis.hits``; answer ``sis.refuse(path)`` if set."""

    async def wrapped(scope: Scope, receive: Any, send: Any) -> None:
        status = None
        if scope["type"] == "http":
            sis.hits.append(scope["path"])
            status = sis.refuse(scope["path"])
        if status is None:
            await app(scope, receive, send)
            return
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"retry-after", b"0"), (b"content-length", b"2"),
                                (b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": b"{}"})

    return wrapped


@dataclass
class Sis:
    catalogue: SisCatalogue
    secret: str
    #: Edits replies before they leave (set by a test to serve broken documents).
    change: Callable[[str, dict[str, Any]], None] = lambda path, doc: None
    #: A status to answer instead of the SIS, per path (set by a test to make it fail).
    refuse: Callable[[str], int | None] = lambda path: None
    hits: list[str] = field(default_factory=list)


@pytest.fixture
def sis() -> Sis:
    catalogue = SisCatalogue(OFFERINGS, seed=11, cohorts=COHORTS, courses=COURSES, today=TODAY)
    return Sis(catalogue, secrets.token_urlsafe(24))


@pytest.fixture
def sis_url(sis: Sis) -> Iterator[str]:
    app = create_sis_app(sis.catalogue, client_id="gateway", client_secret=sis.secret)
    app = corrupting(app, lambda path, doc: sis.change(path, doc))
    with serving(refusing(app, sis)) as url:
        yield url


@pytest.fixture
def gateway(engine: Engine, sis: Sis, sis_url: str, standards: Standards) -> Iterator[Gateway]:
    settings = Settings(
        token_secret=secrets.token_hex(32), standards_dir=standards.root,
        tenants=[{"id": TENANT, "name": "ROC A"}],
        sources=[{"tenant": TENANT, "name": SOURCE, "base_url": sis_url,
                  "token_url": f"{sis_url}/oauth/token", "client_id": "gateway",
                  "client_secret": sis.secret, "page_size": 50}],
    )
    clock = [datetime(2026, 3, 1, 9, 0, tzinfo=UTC)]
    gw = bootstrap(settings, engine=engine, clock=lambda: clock[0])
    gw.clock = lambda: clock[0]
    yield gw
    gw.close()


def tick(gateway: Gateway, hours: int) -> None:
    """Move the gateway's clock on (sync times are stored per run)."""
    now = gateway.clock() + timedelta(hours=hours)
    gateway.clock = lambda: now
    gateway.store.clock = lambda: now


def events_since(gateway: Gateway, cursor: int) -> list[Any]:
    return gateway.event_log.read(TENANT, after=cursor, limit=100_000).events


def uid(kind: str, source_id: str) -> str:
    return str(entity_id(TENANT, SOURCE, kind, source_id))


def documents(catalogue: SisCatalogue) -> dict[str, dict[str, Any]]:
    """A deep copy of what the SIS serves, by kind and id."""
    with catalogue.lock:
        return copy.deepcopy({"programs": catalogue.programs, "courses": catalogue.courses,
                              "offerings": {k: v for k, v in catalogue.offerings.items()
                                            if v["offeringType"] == "program"}})


def location(offering: dict[str, Any]) -> str:
    return next(str(c["location"]) for c in offering["consumers"]
                if c["consumerKey"] == "nl-test-admin")


# -- full sync, no change, incremental -----------------------------------------------------


def test_full_sync_then_nothing_then_exactly_the_changes(gateway: Gateway, sis: Sis) -> None:
    catalogue = sis.catalogue
    specs, programs = len(catalogue.education_specifications), len(catalogue.programs)
    cohorts = OFFERINGS * COHORTS
    first = run_sync(gateway, TENANT, SOURCE, full=True)
    assert (first.mode, first.quarantined, first.deleted, first.changed) == ("full", 0, 0, 0)
    assert first.fetched == specs + programs + cohorts + COURSES
    assert first.created == specs + OFFERINGS + cohorts + COURSES
    assert first.events == first.created
    by_type: dict[str, int] = {}
    for event in events_since(gateway, 0):
        by_type[event.type] = by_type.get(event.type, 0) + 1
    assert by_type == {
        "nl.mbo.catalogue.qualification.upserted.v1": specs,
        "nl.mbo.catalogue.programme-offering.upserted.v1": OFFERINGS,
        "nl.mbo.catalogue.cohort.upserted.v1": cohorts,
        "nl.mbo.catalogue.course.upserted.v1": COURSES,
    }

    cursor = gateway.event_log.head(TENANT)
    tick(gateway, 1)
    again = run_sync(gateway, TENANT, SOURCE, full=True)
    assert (again.events, again.created, again.changed, again.deleted) == (0, 0, 0, 0)
    assert again.unchanged == first.created
    assert events_since(gateway, cursor) == []

    before = documents(catalogue)
    changes = catalogue.mutate(25)
    after = documents(catalogue)
    changed_offerings = {i for i, d in after["offerings"].items() if before["offerings"].get(i)
                         not in (None, d)}
    new_offerings = set(after["offerings"]) - set(before["offerings"])
    gone_offerings = set(before["offerings"]) - set(after["offerings"])
    renamed_programs = {i for i, d in after["programs"].items() if before["programs"][i] != d}
    renamed_courses = {i for i, d in after["courses"].items() if before["courses"][i] != d}
    assert changed_offerings and new_offerings and gone_offerings, changes
    assert renamed_programs and renamed_courses, changes
    expected = (
        {uid("cohort", i) for i in changed_offerings | new_offerings}
        | {uid("course", i) for i in renamed_courses}
        | {uid("programme-offering", f"{o['program']}/{location(o)}")
           for o in after["offerings"].values() if o["program"] in renamed_programs}
    )

    tick(gateway, 1)
    incremental = run_sync(gateway, TENANT, SOURCE, full=False)
    assert (incremental.mode, incremental.since) == ("incremental", "2026-03-01")
    assert incremental.deleted == 0 and incremental.quarantined == 0
    assert incremental.created == len(new_offerings)
    events = events_since(gateway, cursor)
    assert {e.subject for e in events} == expected
    assert all(e.type.endswith(".upserted.v1") for e in events)
    assert incremental.events == len(events) == len(expected)

    # only a full sync can see what the source no longer lists
    cursor = gateway.event_log.head(TENANT)
    tick(gateway, 1)
    full = run_sync(gateway, TENANT, SOURCE, full=True)
    locations_left = {(o["program"], location(o)) for o in after["offerings"].values()}
    emptied = {(o["program"], location(o)) for i, o in before["offerings"].items()
               if i in gone_offerings} - locations_left
    deleted = {e.subject for e in events_since(gateway, cursor)}
    assert deleted == ({uid("cohort", i) for i in gone_offerings}
                       | {uid("programme-offering", f"{p}/{loc}") for p, loc in emptied})
    assert full.deleted == len(deleted) and full.events == full.deleted
    assert full.changed == 0 and full.created == 0


def test_sync_state_records_the_start_of_each_successful_run(gateway: Gateway) -> None:
    states = SyncStateStore(gateway.engine)
    assert states.get(TENANT, SOURCE) is None
    started = gateway.clock()
    report = run_sync(gateway, TENANT, SOURCE, full=False)  # no state yet: runs full
    assert report.mode == "full"
    state = states.get(TENANT, SOURCE)
    assert state is not None
    assert state.last_sync_at == started == state.last_full_sync_at
    assert state.last_report["created"] == report.created
    tick(gateway, 2)
    run_sync(gateway, TENANT, SOURCE, full=False)
    state = states.get(TENANT, SOURCE)
    assert state is not None
    assert state.last_sync_at == started + timedelta(hours=2)
    assert state.last_full_sync_at == started


def test_a_source_failing_half_way_deletes_nothing_and_keeps_the_last_sync_time(
    gateway: Gateway, sis: Sis
) -> None:
    run_sync(gateway, TENANT, SOURCE, full=True)
    states = SyncStateStore(gateway.engine)
    before = states.get(TENANT, SOURCE)
    sis.catalogue.mutate(25)  # withdrawals among them: a full sync would delete
    cursor = gateway.event_log.head(TENANT)
    sis.refuse = lambda path: 503 if path == "/courses" else None  # read after the programs
    tick(gateway, 1)
    with pytest.raises(RetriableUpstreamError, match="GET /courses: HTTP 503"):
        run_sync(gateway, TENANT, SOURCE, full=True)
    events = events_since(gateway, cursor)
    assert events and all(e.type.endswith(".upserted.v1") for e in events)
    assert states.get(TENANT, SOURCE) == before

    sis.refuse = lambda path: None
    tick(gateway, 1)
    assert run_sync(gateway, TENANT, SOURCE, full=True).deleted > 0


def test_a_refused_token_is_renewed_once_and_the_sync_goes_on(gateway: Gateway, sis: Sis) -> None:
    refused: list[str] = []

    def once(path: str) -> int | None:
        if path == "/courses" and not refused:
            refused.append(path)
            return 401
        return None

    sis.refuse = once
    report = run_sync(gateway, TENANT, SOURCE, full=True)
    assert report.quarantined == 0 and report.created > 0
    assert sis.hits.count("/oauth/token") == 2
    assert sis.hits.count("/courses") == 1 + -(-COURSES // 50)  # the refused one, then pages


# -- bad items -------------------------------------------------------------------------------


def _break_offering(target: str) -> Callable[[str, dict[str, Any]], None]:
    def change(path: str, doc: dict[str, Any]) -> None:
        for item in doc.get("items", []):
            if item.get("offeringId") == target:
                item["maxNumberStudents"] = "many"  # the schema wants an integer
    return change


def _break_program(target: str) -> Callable[[str, dict[str, Any]], None]:
    def change(path: str, doc: dict[str, Any]) -> None:
        for item in doc.get("items", []):
            if item.get("programId") == target:
                item["modeOfStudy"] = "sometimes"  # not in the enumeration
    return change


def test_an_invalid_offering_is_quarantined_with_payload_and_schema_path(
    gateway: Gateway, sis: Sis
) -> None:
    target = sorted(i for i, o in sis.catalogue.offerings.items()
                    if o["offeringType"] == "program")[7]
    sis.change = _break_offering(target)
    report = run_sync(gateway, TENANT, SOURCE, full=True)
    specs = len(sis.catalogue.education_specifications)
    assert report.quarantined == 1
    assert report.created == specs + OFFERINGS + OFFERINGS * COHORTS - 1 + COURSES
    (held,) = Quarantine(gateway.engine).list(TENANT)
    raw = json.loads(held.raw)
    assert raw["offeringId"] == target and raw["maxNumberStudents"] == "many"
    assert (held.source, held.kind) == (SOURCE, "ProgramOffering")
    assert held.path.startswith("ooapi-v5/ooapi.json#/components/schemas/")
    assert held.path.endswith("/maxNumberStudents/type")
    assert "/maxNumberStudents" in held.reason
    assert uid("cohort", target) not in {e.subject for e in events_since(gateway, 0)}


@pytest.mark.parametrize("broken", ["offering", "program"])
def test_a_bad_item_keeps_its_last_good_version(
    gateway: Gateway, sis: Sis, broken: str
) -> None:
    run_sync(gateway, TENANT, SOURCE, full=True)
    cursor = gateway.event_log.head(TENANT)
    program_id, offering = next(
        (o["program"], i) for i, o in sorted(sis.catalogue.offerings.items())
        if o["offeringType"] == "program")
    sis.change = (_break_offering(offering) if broken == "offering"
                  else _break_program(program_id))
    tick(gateway, 1)
    report = run_sync(gateway, TENANT, SOURCE, full=True)
    assert report.quarantined == 1
    assert (report.deleted, report.events) == (0, 0)  # nothing lost, nothing changed
    assert events_since(gateway, cursor) == []
    (held,) = Quarantine(gateway.engine).list(TENANT)
    assert held.kind == ("ProgramOffering" if broken == "offering" else "Program")
    if broken == "program":
        assert json.loads(held.raw)["modeOfStudy"] == "sometimes"
        assert held.path.endswith("/modeOfStudy/enum")
    gateway.store.get(TENANT, UUID(uid("cohort", offering)))  # still there, not deleted

    tick(gateway, 1)  # the same bad item again: counted, not stored twice
    assert run_sync(gateway, TENANT, SOURCE, full=True).quarantined == 1
    assert len(Quarantine(gateway.engine).list(TENANT)) == 1


# -- quarantine rows closed by a complete full run --------------------------------------------


def test_a_fixed_item_closes_its_quarantine_row_on_a_complete_full_run_only(
    gateway: Gateway, sis: Sis
) -> None:
    quarantine = Quarantine(gateway.engine)
    target = sorted(i for i, o in sis.catalogue.offerings.items()
                    if o["offeringType"] == "program")[3]
    sis.change = _break_offering(target)
    assert run_sync(gateway, TENANT, SOURCE, full=True).quarantined == 1
    (held,) = quarantine.list(TENANT)
    # the source's enrolment pull keeps its own rows under the same source name
    other = quarantine.put(tenant=TENANT, source=SOURCE, kind="Association", reason="r",
                           raw="{}")

    sis.change = lambda path, doc: None  # the school fixed the offering
    tick(gateway, 1)
    incremental = run_sync(gateway, TENANT, SOURCE, full=False)
    assert (incremental.mode, incremental.quarantine_resolved) == ("incremental", 0)
    assert {r.id for r in quarantine.list(TENANT)} == {held.id, other}

    sis.refuse = lambda path: 503 if path == "/courses" else None  # after the programs
    tick(gateway, 1)
    with pytest.raises(RetriableUpstreamError):
        run_sync(gateway, TENANT, SOURCE, full=True)
    assert {r.id for r in quarantine.list(TENANT)} == {held.id, other}

    sis.refuse = lambda path: None
    tick(gateway, 1)
    report = run_sync(gateway, TENANT, SOURCE, full=True)
    assert (report.quarantined, report.quarantine_resolved) == (0, 1)
    assert "quarantine resolved 1" in report.line()
    assert report.as_dict()["quarantine_resolved"] == 1
    gateway.store.get(TENANT, UUID(uid("cohort", target)))  # stored now
    assert [r.id for r in quarantine.list(TENANT)] == [other]
    handled = {r.id: r.replayed_at for r in quarantine.list(TENANT, include_replayed=True)}
    assert handled[held.id] is not None and handled[other] is None

    tick(gateway, 1)  # closed once: a later full run has nothing more to close
    assert run_sync(gateway, TENANT, SOURCE, full=True).quarantine_resolved == 0


def test_an_item_still_bad_keeps_its_row_open_through_full_runs(
    gateway: Gateway, sis: Sis
) -> None:
    quarantine = Quarantine(gateway.engine)
    program_id = sorted(sis.catalogue.programs)[0]
    sis.change = _break_program(program_id)
    run_sync(gateway, TENANT, SOURCE, full=True)
    tick(gateway, 1)
    report = run_sync(gateway, TENANT, SOURCE, full=True)
    assert (report.quarantined, report.quarantine_resolved) == (1, 0)
    assert [r.kind for r in quarantine.list(TENANT)] == ["Program"]
