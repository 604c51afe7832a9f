"""Every event the store produces, as it goes on the wire, conforms to its published schema.

Real entities of every kind go through the real store (created, changed, deleted, re-created)
on a migrated SQLite database; each outbox event is then turned into a Kafka record and
checked: CloudEvents headers, key, topic, and the data against the committed schema file
its ``dataschema`` names.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import jsonschema
import pytest
from cloudevents.core.bindings.kafka import KafkaMessage, from_binary
from cloudevents.core.formats.json import JSONFormat
from jsonschema import Draft202012Validator, FormatChecker
from sqlalchemy import Engine

from gateway.domain import (
    ENTITY_TYPES,
    Cohort,
    Entity,
    Person,
    ProgrammeOffering,
    SourceRef,
    TimetableActivity,
    event_id,
)
from gateway.events.envelope import to_message, to_structured
from gateway.events.log import EventLog
from gateway.events.outbox import OutboxEvent, OutboxWriter
from gateway.events.topics import TopicNames
from gateway.events.types import DEADLETTER_TYPE, Change, event_type
from gateway.store.engine import make_engine
from gateway.store.entities import EntityStore
from gateway.store.migrate import upgrade
from tests import factories

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas" / "events"
TYPE = re.compile(
    r"^nl\.mbo\.(?P<domain>[a-z]+)\.(?P<kind>[a-z-]+)\.(?P<change>upserted|deleted)\.v1$"
)
REQUIRED_HEADERS = {
    "ce_specversion", "ce_id", "ce_source", "ce_type", "ce_subject", "ce_time",
    "ce_dataschema", "ce_tenant", "ce_entityversion", "content-type",
}
PREFIX = "mbo"

#: One change per kind; a new kind must add its own, so its events get checked too.
CHANGES: dict[str, dict[str, Any]] = {
    "qualification": {"name": "Software developer (herzien)"},
    "programme-offering": {"name": "Software developer BOL", "valid_until": "2030-07-31"},
    "cohort": {"status": "closed", "capacity": 30},
    "course": {"study_load_hours": 120},
    "person": {"eck_id": "https://ketenid.nl/changed"},
    "application": {"state": "accepted"},
    "enrolment": {"state": "interrupted"},
    "participation": {"state": "ended", "attempt": 2},
    "group": {"name": "Software developer 4B"},
    "membership": {"role": "teacher"},
    "timetable-activity": {"status": "cancelled", "rooms": ["B2.01", "B2.02"]},
}


def _checker() -> FormatChecker:
    checker = FormatChecker()

    @checker.checks("date-time", raises=ValueError)
    def _date_time(value: object) -> bool:  # jsonschema checks it only with extra packages
        return not isinstance(value, str) or datetime.fromisoformat(value).tzinfo is not None

    return checker


FORMATS = _checker()


def _schemas_by_id() -> dict[str, dict[str, Any]]:
    found = {}
    for path in sorted(SCHEMAS.glob("*.json")):
        schema = json.loads(path.read_text("utf-8"))
        found[schema["$id"]] = schema
    return found


def _rich_entities(tenant: str) -> list[Entity]:
    """Variants that fill the optional parts the factories leave out."""
    system = "planner"
    off = ProgrammeOffering.create(
        tenant=tenant, source=SourceRef(system=system, id="o-rich"), crebo="25998",
        leerweg="BBL", level=2, location="987X654", valid_from=date(2026, 8, 1),
        valid_until=date(2029, 7, 31), name="Logistiek medewerker",
        description="Werken en leren in de logistiek.", language="ENG",
        admission_requirements="vmbo-bb", accessibility="rolstoel",
    )
    amsterdam = timezone(timedelta(hours=2))
    start = datetime(2026, 10, 12, 9, 0, tzinfo=amsterdam)
    return [
        off,
        Cohort.create(
            tenant=tenant, source=SourceRef(system=system, id="c-flex"), offering_id=off.id,
            code="2026-FLEX", status="open", application_start=date(2026, 1, 1),
            flexible_intake={"start": date(2026, 9, 1), "end": date(2027, 2, 1)},
            consent_required=True, capacity=12, price={"amount": Decimal("1250.50")},
        ),
        Person.create(tenant=tenant, source=SourceRef(system=system, id="p-no-eck")),
        TimetableActivity.create(
            tenant=tenant, source=SourceRef(system=system, id="t-exam"), activity_kind="exam",
            title="Examen", start=start, end=start + timedelta(hours=2), rooms=("Aula",),
            staff_ids=(uuid4(), uuid4()), group_ids=(uuid4(),), course_id=uuid4(),
            status="changed",
        ),
    ]


def _changed(entity: Entity) -> Entity:
    state = {**entity.snapshot(), **CHANGES[entity.kind]}
    return type(entity).model_validate(state)


@pytest.fixture
def engine(sqlite_url: str) -> Iterator[Engine]:
    eng = make_engine(sqlite_url)
    upgrade(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def produced(engine: Engine) -> list[OutboxEvent]:
    """Every event of tenant roc-a after a full life cycle of every kind, plus roc-b's."""
    assert set(CHANGES) == set(ENTITY_TYPES), "add a change for the new kind to CHANGES"
    store = EntityStore(engine, OutboxWriter(TopicNames(PREFIX)))
    plain, rich = factories.one_of_each("roc-a"), _rich_entities("roc-a")
    assert {e.kind for e in plain} == set(ENTITY_TYPES)

    created = store.upsert(plain + rich)
    assert created.created == len(plain) + len(rich)
    changed = store.upsert([_changed(e) for e in plain + rich])
    assert changed.changed == len(plain) + len(rich)
    # deletions both ways: a full set without them, and an explicit delete
    deleted = sum(store.apply_snapshot("roc-a", k, factories.SOURCE, []).deleted
                  for k in ENTITY_TYPES)
    deleted += store.delete("roc-a", [e.id for e in rich]).deleted
    assert deleted == len(plain) + len(rich)
    recreated = store.upsert(plain[:1])  # back after a delete: version 4, every field
    assert recreated.events[0].entity_version == 4
    store.upsert(factories.one_of_each("roc-b"))

    writer = OutboxWriter(TopicNames(PREFIX))
    entry = writer.deadletter_event(
        tenant="roc-a", entry_id=uuid4(), target="rio", now=datetime.now(UTC),
        data={
            "target": "rio", "reason": "RIO refused the offering", "code": "upstream-rejected",
            "errors": [{"code": "AOP-0042", "message": "Onbekende onderwijslocatie"}],
            "original": "<aanleveren_aangebodenOpleiding_request/>",
            "originalContentType": "application/xml", "entityId": str(plain[1].id),
        },
    )
    with engine.begin() as conn:
        writer.write(conn, [entry])

    log = EventLog(engine)
    events = [e for t in ("roc-a", "roc-b") for e in log.read(t, limit=10_000).events]
    assert len(events) == 3 * (len(plain) + len(rich)) + 1 + 1 + len(plain)
    return events


