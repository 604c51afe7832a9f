"""The right to erasure on SQLite and PostgreSQL: every place a person's data sits is cleared."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import Engine, Text, cast, select

from gateway.api.testing import settings_for_tests
from gateway.bootstrap import Gateway, bootstrap
from gateway.domain import Application, Person, PersonalData, SourceRef
from gateway.errors import NotFoundError
from gateway.events.publisher import InMemoryEventPublisher
from gateway.mappings.ooapi_v5_mbo_in import SOURCE_SYSTEM, canonical_id
from gateway.store.audit import AuditLog, AuditOutcome
from gateway.store.calendar_subscriptions import CalendarSubscriptions, subscribe
from gateway.store.idempotency import IdempotencyStore, StoredResponse, idempotency_keys
from gateway.store.intake_forwarding import ForwardingState, ForwardingStatus
from gateway.store.mbo_documents import MboDocuments, Resource
from gateway.store.motivations import Motivations
from gateway.store.persons import PersonStore
from gateway.store.quarantine import Quarantine
from gateway.store.record_digests import RecordDigest, RecordDigestStore
from gateway.store.tables import entities, outbox, person_data, quarantine
from gateway.store.timetable_index import TargetKind
from gateway.sync.erasure import erase_person, linked_persons
from tests import factories

TENANT = "roc-a"
ECK_ID = "https://ketenid.nl/201703/abc"
DATA = PersonalData(given_name="Maartje", family_name_prefix="van", family_name="Damme",
                    birth_date=date(2003, 9, 30), email="Maartje.vanDamme@example.nl",
                    street_address="Lange Nieuwstraat 12", postal_code="3512 PH",
                    locality="Utrecht", country="NL")
PII = ("Maartje", "Damme", "2003-09-30", "30-09-2003", "maartje.vandamme@example.nl",
       "Nieuwstraat", "3512 PH", "Utrecht", "+31 6 12345678", "I love to cook")
PERSON_DOC = {"personId": "1001", "givenName": "Maartje", "surnamePrefix": "van",
              "surname": "Damme", "displayName": "Maartje van Damme",
              "dateOfBirth": "2003-09-30", "mail": "maartje.vandamme@example.nl",
              "mobileNumber": "+31 6 12345678", "affiliations": ["student"],
              "primaryCode": {"codeType": "studentNumber", "code": "1001"}}


@pytest.fixture
def gateway(engine: Engine) -> Iterator[Gateway]:
    gw = bootstrap(settings_for_tests(), engine=engine, publisher=InMemoryEventPublisher())
    yield gw


def _dump(engine: Engine) -> str:
    """Every row of every table that can hold a person's data, as one text."""
    from gateway.store.tables import metadata

    parts = []
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            for row in conn.execute(select(*(cast(c, Text) for c in table.c))):
                parts.append(json.dumps([str(v) for v in row], ensure_ascii=False))
    return "\n".join(parts)


def _person(gw: Gateway, source_id: str = "1001", data: PersonalData = DATA) -> Person:
    person: Person = Person.create(tenant=TENANT, source=SourceRef(system="sis", id=source_id),
                                   eck_id=ECK_ID)
    PersonStore(gw.store).upsert(person, data, documents={"ooapi-v5-mbo": PERSON_DOC})
    return person


def _seed(gw: Gateway, person: Person) -> dict[str, Any]:
    """Personal data of the person in every place the gateway may keep it."""
    engine = gw.engine
    cohort = factories.cohort(TENANT)
    application: Application = Application.create(
        tenant=TENANT, source=SourceRef(system="intake", id="k1"), person_id=person.id,
        cohort_id=cohort.id, submitted_on=date(2026, 3, 1))
    gw.store.upsert([application])
    q = Quarantine(engine)
    own = q.put(tenant=TENANT, source="sis", kind="person", raw=json.dumps(PERSON_DOC),
                reason="/mail: 'maartje.vandamme@example.nl' is not valid")
    embedded = q.put(tenant=TENANT, source="sis", kind="association",
                     raw=json.dumps({"associationId": "a1", "person": PERSON_DOC}),
                     reason="/state: not allowed")
    broken = q.put(tenant=TENANT, source="sis", kind="person",
                   raw='{"personId": "1001", "givenName": "Maartje", oops', reason="not JSON")
    other = q.put(tenant=TENANT, source="sis", kind="person",
                  raw=json.dumps({"personId": "1002", "givenName": "Maartje"}),
                  reason="/surname: required")
    keys = IdempotencyStore(engine)
    keys.claim(TENANT, "intake-web", "key-1", "f" * 64)
    keys.complete(TENANT, "intake-web", "key-1", StoredResponse(
        201, json.dumps({"applicationId": str(application.id),
                         "personId": str(person.id)}).encode()))
    keys.claim(TENANT, "intake-web", "key-2", "e" * 64)
    keys.complete(TENANT, "intake-web", "key-2", StoredResponse(201, b'{"other": true}'))
    Motivations(engine).put(TENANT, application.id, person.id, "I love to cook")
    RecordDigestStore(engine).save(TENANT, "sis", {"person/1001": RecordDigest(
        "person/1001", "d" * 64, (("person", str(person.id), "h" * 64),))},
        previous={}, complete=True)
    ForwardingState(engine).record(TENANT, application.id, ForwardingStatus.REJECTED, 1,
                                   target="sis", detail="SIS: unknown mail maartje.vandamme"
                                   "@example.nl for Maartje van Damme")
    with engine.begin() as conn:
        MboDocuments.put_in(conn, TENANT, Resource.ASSOCIATION, "a1", application.id,
                            {"associationId": "a1"}, person_id=person.id)
    return {"own": own, "embedded": embedded, "broken": broken, "other": other,
            "application": application}


