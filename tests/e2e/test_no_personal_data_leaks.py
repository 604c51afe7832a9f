"""Every flow of issue 4 runs; no event, log line or error response holds personal data.

The flows: the simulated SIS pushes its population through the mbo profile; the test
pushes a person of its own with an offering, associations, a group and members (repeated,
changed, and a state change the machine refuses); bodies with personal data are refused
(schema, malformed JSON, unknown references, no token, wrong scope); the gateway pulls
persons and enrolments from the SIS (one person it serves is broken and quarantined),
then again after the school changed; an intake application of a new applicant and one of a
known person (idempotent replay, a reused key, invalid bodies, an unknown cohort) are
forwarded to the SIS, decided there and come back as state changes; a withdrawal the
machine refuses and one it allows; personal data is read through the audited API (and
refused without the scope); three persons are erased (one of them known only from the
quarantine). The relay publishes every event to Kafka (the Tansu broker) or to the
in-memory publisher.

Then everything emitted is searched for the personal data of every person involved
(each name, e-mail address, birth date in eight notations, address, phone number): the
outbox, every Kafka record (key, value, headers), every log record of the process at
DEBUG (raw, before any redaction), the body of every refused request, and the audit log.
A positive control (the successful personal-data read) must be found, so a search that
cannot see would fail too.
"""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import Text, cast, select

from gateway.adapters.standards import Standards
from gateway.domain import Cohort
from gateway.events.envelope import to_message
from gateway.events.outbox import OutboxEvent
from gateway.events.publisher import InMemoryEventPublisher
from gateway.mappings.ooapi_v5_mbo_in import canonical_id
from gateway.store.audit import audit_log
from gateway.store.tables import metadata, outbox
from gateway.sync.intake_submission import school_today
from gateway.sync.scheduler import run_sync
from tests.e2e.leak_flows import (
    break_one_person,
    forward_and_decide,
    intake,
    pull,
    push_from_the_sis,
    push_our_own,
    read_and_erase,
    refused_pushes,
)
from tests.e2e.leak_persons import QUIRINE, WENDELIEN, our_needles, school_needles
from tests.e2e.leak_search import LeakSearch, capture_logs
from tests.e2e.leak_world import TENANT, World, running_world


# -- collecting ----------------------------------------------------------------------------
def outbox_events(world: World) -> list[OutboxEvent]:
    with world.gateway.engine.connect() as conn:
        return [OutboxEvent.from_row(r) for r in conn.execute(select(outbox)
                                                               .order_by(outbox.c.seq))]


def published(world: World, kafka_bootstrap: str | None, events: list[OutboxEvent],
              ) -> list[tuple[str, bytes | None, bytes, list[tuple[str, bytes]]]]:
    """Every record the relay published: read back from Kafka, or from the fake."""
    relay = world.gateway.relay
    assert relay is not None
    relay.drain()
    publisher = world.gateway.publisher
    if isinstance(publisher, InMemoryEventPublisher):
        return [(m.topic, m.key, m.value, list(m.headers)) for m in publisher.published]
    assert kafka_bootstrap is not None
    from kafka import KafkaConsumer

    topics = sorted({e.topic for e in events})
    consumer = KafkaConsumer(*topics, bootstrap_servers=kafka_bootstrap,
                             auto_offset_reset="earliest", enable_auto_commit=False,
                             group_id=None)
    records: list[Any] = []
    deadline = time.monotonic() + 60
    try:
        while len(records) < len(events) and time.monotonic() < deadline:
            for batch in consumer.poll(timeout_ms=500).values():
                records.extend(batch)
    finally:
        consumer.close()
    return [(r.topic, r.key, r.value, list(r.headers)) for r in records]


def store_dump(world: World) -> list[tuple[str, str]]:
    """Every row of every table of the gateway's database, as (table, text)."""
    rows = []
    with world.gateway.engine.connect() as conn:
        for table in metadata.sorted_tables:
            for row in conn.execute(select(*(cast(c, Text) for c in table.c))):
                rows.append((table.name, " ".join(str(v) for v in row)))
    return rows


def _text(value: bytes | None) -> str:
    return "" if value is None else value.decode("utf-8", "replace")


# -- the test ------------------------------------------------------------------------------
@pytest.fixture(params=["memory", pytest.param("kafka", marks=pytest.mark.kafka)])
def kafka(request: pytest.FixtureRequest) -> str | None:
    if request.param == "memory":
        return None
    bootstrap: str = request.getfixturevalue("kafka_bootstrap")
    return bootstrap