def test_every_event_type_is_produced(produced: list[OutboxEvent]) -> None:
    expected = {event_type(c, ch) for c in ENTITY_TYPES.values() for ch in Change}
    assert {e.type for e in produced} == expected | {DEADLETTER_TYPE}


def test_every_record_carries_the_cloudevents_headers(produced: list[OutboxEvent]) -> None:
    for event in produced:
        message = to_message(event)
        names = [name for name, _ in message.headers]
        assert len(names) == len(set(names)), names
        headers = {name: value.decode("utf-8") for name, value in message.headers}
        assert headers.keys() >= REQUIRED_HEADERS, REQUIRED_HEADERS - headers.keys()
        assert headers["ce_specversion"] == "1.0"
        assert headers["content-type"] == "application/json"
        assert headers["ce_id"] == event.event_id
        assert headers["ce_subject"] == message.key.decode("utf-8") == event.key
        assert headers["ce_tenant"] == event.tenant
        assert headers["ce_source"].startswith(f"/mbo-gateway/{event.tenant}/")
        assert int(headers["ce_entityversion"]) == event.entity_version >= 1
        assert datetime.fromisoformat(headers["ce_time"]).tzinfo is not None
        assert headers["ce_dataschema"] == f"urn:mbo-gateway:schema:events:{event.type}"
        if event.type != DEADLETTER_TYPE:  # ids are deterministic: duplicates show
            assert event.event_id == event_id(event.tenant, UUID(event.key), event.entity_version)