def test_erasure_clears_every_place_and_leaves_one_tombstone_event(gateway: Gateway) -> None:
    person = _person(gateway)
    seeded = _seed(gateway, person)
    feed = subscribe(gateway.engine, TENANT, TargetKind.PERSON, str(person.id)).token
    others_feed = subscribe(gateway.engine, TENANT, TargetKind.ROOM, "A1.02").token
    assert "Maartje" in _dump(gateway.engine) and ECK_ID in _dump(gateway.engine)

    report = erase_person(gateway, TENANT, person.id, client_id="cli:anna",
                          issuer="gateway-cli")

    assert report.personal_data is True
    assert report.counts == {"quarantine": 3, "idempotency_keys": 1, "record_digests": 1,
                             "intake_forwarding": 1, "event_log": 1,
                             "calendar_subscriptions": 1, "application_motivations": 1}
    assert ECK_ID not in _dump(gateway.engine)  # the log no longer ties the two ids
    subscriptions = CalendarSubscriptions(gateway.engine)
    assert subscriptions.find(feed) is None and subscriptions.find(others_feed) is not None
    dump = _dump(gateway.engine)
    with gateway.engine.connect() as conn:
        rows = {r.id: r for r in conn.execute(select(quarantine))}
        events = conn.execute(select(outbox).order_by(outbox.c.seq)).all()
        assert conn.execute(select(person_data)).all() == []
        keys = conn.execute(select(idempotency_keys.c.key)).scalars().all()
        state = conn.execute(select(entities.c.state).where(
            entities.c.id == str(person.id))).scalar_one()
    # the other person named Maartje keeps its quarantined record untouched
    assert json.loads(rows[seeded["other"]].raw)["givenName"] == "Maartje"
    dump = dump.replace(rows[seeded["other"]].raw.replace('"', '\\"'), "")
    for value in PII:
        assert value.casefold() not in dump.casefold(), value
    scrubbed = json.loads(rows[seeded["own"]].raw)
    assert scrubbed["personId"] == "1001" and scrubbed["givenName"] == "[erased]"
    assert scrubbed["primaryCode"] == {"codeType": "studentNumber", "code": "1001"}
    assert json.loads(rows[seeded["embedded"]].raw)["person"]["surname"] == "[erased]"
    assert json.loads(rows[seeded["broken"]].raw) == {"erased": True,
                                                      "personId": str(person.id)}
    assert rows[seeded["own"]].reason == "/mail: '[erased]' is not valid"
    assert keys == ["key-2"]
    assert state == {"id": str(person.id), "tenant": TENANT,
                     "source": {"system": "sis", "id": "1001"}}
    assert [e.type for e in events] == ["nl.mbo.person.person.upserted.v1",
                                        "nl.mbo.enrolment.application.upserted.v1",
                                        "nl.mbo.person.person.deleted.v1"]
    assert events[-1].event_id == report.tombstone_event
    assert json.loads(events[-1].data)["entity"] == state
    with pytest.raises(NotFoundError):
        PersonStore(gateway.store).get_personal_data(TENANT, person.id)
    [entry] = AuditLog(gateway.engine).list(TENANT, person=person.id)
    assert (entry.client_id, entry.issuer, entry.outcome) == (
        "cli:anna", "gateway-cli", AuditOutcome.GRANTED)
    assert entry.fields == ("application_motivations", "calendar_subscriptions", "event_log",
                            "idempotency_keys", "intake_forwarding", "person_data",
                            "quarantine", "record_digests")