@pytest.mark.slow
def test_no_flow_of_issue_4_leaks_personal_data(
    tmp_path: Path, standards: Standards, kafka: str | None,
) -> None:
    with capture_logs() as logs, running_world(tmp_path, standards,
                                               kafka_bootstrap=kafka) as world:
        logs.rescan()  # uvicorn configured its loggers while the servers started
        gateway = world.gateway
        needles = our_needles() + school_needles(world)
        run_sync(gateway, TENANT, "sis", full=True)
        today = school_today(gateway.clock)
        cohorts = [Cohort.model_validate(s.state) for s in gateway.store.list(TENANT, "cohort")]
        cohort = next(c for c in cohorts if c.open_for_application(today))

        push_from_the_sis(world)
        quirine = canonical_id(TENANT, "person", push_our_own(world, cohort))
        refused_pushes(world)
        broken = break_one_person(world, world.sis.school.students - 1)
        pull(world, full=True)
        student = canonical_id(TENANT, "person", world.sis.school.person_id(0))
        ysbrand_app, student_app = intake(world, cohort, student)
        forward_and_decide(world, ysbrand_app, student_app)
        world.sis.mutate(persons=8, enrolments=8)
        needles += school_needles(world)  # addresses and names after the changes
        pull(world, full=False)
        ysbrand = UUID(gateway.store.get(TENANT, UUID(ysbrand_app)).state["person_id"])
        control = read_and_erase(world, [quirine, ysbrand],
                                 canonical_id(TENANT, "person", broken))
        events = outbox_events(world)
        records = published(world, kafka, events)
        with gateway.engine.connect() as conn:
            audit = [dict(r._mapping) for r in conn.execute(select(audit_log))]
        stored = store_dump(world)

    search = LeakSearch(needles)
    for event in events:
        message = to_message(event)
        search.add("event", f"outbox {event.seq} {event.type}", " ".join((
            _text(message.key), _text(message.value),
            json.dumps(message.headers, default=_text),
            json.dumps(event.data, ensure_ascii=False))))
    for topic, key, value, headers in records:
        search.add("kafka", topic, " ".join((_text(key), _text(value), *(
            f"{k}={_text(v)}" for k, v in headers))))
    for n, line in enumerate(logs.lines):
        search.add("log", f"line {n}", line)
    for method, path, status, body in world.refused:
        search.add("response", f"{method} {path} {status}", body)
    for row in audit:
        search.add("audit", f"seq {row['seq']}", json.dumps(row, default=str))
    report = search.report()
    print(report)
    print("log lines by logger:", dict(Counter(line.split(" ", 1)[0].split(".")[0]
                                               for line in logs.lines).most_common()))

    control_search = LeakSearch(needles)
    control_search.add("control", "the personal-data read", control)
    assert {f.needle.person for f in control_search.findings()} == {"Quirine"}
    counts = search.counts()
    assert len(records) == len(events) == counts["event"] == counts["kafka"]
    types = {e.type for e in events}
    assert {"nl.mbo.person.person.upserted.v1", "nl.mbo.person.person.deleted.v1",
            "nl.mbo.enrolment.enrolment.upserted.v1",
            "nl.mbo.enrolment.participation.upserted.v1",
            "nl.mbo.enrolment.application.upserted.v1", "nl.mbo.timetable.group.upserted.v1",
            "nl.mbo.timetable.membership.upserted.v1"} <= types
    assert counts["log"] > 0 and counts["response"] >= 15 and counts["audit"] >= 9
    assert search.findings() == [], report

    erased = LeakSearch([n for n in needles if n.person in {"Quirine", "Ysbrand", "Evertdina"}])
    for table, row in stored:
        erased.add("store", table, row)
    print(erased.report())
    assert erased.findings() == [], erased.report()


def test_the_search_sees_personal_data_in_every_form_it_may_take() -> None:
    """The search itself can fail: planted values are found, look-alikes are not."""
    search = LeakSearch(our_needles())
    search.add("event", "escaped", json.dumps({"note": "Zoë Quirine"}, ensure_ascii=True))
    search.add("log", "url", "GET /x?mail=ysbrand.tjallingii%40post.example.org")
    born = QUIRINE["born"]
    search.add("response", "date", f'{{"detail": "born {born:%d-%m-%Y}"}}')
    search.add("event", "look-alikes", f"Quirinetje {born:%Y%m%d}1 3581 KWA evaluation")
    with capture_logs() as logs:
        try:
            raise ValueError(f"no {WENDELIEN['mail']}")
        except ValueError:
            logging.getLogger("gateway.anything").debug("failed", exc_info=True)
    search.add("log", "traceback", logs.lines[-1])
    found = {(f.where, f.needle.person, f.needle.what) for f in search.findings()}
    assert {where for where, _, _ in found} == {"date", "escaped", "traceback", "url"}
    assert {("date", "Quirine", "birth date"), ("escaped", "Quirine", "name"),
            ("traceback", "Wendelien", "email"), ("url", "Ysbrand", "email")} <= found