def test_types_and_topics_follow_the_naming_rules(produced: list[OutboxEvent]) -> None:
    for event in produced:
        message = to_message(event)
        if event.type == DEADLETTER_TYPE:
            assert message.topic == f"{PREFIX}.{event.tenant}.deadletter"
            continue
        match = TYPE.fullmatch(event.type)
        assert match, event.type
        cls = ENTITY_TYPES[match["kind"]]
        assert match["domain"] == cls.domain.value
        assert message.topic == f"{PREFIX}.{event.tenant}.{cls.domain.value}"


def test_every_event_validates_against_the_schema_its_dataschema_names(
    produced: list[OutboxEvent],
) -> None:
    schemas = _schemas_by_id()
    for event in produced:
        message = to_message(event)
        headers = dict(message.headers)
        schema = schemas[headers["ce_dataschema"].decode("utf-8")]
        data = json.loads(message.value)
        Draft202012Validator(schema, format_checker=FORMATS).validate(data)
        structured = to_structured(event)
        Draft202012Validator(schema, format_checker=FORMATS).validate(structured["data"])
        if event.type != DEADLETTER_TYPE:
            assert data["entity"]["id"] == event.subject
            assert data["entity"]["tenant"] == event.tenant


def test_upserted_events_carry_the_full_state_and_changed_fields(
    produced: list[OutboxEvent],
) -> None:
    for event in produced:
        if not event.type.endswith(".upserted.v1"):
            continue
        entity = ENTITY_TYPES[TYPE.fullmatch(event.type)["kind"]]  # type: ignore[index]
        restored = entity.model_validate(event.data["entity"])
        assert restored.snapshot() == event.data["entity"]
        if event.entity_version in (1, 4):  # created, or re-created after the delete
            assert event.data["changedFields"] == sorted(entity.model_fields)
        else:
            assert set(CHANGES[entity.kind]) <= set(event.data["changedFields"])


def test_attributes_survive_a_round_trip_through_the_sdk(produced: list[OutboxEvent]) -> None:
    for event in produced:
        message = to_message(event)
        parsed = from_binary(
            KafkaMessage(headers=dict(message.headers), key=message.key, value=message.value),
            JSONFormat(),
        )
        assert parsed.get_specversion() == "1.0"
        assert parsed.get_id() == event.event_id
        assert parsed.get_source() == event.source
        assert parsed.get_type() == event.type
        assert parsed.get_subject() == event.subject
        assert parsed.get_time() == event.time
        assert parsed.get_dataschema() == event.dataschema
        assert parsed.get_datacontenttype() == "application/json"
        assert parsed.get_extension("tenant") == event.tenant
        assert int(parsed.get_extension("entityversion")) == event.entity_version
        assert parsed.get_extension("partitionkey") == event.key
        assert parsed.get_data() == event.data


def test_person_events_carry_ids_only(produced: list[OutboxEvent]) -> None:
    persons = [e for e in produced if ".person." in e.type]
    assert persons
    for event in persons:
        keys = set(event.data["entity"])
        if event.type.endswith(".upserted.v1"):
            # personal_data_version counts changes of the personal data without showing it
            assert keys == {"id", "tenant", "source", "eck_id", "personal_data_version"}
        else:
            assert keys == {"id", "tenant", "source"}


def test_the_person_schema_refuses_personal_data(produced: list[OutboxEvent]) -> None:
    schema = _schemas_by_id()["urn:mbo-gateway:schema:events:nl.mbo.person.person.upserted.v1"]
    event = next(e for e in produced if e.type == "nl.mbo.person.person.upserted.v1")
    leaked = {**event.data, "entity": {**event.data["entity"], "family_name": "Jansen"}}
    with pytest.raises(jsonschema.ValidationError):
        Draft202012Validator(schema).validate(leaked)