def test_erasing_again_writes_no_event_and_unknown_persons_are_refused(
    gateway: Gateway,
) -> None:
    person = _person(gateway)
    erase_person(gateway, TENANT, person.id, client_id="op", issuer="gateway-cli")
    head = gateway.event_log.head(TENANT)
    again = erase_person(gateway, TENANT, person.id, client_id="op", issuer="gateway-cli")
    assert (again.personal_data, again.tombstone_event) == (False, None)
    assert gateway.event_log.head(TENANT) == head
    stranger = UUID(int=7)
    with pytest.raises(NotFoundError):
        erase_person(gateway, TENANT, stranger, client_id="op", issuer="gateway-cli")
    cohort = factories.cohort(TENANT)
    gateway.store.upsert([cohort])
    with pytest.raises(NotFoundError):  # an id of another kind is no person
        erase_person(gateway, TENANT, cohort.id, client_id="op", issuer="gateway-cli")
    assert gateway.store.get(TENANT, cohort.id).deleted is False
    outcomes = [e.outcome for e in AuditLog(gateway.engine).list(TENANT)]
    assert outcomes == [AuditOutcome.GRANTED, AuditOutcome.GRANTED, AuditOutcome.NOT_FOUND,
                        AuditOutcome.NOT_FOUND]


def test_a_person_never_stored_is_erased_from_the_quarantine(gateway: Gateway) -> None:
    profile_id = "0b3c8a52-1f7e-4c0a-9d44-7c1f0e2a9b11"
    raw = json.dumps({**PERSON_DOC, "personId": profile_id, "dateOfBirth": "30-09-2003"})
    kept = Quarantine(gateway.engine).put(tenant=TENANT, source="sis", kind="Person",
                                          raw=raw, reason="schema: /dateOfBirth: format")
    other = Quarantine(gateway.engine).put(tenant=TENANT, source="sis", kind="Person",
                                           raw=json.dumps(PERSON_DOC), reason="x")
    person_id = canonical_id(TENANT, "person", profile_id)
    head = gateway.event_log.head(TENANT)

    report = erase_person(gateway, TENANT, person_id, client_id="op", issuer="gateway-cli")

    assert (report.counts, report.tombstone_event) == ({"quarantine": 1}, None)
    rows = {r.id: r for r in Quarantine(gateway.engine).list(TENANT)}
    assert json.loads(rows[kept].raw)["surname"] == "[erased]"
    assert rows[other].raw == json.dumps(PERSON_DOC)
    assert gateway.event_log.head(TENANT) == head
    [entry] = AuditLog(gateway.engine).list(TENANT)
    assert (entry.outcome, entry.fields) == (AuditOutcome.GRANTED, ("quarantine",))


def test_the_sis_copy_of_a_forwarded_applicant_is_erased_along(gateway: Gateway) -> None:
    persons = PersonStore(gateway.store)
    applicant: Person = Person.create(tenant=TENANT, source=SourceRef(system="intake", id="k9"))
    persons.upsert(applicant, DATA)
    # the SIS got the applicant by its canonical id and a pull brought it back
    copy: Person = Person.create(tenant=TENANT, source=SourceRef(
        system=SOURCE_SYSTEM, id=str(applicant.id)))
    assert copy.id == canonical_id(TENANT, "person", applicant.id)
    persons.upsert(copy, DATA, documents={"ooapi-v5": {**PERSON_DOC,
                                                       "personId": str(applicant.id)}})
    stranger = _person(gateway, "2002")
    assert linked_persons(gateway, TENANT, copy.id) == [applicant.id]

    report = erase_person(gateway, TENANT, applicant.id, client_id="op", issuer="gateway-cli")

    assert [r.person_id for r in report.linked] == [copy.id]
    assert report.linked[0].personal_data and report.linked[0].tombstone_event
    for gone in (applicant.id, copy.id):
        with pytest.raises(NotFoundError):
            persons.get_personal_data(TENANT, gone)
    assert persons.get_personal_data(TENANT, stranger.id) == DATA
    assert {e.person_id for e in AuditLog(gateway.engine).list(TENANT)} == {
        applicant.id, copy.id}
    assert str(copy.id) in report.line()


def test_a_person_stored_again_after_erasure_is_a_new_upsert(gateway: Gateway) -> None:
    person = _person(gateway)
    erase_person(gateway, TENANT, person.id, client_id="op", issuer="gateway-cli")
    _person(gateway)
    assert PersonStore(gateway.store).get_personal_data(TENANT, person.id) == DATA
