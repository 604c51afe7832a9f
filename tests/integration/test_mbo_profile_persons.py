"""``PUT``/``GET /ooapi/v5-mbo/persons/{personId}`` over HTTP, and the PersonStore beneath.

On SQLite and PostgreSQL: responses valid against the profile, a repeated PUT writes
nothing, changed personal data is one event that carries ids only, bad bodies are 400
with every error located, auth is per flow scope and per tenant, erasure leaves a
tombstone and no personal data.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from uuid import UUID

import pytest
from sqlalchemy import func, select

from gateway.adapters.standards import Standards
from gateway.errors import NotFoundError
from gateway.mappings.ooapi_v5_mbo_in import canonical_id
from gateway.store.audit import AuditLog
from gateway.store.persons import PersonStore
from gateway.store.tables import entities, outbox, person_data
from tests.integration.mbo_profile_support import (
    DATABASES,
    Receiver,
    new_id,
    person_doc,
    running_receiver,
)

PATH = "/persons/{personId}"
#: Personal data of the test persons; none of it may appear in an event.
PII = ("Maartje", "Damme", "Jansen", "student.roc-a.nl", "2007-03-14", "Dorpsstraat",
       "1234 AB", "Amstelveen", "Maar")


@pytest.fixture(scope="module", params=DATABASES)
def receiver(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
             standards: Standards) -> Iterator[Receiver]:
    with running_receiver(request, tmp_path_factory, standards) as running:
        yield running


def _rows(receiver: Receiver, table: object) -> int:
    with receiver.gateway.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def test_put_then_get_round_trips_and_validates(receiver: Receiver) -> None:
    pid = new_id()
    doc = person_doc(pid, eck="https://ketenid.nl/201703/abc")
    reply = receiver.put(f"/persons/{pid}", doc)
    assert reply.status_code == 201, reply.text
    assert reply.headers["location"].endswith(f"/persons/{pid}")
    body = receiver.valid(PATH, receiver.get(f"/persons/{pid}"))
    assert body == doc


def test_a_repeated_put_writes_nothing_and_emits_nothing(receiver: Receiver) -> None:
    pid = new_id()
    doc = person_doc(pid)
    assert receiver.put(f"/persons/{pid}", doc).status_code == 201
    cursor, rows = receiver.head(), _rows(receiver, outbox)
    key_order_changed = dict(reversed(list(doc.items())))
    reply = receiver.put(f"/persons/{pid}", key_order_changed)
    assert reply.status_code == 200, reply.text
    assert receiver.events_after(cursor) == []
    assert _rows(receiver, outbox) == rows
    with receiver.gateway.engine.connect() as conn:
        version = conn.execute(select(entities.c.version).where(
            entities.c.id == str(canonical_id("roc-a", "person", pid)))).scalar_one()
    assert version == 1


def test_changed_personal_data_is_one_event_with_ids_only(receiver: Receiver) -> None:
    pid = new_id()
    receiver.put(f"/persons/{pid}", person_doc(pid))
    cursor = receiver.head()
    reply = receiver.put(f"/persons/{pid}", person_doc(pid, family="Jansen"))
    assert reply.status_code == 200
    (event,) = receiver.events_after(cursor)
    assert event.type == "nl.mbo.person.person.upserted.v1"
    assert event.topic.endswith(".roc-a.person")
    assert event.data["changedFields"] == ["personal_data_version"]
    assert event.data["entity"]["personal_data_version"] == 2
    assert receiver.get(f"/persons/{pid}").json()["surname"] == "Jansen"
    text = json.dumps(event.data)
    assert not [word for word in PII if word in text]


def test_no_event_of_any_person_holds_personal_data(receiver: Receiver) -> None:
    pid = new_id()
    receiver.put(f"/persons/{pid}", person_doc(pid, given="Jansen"))
    events = receiver.events_after(0) + receiver.events_after(0, "roc-b")
    assert events
    text = json.dumps([e.data for e in events]) + json.dumps([e.subject for e in events])
    assert not [word for word in PII if word in text]


def test_every_error_of_a_bad_body_is_located(receiver: Receiver) -> None:
    pid = new_id()
    bad = person_doc(pid, mail="not-an-address", gender="Q", affiliations=["pupil"])
    del bad["surname"]
    reply = receiver.put(f"/persons/{pid}", bad)
    assert reply.status_code == 400
    body = reply.json()
    assert body["status"] == "400" and body["title"]
    located = {(e["path"], e["schema_path"].rsplit("/", 1)[-1]) for e in body["errors"]}
    assert located == {("", "required"), ("/mail", "format"), ("/gender", "enum"),
                       ("/affiliations/0", "enum")}
    assert all(e["schema_path"].startswith("ooapi-v5-mbo/ooapiv5_MBO.yaml#/paths/")
               for e in body["errors"])
    assert "not-an-address" not in reply.text  # nothing the client sent is echoed
    assert receiver.get(f"/persons/{pid}").status_code == 404


@pytest.mark.parametrize(("content", "reason"), [
    (b"{", "not JSON"), (b'{"a": NaN}', "not JSON"), (b"[]", "expected object")])
def test_bodies_that_are_not_a_person_are_400(
    receiver: Receiver, content: bytes, reason: str
) -> None:
    pid = new_id()
    reply = receiver.http.put(f"{receiver.base}/persons/{pid}", content=content, headers={
        "Authorization": f"Bearer {receiver.tokens['sis']}",
        "Content-Type": "application/json"})
    assert reply.status_code == 400
    assert reason in reply.text


def test_the_body_must_name_the_person_of_the_path(receiver: Receiver) -> None:
    reply = receiver.put(f"/persons/{new_id()}", person_doc(new_id()))
    assert reply.status_code == 400
    assert reply.json()["errors"][0]["path"] == "/personId"


def test_a_value_the_canonical_model_refuses_is_400_located(receiver: Receiver) -> None:
    pid = new_id()
    reply = receiver.put(f"/persons/{pid}", person_doc(pid, mail="a@b@c"))
    assert reply.status_code == 400, reply.text
    assert reply.json()["errors"][0]["path"] == "/mail"
    assert "a@b@c" not in reply.text


def test_no_token_is_401_and_a_wrong_scope_403(receiver: Receiver) -> None:
    pid = new_id()
    assert receiver.put(f"/persons/{pid}", person_doc(pid), client=None).status_code == 401
    for client in ("other", "planner"):  # persons are flow 1-5 only
        reply = receiver.put(f"/persons/{pid}", person_doc(pid), client=client)
        assert reply.status_code == 403, client
        assert reply.json()["status"] == "403"
        assert receiver.get(f"/persons/{pid}", client=client).status_code == 403
    assert receiver.get(f"/persons/{pid}").status_code == 404


def test_tenants_do_not_see_each_others_persons(receiver: Receiver) -> None:
    pid = new_id()
    receiver.put(f"/persons/{pid}", person_doc(pid))
    assert receiver.get(f"/persons/{pid}", client="b").status_code == 404
    other = person_doc(pid, given="Jansen")
    assert receiver.put(f"/persons/{pid}", other, client="b").status_code == 201
    assert receiver.get(f"/persons/{pid}").json()["givenName"] == "Maartje"
    assert receiver.get(f"/persons/{pid}", client="b").json()["givenName"] == "Jansen"


def test_erasure_removes_personal_data_and_leaves_a_tombstone(receiver: Receiver) -> None:
    pid = new_id()
    receiver.put(f"/persons/{pid}", person_doc(pid, eck="https://ketenid.nl/201703/x"))
    persons = PersonStore(receiver.gateway.store)
    ident = canonical_id("roc-a", "person", pid)
    assert persons.get_personal_data("roc-a", ident).family_name == "Damme"
    cursor = receiver.head()
    result = persons.erase("roc-a", ident)
    (event,) = result.events
    assert event.type == "nl.mbo.person.person.deleted.v1"
    assert [e.event_id for e in receiver.events_after(cursor)] == [event.event_id]
    with pytest.raises(NotFoundError):
        persons.get_personal_data("roc-a", ident)
    with receiver.gateway.engine.connect() as conn:
        assert conn.execute(select(person_data).where(
            person_data.c.person_id == str(ident))).first() is None
        state = conn.execute(select(entities.c.state).where(
            entities.c.id == str(ident))).scalar_one()
    assert set(state) == {"id", "tenant", "source"}  # the ECK iD went too
    assert receiver.get(f"/persons/{pid}").status_code == 404
    assert persons.erase("roc-a", ident).events == []  # erasing twice does nothing
    with pytest.raises(NotFoundError):
        persons.erase("roc-a", UUID(new_id()))


def test_a_person_can_be_put_again_after_erasure(receiver: Receiver) -> None:
    pid = new_id()
    receiver.put(f"/persons/{pid}", person_doc(pid))
    PersonStore(receiver.gateway.store).erase("roc-a", canonical_id("roc-a", "person", pid))
    assert receiver.put(f"/persons/{pid}", person_doc(pid)).status_code == 200
    assert receiver.valid(PATH, receiver.get(f"/persons/{pid}"))["givenName"] == "Maartje"


def test_every_read_of_a_person_is_audited(receiver: Receiver) -> None:
    pid = new_id()
    receiver.put(f"/persons/{pid}", person_doc(pid))
    ident = canonical_id("roc-a", "person", pid)
    audit = AuditLog(receiver.gateway.engine)
    assert audit.list("roc-a", person=ident) == []  # a PUT is no read
    assert receiver.get(f"/persons/{pid}").status_code == 200
    assert receiver.get(f"/persons/{pid}", client="planner").status_code == 403
    unknown = new_id()
    assert receiver.get(f"/persons/{unknown}").status_code == 404
    entries = audit.list("roc-a", person=ident)
    assert [(e.client_id, e.outcome.value) for e in entries] == [
        ("mbo-sis", "granted"), ("mbo-planner", "forbidden")]
    assert "surname" in entries[0].fields and "Damme" not in " ".join(entries[0].fields)
    (missing,) = audit.list("roc-a", person=canonical_id("roc-a", "person", unknown))
    assert missing.outcome.value == "not-found"


def test_what_a_client_puts_in_the_path_is_not_echoed(receiver: Receiver) -> None:
    for path in ("/persons/maartje.vandamme@student.roc-a.nl", "/persons/Damme/associations",
                 "/Maartje"):
        reply = receiver.put(path, person_doc(new_id()))
        assert reply.status_code in (400, 404, 405), (path, reply.text)
        assert "aartje" not in reply.text and "Damme" not in reply.text
        assert "{redacted}" in reply.json()["instance"]
